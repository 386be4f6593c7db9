"""ServingStack's Fargate side: private network, internal ALB, service, scaling, security groups, assets."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.serving_app import OPEN_AND_LAMBDA_ONLY, Synthesized, synthesize

STAGED_MAX_BYTES = 1024 * 1024


def one(synthesized: Synthesized, resource_type: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = synthesized.resources(resource_type).items()
    return logical_id, resource["Properties"]


def ingress_sources(synthesized: Synthesized, group_id: str) -> set[tuple[str, int]]:
    """(source security group logical id, port) for every ingress rule of ``group_id``, inline or separate."""
    rules = [r["Properties"] for r in synthesized.resources("AWS::EC2::SecurityGroupIngress").values()]
    rules = [r for r in rules if r["GroupId"]["Fn::GetAtt"][0] == group_id]
    rules += synthesized.resources("AWS::EC2::SecurityGroup")[group_id]["Properties"].get("SecurityGroupIngress", [])
    return {(rule["SourceSecurityGroupId"]["Fn::GetAtt"][0], rule["FromPort"]) for rule in rules}


def test_vpc_is_isolated_with_endpoints_for_what_tasks_need(default: Synthesized) -> None:
    for absent in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EIP"):
        assert default.resources(absent) == {}
    subnets = default.resources("AWS::EC2::Subnet").values()
    assert len(subnets) == 2 and not any(s["Properties"]["MapPublicIpOnLaunch"] for s in subnets)
    endpoints = {e["Properties"]["ServiceName"]["Fn::Join"][1][-1]: e["Properties"]
                 for e in default.resources("AWS::EC2::VPCEndpoint").values()}  # fmt: skip
    assert endpoints[".s3"]["VpcEndpointType"] == "Gateway"
    for service in (".ecr.api", ".ecr.dkr", ".logs"):
        assert (endpoints[service]["VpcEndpointType"], endpoints[service]["PrivateDnsEnabled"]) == ("Interface", True)
    assert len(default.resources("AWS::EC2::FlowLog")) == 1


def test_internal_alb_health_checks_ping(default: Synthesized) -> None:
    _, balancer = one(default, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert balancer["Scheme"] == "internal"
    _, target_group = one(default, "AWS::ElasticLoadBalancingV2::TargetGroup")
    assert (target_group["HealthCheckPath"], target_group["Port"], target_group["TargetType"]) == ("/ping", 8080, "ip")


def test_service_has_no_public_ip_and_rolls_back_failed_deployments(default: Synthesized) -> None:
    _, service = one(default, "AWS::ECS::Service")
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    assert service["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert service["LaunchType"] == "FARGATE"
    _, cluster = one(default, "AWS::ECS::Cluster")
    assert {"Name": "containerInsights", "Value": "enabled"} in cluster["ClusterSettings"]


@pytest.mark.parametrize(("variant", "cpu", "platform", "sizes", "tasks"),
                         [("default", "ARM64", "linux/arm64", ("256", "512"), (1, 4)),
                          ("pinned", "X86_64", "linux/amd64", ("512", "1024"), (2, 6))])  # fmt: skip
def test_task_size_architecture_and_scaling_follow_config(variant, cpu, platform, sizes, tasks, request) -> None:  # type: ignore[no-untyped-def]
    synthesized: Synthesized = request.getfixturevalue(variant)
    _, task = one(synthesized, "AWS::ECS::TaskDefinition")
    assert task["RuntimePlatform"] == {"CpuArchitecture": cpu, "OperatingSystemFamily": "LINUX"}
    assert (task["Cpu"], task["Memory"]) == sizes
    [container] = task["ContainerDefinitions"]
    tag = container["Image"]["Fn::Sub"].rsplit(":", 1)[1]
    assert synthesized.docker_assets()[tag] | {"directory": ""} == {
        "directory": "", "dockerFile": "fargate_image/Dockerfile", "platform": platform,
    }  # fmt: skip
    assert container["ReadonlyRootFilesystem"] is True and container["LogConfiguration"]["LogDriver"] == "awslogs"
    options = container["LogConfiguration"]["Options"]  # EMF lines must not be dropped by a full buffer
    assert (options["mode"], options["max-buffer-size"]) == ("non-blocking", "26214400b")
    assert container["PortMappings"] == [{"ContainerPort": 8080, "Protocol": "tcp"}]
    _, target = one(synthesized, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["MinCapacity"], target["MaxCapacity"]) == tasks
    policies = synthesized.resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
    tracking = [p["Properties"]["TargetTrackingScalingPolicyConfiguration"] for p in policies]
    metrics = {config["PredefinedMetricSpecification"]["PredefinedMetricType"] for config in tracking}
    assert metrics == {"ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"}


def test_security_groups_chain_vpc_link_to_alb_to_tasks(default: Synthesized) -> None:
    _, link = one(default, "AWS::ApiGatewayV2::VpcLink")
    [link_group] = [g["Fn::GetAtt"][0] for g in link["SecurityGroupIds"]]
    _, balancer = one(default, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    [alb_group] = [g["Fn::GetAtt"][0] for g in balancer["SecurityGroups"]]
    _, service = one(default, "AWS::ECS::Service")
    [task_group] = [
        g["Fn::GetAtt"][0] for g in service["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"]
    ]
    assert ingress_sources(default, alb_group) == {(link_group, 80)}
    assert ingress_sources(default, task_group) == {(alb_group, 8080)}
    assert ingress_sources(default, link_group) == set()
    for group in default.resources("AWS::EC2::SecurityGroup").values():
        assert not any("CidrIp" in rule for rule in group["Properties"].get("SecurityGroupIngress", []))


def test_fargate_disabled_creates_no_network_or_ecs(training_inputs: dict[str, str]) -> None:
    types = {r["Type"] for r in synthesize(training_inputs, **OPEN_AND_LAMBDA_ONLY).json()["Resources"].values()}
    assert not [t for t in types if t.startswith(("AWS::ECS::", "AWS::ElasticLoadBalancingV2::", "AWS::EC2::"))]
    assert not types & {"AWS::ApiGatewayV2::VpcLink", "AWS::ApplicationAutoScaling::ScalableTarget"}


def test_staged_docker_contexts_hold_only_what_the_images_copy(default: Synthesized) -> None:
    for source in default.docker_assets().values():
        staged = default.outdir / source["directory"]
        image_dir = source["dockerFile"].split("/")[0]
        assert {p.name for p in staged.iterdir()} == {".dockerignore", "inference", image_dir}
        files = [p for p in staged.rglob("*") if p.is_file()]
        assert sum(p.stat().st_size for p in files) < STAGED_MAX_BYTES
        assert not [p for p in files if "__pycache__" in p.parts or p.suffix == ".pyc"]
