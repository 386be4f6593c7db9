"""An isolated VPC: no internet gateway, no NAT; tasks reach AWS only through VPC endpoints that admit only them."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_constructs.managed_prefix_list import ManagedPrefixList

INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "EcrApiEndpoint": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDockerEndpoint": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    "LogsEndpoint": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
}
"""What a Fargate task needs to start: pull its image (ECR API + registry) and ship logs."""
ECR_LAYERS = f"arn:{Aws.PARTITION}:s3:::prod-{Aws.REGION}-starport-layer-bucket/*"
"""Where ECR keeps image layers (the ECR user guide's "Minimum Amazon S3 bucket permissions for Amazon ECR");
they are downloaded with URLs ECR signs, so the caller is ECR's principal, not a role of this stack."""
IMAGE_PULL = ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")
LOG_WRITE = ("logs:CreateLogStream", "logs:PutLogEvents")


class PrivateNetwork(Construct):
    """Two AZs of isolated subnets, an S3 gateway endpoint (free: model and ECR layers), interface
    endpoints for ECR and CloudWatch Logs, and a flow log. Nothing in it can reach the internet.

    Interface endpoints admit nobody until ``allow_endpoints_from`` names a peer, which may then send HTTPS to
    them and to S3's prefix list, and nowhere else. Until ``restrict_endpoints`` says who may do what through
    them, the endpoints let only image layers through (the gateway) and nothing else.
    """

    def __init__(self, scope: Construct, id_: str, *, log_retention: logs.RetentionDays) -> None:
        super().__init__(scope, id_)
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
            ],
            restrict_default_security_group=True,
        )
        self.s3_endpoint = self.vpc.add_gateway_endpoint(
            "S3Endpoint", service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[self.subnets]
        )
        self.s3_endpoint.add_to_policy(_allow([iam.AnyPrincipal()], ["s3:GetObject"], [ECR_LAYERS]))
        self.s3_prefix_list = ManagedPrefixList(self, "S3PrefixList", service="s3", log_retention=log_retention)
        self.endpoint_security_group = ec2.SecurityGroup(
            self, "EndpointSecurityGroup", vpc=self.vpc, allow_all_outbound=False, description="VPC endpoints"
        )
        self.interface_endpoints = {
            name: self.vpc.add_interface_endpoint(
                name,
                service=service,
                subnets=self.subnets,
                security_groups=[self.endpoint_security_group],
                open=False,
                private_dns_enabled=True,
            )
            for name, service in INTERFACE_ENDPOINTS.items()
        }
        self._build_flow_log(log_retention)

    def allow_endpoints_from(self, peer: ec2.IConnectable) -> None:
        """Let ``peer`` call the interface endpoints and S3 through the gateway endpoint (HTTPS); its security
        group sends nothing anywhere else."""
        self.endpoint_security_group.connections.allow_from(peer, ec2.Port.tcp(443), "HTTPS to VPC endpoints")
        for group in peer.connections.security_groups:  # inline: the group's own egress, no rule elsewhere
            group.add_egress_rule(self.s3_prefix_list.peer, ec2.Port.tcp(443), "HTTPS to S3 (gateway endpoint)")

    def restrict_endpoints(
        self, *, reader: iam.IRole, objects: Sequence[str], puller: iam.IRole, repository_arn: str, log_group_arn: str
    ) -> None:
        """Endpoint policies: ``reader`` may get ``objects`` through the S3 gateway; ``puller`` may pull images
        from ``repository_arn`` through the ECR endpoints and write ``log_group_arn`` through the Logs endpoint.
        Nothing else passes: no other bucket, repository, log group or caller, in this account or another."""
        self.s3_endpoint.add_to_policy(_allow([reader], ["s3:GetObject"], objects))
        for name in ("EcrApiEndpoint", "EcrDockerEndpoint"):
            endpoint = self.interface_endpoints[name]
            endpoint.add_to_policy(_allow([puller], ["ecr:GetAuthorizationToken"], ["*"]))  # no resource-level form
            endpoint.add_to_policy(_allow([puller], IMAGE_PULL, [repository_arn]))
        self.interface_endpoints["LogsEndpoint"].add_to_policy(_allow([puller], LOG_WRITE, [log_group_arn]))

    def allow_writes(self, *, writer: iam.IRole, objects: Sequence[str]) -> None:
        """The S3 gateway also lets ``writer`` put ``objects`` (the tasks' captured records), nothing else."""
        self.s3_endpoint.add_to_policy(_allow([writer], ["s3:PutObject"], objects))

    def _build_flow_log(self, log_retention: logs.RetentionDays) -> None:
        log_group = logs.LogGroup(self, "FlowLogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )


def _allow(
    principals: Sequence[iam.IPrincipal], actions: Sequence[str], resources: Sequence[str]
) -> iam.PolicyStatement:
    return iam.PolicyStatement(principals=list(principals), actions=list(actions), resources=list(resources))
