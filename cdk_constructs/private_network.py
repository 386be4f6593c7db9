"""An isolated VPC: no internet gateway, no NAT; tasks reach AWS only through VPC endpoints."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "EcrApiEndpoint": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDockerEndpoint": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    "LogsEndpoint": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
}
"""What a Fargate task needs to start: pull its image (ECR API + registry) and ship logs."""


class PrivateNetwork(Construct):
    """Two AZs of isolated subnets, an S3 gateway endpoint (free: model and ECR layers), interface
    endpoints for ECR and CloudWatch Logs, and a flow log. Nothing in it can reach the internet.

    Interface endpoints admit nobody until ``allow_endpoints_from`` names a peer.
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
        self.vpc.add_gateway_endpoint("S3Endpoint", service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[self.subnets])
        self.endpoint_security_group = ec2.SecurityGroup(
            self, "EndpointSecurityGroup", vpc=self.vpc, allow_all_outbound=False, description="VPC endpoints"
        )
        self.interface_endpoints = [
            self.vpc.add_interface_endpoint(
                name,
                service=service,
                subnets=self.subnets,
                security_groups=[self.endpoint_security_group],
                open=False,
                private_dns_enabled=True,
            )
            for name, service in INTERFACE_ENDPOINTS.items()
        ]
        self._build_flow_log(log_retention)

    def allow_endpoints_from(self, peer: ec2.IConnectable) -> None:
        """Let ``peer`` call the interface endpoints (HTTPS); nobody else can."""
        self.endpoint_security_group.connections.allow_from(peer, ec2.Port.tcp(443), "HTTPS to VPC endpoints")

    def _build_flow_log(self, log_retention: logs.RetentionDays) -> None:
        log_group = logs.LogGroup(self, "FlowLogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
