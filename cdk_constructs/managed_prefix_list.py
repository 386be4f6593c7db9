"""The ID of an AWS-managed prefix list (``com.amazonaws.<region>.s3``...), looked up at deploy time."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from cdk_constructs.nag import acknowledge

LOOKUP = "ec2:DescribeManagedPrefixLists"
LOOKUP_REASON = (
    f"{LOOKUP} (read-only) supports no resource-level permissions: AWS requires Resource '*'. It runs when the "
    "stack is created, to find the ID of the region's S3 prefix list, which a security group rule must name."
)
RUNTIME_REASON = (
    "AwsCustomResource's handler runtime is chosen by aws-cdk-lib and cannot be set; it is a deploy-time lookup "
    "(one describe call), never invoked by users."
)


class ManagedPrefixList(Construct):
    """``peer`` and ``prefix_list_id`` of ``com.amazonaws.<region>.<service>``: security group rules can name a
    gateway endpoint's service only by its prefix list, whose ID differs by region and is unknown offline.

    An ``AwsCustomResource`` calls ``DescribeManagedPrefixLists`` when it is created (and again only if its call
    changes), with a role of its own that may do that and write its log group, nothing else.
    """

    def __init__(self, scope: Construct, id_: str, *, service: str, log_retention: logs.RetentionDays) -> None:
        super().__init__(scope, id_)
        self.log_group = logs.LogGroup(self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.log_group.grant_write(self.role)
        name = f"com.amazonaws.{Aws.REGION}.{service}"
        call = cr.AwsSdkCall(
            service="EC2",
            action="describeManagedPrefixLists",
            parameters={"Filters": [{"Name": "prefix-list-name", "Values": [name]}]},
            physical_resource_id=cr.PhysicalResourceId.of(name),
            output_paths=["PrefixLists.0.PrefixListId"],
        )
        self.lookup = cr.AwsCustomResource(
            self,
            "Lookup",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements([iam.PolicyStatement(actions=[LOOKUP], resources=["*"])]),
            role=self.role,
            log_group=self.log_group,
            install_latest_aws_sdk=False,
        )
        self.prefix_list_id = self.lookup.get_response_field("PrefixLists.0.PrefixListId")
        self.peer = ec2.Peer.prefix_list(self.prefix_list_id)
        self._acknowledge_findings()

    def _acknowledge_findings(self) -> None:
        policy = self.lookup.node.find_child("CustomResourcePolicy")
        acknowledge(policy, {"AwsSolutions-IAM5[Resource::*]": LOOKUP_REASON})
