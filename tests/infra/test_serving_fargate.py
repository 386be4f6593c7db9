"""ServingStack's Fargate side: private network, internal ALB, service, scaling, security groups, assets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.infra.serving_app import OPEN_AND_LAMBDA_ONLY, Synthesized, render, synthesize

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


def egress_rules(synthesized: Synthesized, group_id: str) -> list[dict[str, Any]]:
    """Every egress rule of ``group_id``, inline or separate."""
    rules = [r["Properties"] for r in synthesized.resources("AWS::EC2::SecurityGroupEgress").values()]
    rules = [r for r in rules if r["GroupId"]["Fn::GetAtt"][0] == group_id]
    return rules + synthesized.resources("AWS::EC2::SecurityGroup")[group_id]["Properties"].get(
        "SecurityGroupEgress", []
    )


def test_tasks_send_only_to_the_vpc_endpoints_and_s3s_prefix_list(default: Synthesized) -> None:
    """Before issue 22 the task group allowed 0.0.0.0/0:443: code in a task could reach any bucket anywhere."""
    _, service = one(default, "AWS::ECS::Service")
    [task_group] = [
        g["Fn::GetAtt"][0] for g in service["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"]
    ]
    [endpoint_group] = {g["Fn::GetAtt"][0] for e in default.resources("AWS::EC2::VPCEndpoint").values()
                        for g in e["Properties"].get("SecurityGroupIds", [])}  # fmt: skip
    [(lookup_id, lookup)] = default.resources("Custom::AWS").items()
    destinations = {
        (json.dumps(rule.get("DestinationSecurityGroupId") or rule.get("DestinationPrefixListId")), rule["FromPort"],
         rule["ToPort"], rule["IpProtocol"]) for rule in egress_rules(default, task_group)
    }  # fmt: skip
    assert destinations == {
        (json.dumps({"Fn::GetAtt": [endpoint_group, "GroupId"]}), 443, 443, "tcp"),
        (json.dumps({"Fn::GetAtt": [lookup_id, "PrefixLists.0.PrefixListId"]}), 443, 443, "tcp"),
    }
    call = json.loads(render(lookup["Properties"]["Create"]))  # the region's S3 prefix list, looked up at deploy
    assert (call["service"], call["action"]) == ("EC2", "describeManagedPrefixLists")
    assert call["parameters"] == {
        "Filters": [{"Name": "prefix-list-name", "Values": ["com.amazonaws.${AWS::Region}.s3"]}]
    }


def _endpoint_statements(synthesized: Synthesized) -> dict[str, list[dict[str, Any]]]:
    """Service suffix (".s3", ".ecr.api"...) -> the statements of that endpoint's policy."""
    return {e["Properties"]["ServiceName"]["Fn::Join"][1][-1]: e["Properties"]["PolicyDocument"]["Statement"]
            for e in synthesized.resources("AWS::EC2::VPCEndpoint").values()}  # fmt: skip


def test_endpoint_policies_admit_only_the_model_the_records_the_image_layers_the_repository_and_the_log_group(
    default: Synthesized,
) -> None:
    _, task = one(default, "AWS::ECS::TaskDefinition")
    task_role, execution_role = (task[key]["Fn::GetAtt"][0] for key in ("TaskRoleArn", "ExecutionRoleArn"))
    policies = _endpoint_statements(default)
    [layers, model, records] = policies[".s3"]
    layer_bucket = render(layers["Resource"])
    assert (layers["Principal"], layers["Action"], layer_bucket) == (
        {"AWS": "*"},
        "s3:GetObject",
        "arn:${AWS::Partition}:s3:::prod-${AWS::Region}-starport-layer-bucket/*",
    )
    assert (model["Principal"], model["Action"]) == ({"AWS": {"Fn::GetAtt": [task_role, "Arn"]}}, "s3:GetObject")
    policies_of_task_role = [p for p in default.resources("AWS::IAM::Policy").values()
                             if p["Properties"]["Roles"] == [{"Ref": task_role}]]  # fmt: skip
    granted = [s for p in policies_of_task_role for s in p["Properties"]["PolicyDocument"]["Statement"]]
    [reader] = [s for s in granted if s["Action"] == "s3:GetObject"]
    assert model["Resource"] == reader["Resource"]  # exactly the objects the task role may read
    [writer] = [s for s in granted if s["Action"] == "s3:PutObject"]  # captured records (issue 19)
    assert (records["Principal"], records["Action"]) == ({"AWS": {"Fn::GetAtt": [task_role, "Arn"]}}, "s3:PutObject")
    assert records["Resource"] == writer["Resource"]  # exactly the prefix the task role may write
    puller = {"AWS": {"Fn::GetAtt": [execution_role, "Arn"]}}
    pulling = [s for p in default.resources("AWS::IAM::Policy").values()
               if p["Properties"]["Roles"] == [{"Ref": execution_role}]
               for s in p["Properties"]["PolicyDocument"]["Statement"]]  # fmt: skip
    [repository] = [s["Resource"] for s in pulling if "ecr:BatchGetImage" in s["Action"]]
    for service in (".ecr.api", ".ecr.dkr"):
        token, pull = policies[service]
        assert (token["Principal"], token["Action"], token["Resource"]) == (puller, "ecr:GetAuthorizationToken", "*")
        assert (pull["Principal"], pull["Resource"]) == (puller, repository)  # the one the role may pull from
        assert sorted(pull["Action"]) == ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                                          "ecr:GetDownloadUrlForLayer"]  # fmt: skip
    [logs] = policies[".logs"]
    container_logs = task["ContainerDefinitions"][0]["LogConfiguration"]["Options"]["awslogs-group"]["Ref"]
    assert (logs["Principal"], logs["Resource"]) == (puller, {"Fn::GetAtt": [container_logs, "Arn"]})
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]


def test_the_server_runs_as_the_images_unprivileged_user_without_capabilities(default: Synthesized) -> None:
    _, task = one(default, "AWS::ECS::TaskDefinition")
    [container] = task["ContainerDefinitions"]
    dockerfile = (REPO_ROOT / "fargate_image" / "Dockerfile").read_text()
    [user] = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert container["User"] == user == "10001:10001"
    assert container["LinuxParameters"] == {"Capabilities": {"Drop": ["ALL"]}}
    assert "Privileged" not in container
