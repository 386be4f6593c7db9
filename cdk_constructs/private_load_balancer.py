"""An internal ALB that only an API Gateway VPC link can reach."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

LISTENER_PORT = 80
ACCESS_LOG_REASON = (
    "Internal ALB reachable only from the API Gateway VPC link: the API's JSON access log already records "
    "every request it forwards (request id, route, caller, status, latencies); ALB access logs would "
    "duplicate it and need a dedicated log bucket."
)


class PrivateLoadBalancer(Construct):
    """An internal (not internet-facing) ALB in ``subnets`` and the VPC link that fronts it.

    Security groups chain VPC link -> ALB -> targets, each admitting only the previous hop: the ALB
    accepts HTTP only from the VPC link's group and sends only to its targets. Plain HTTP stays inside
    the VPC; TLS ends at API Gateway.
    """

    def __init__(self, scope: Construct, id_: str, *, vpc: ec2.IVpc, subnets: ec2.SubnetSelection) -> None:
        super().__init__(scope, id_)
        security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, allow_all_outbound=False, description="Internal ALB"
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            vpc=vpc,
            vpc_subnets=subnets,
            internet_facing=False,
            security_group=security_group,
            drop_invalid_header_fields=True,
        )
        Validations.of(self.load_balancer).acknowledge(Acknowledgment(id="AwsSolutions-ELB2", reason=ACCESS_LOG_REASON))
        self.listener = self.load_balancer.add_listener(
            "Listener", port=LISTENER_PORT, protocol=elbv2.ApplicationProtocol.HTTP, open=False
        )
        self.vpc_link_security_group = ec2.SecurityGroup(
            self, "VpcLinkSecurityGroup", vpc=vpc, allow_all_outbound=False, description="API Gateway VPC link"
        )
        self.vpc_link = apigwv2.VpcLink(
            self, "VpcLink", vpc=vpc, subnets=subnets, security_groups=[self.vpc_link_security_group]
        )
        self.load_balancer.connections.allow_from(
            self.vpc_link_security_group, ec2.Port.tcp(LISTENER_PORT), "API Gateway VPC link to the ALB"
        )

    def add_service(
        self, service: elbv2.IApplicationLoadBalancerTarget, *, port: int, health_check_path: str
    ) -> elbv2.ApplicationTargetGroup:
        """Send every request to ``service`` on ``port``; a target is healthy when ``health_check_path`` is 200."""
        return self.listener.add_targets(
            "Tasks",
            port=port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[service],
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=health_check_path, healthy_http_codes="200", interval=Duration.seconds(15)
            ),
        )
