"""ServingStack operated like an endpoint: the alarm topic, every alarm and its threshold, the dashboard, the
aliases, the CodeDeploy deployment groups and their hooks, and Fargate's deployment alarms."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.serving_app import Synthesized, render, synthesize

LAMBDA_BACKENDS = ("lambda-x86", "lambda-arm64")
ALARMS = {
    "lambda-x86": {"5xx-share", "p99-latency", "errors", "throttles"},
    "lambda-arm64": {"5xx-share", "p99-latency", "errors", "throttles"},
    "fargate": {"5xx-share", "p99-latency", "alb-5xx-share", "unhealthy-targets", "cpu-high"},
    "api": {"5xx-share"},
}
DEPLOYMENT_ALARMS = {"lambda": {"5xx-share", "p99-latency", "errors"},
                     "fargate": {"5xx-share", "p99-latency", "alb-5xx-share", "unhealthy-targets"}}  # fmt: skip


def alarms(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """Alarm name without the stack prefix -> properties."""
    found = synthesized.resources("AWS::CloudWatch::Alarm").values()
    return {a["Properties"]["AlarmName"].removeprefix("ServingStack-"): a["Properties"] for a in found}


def logical_names(synthesized: Synthesized) -> dict[str, str]:
    """Alarm logical ID -> alarm name without the stack prefix."""
    return {logical_id: alarm["Properties"]["AlarmName"].removeprefix("ServingStack-")
            for logical_id, alarm in synthesized.resources("AWS::CloudWatch::Alarm").items()}  # fmt: skip


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def only(synthesized: Synthesized, resource_type: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = synthesized.resources(resource_type).items()
    return logical_id, resource["Properties"]


def test_every_backend_has_its_alarms_and_each_notifies_the_one_topic(default: Synthesized) -> None:
    topic_id, _ = only(default, "AWS::SNS::Topic")
    found = alarms(default)
    expected = {f"{backend}-{name}" for backend, names in ALARMS.items() for name in names}
    assert set(found) == expected | {"drift", "drift-monitor-failed"}  # and the drift monitor's (issue 19)
    for alarm in found.values():
        assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": topic_id}]
        assert alarm["TreatMissingData"] == "notBreaching" and len(alarm["AlarmDescription"]) > 20


def test_lambda_only_has_no_fargate_alarms(open_lambda_only: Synthesized) -> None:
    assert {name.split("-5xx")[0] for name in alarms(open_lambda_only) if name.endswith("5xx-share")} == {
        *LAMBDA_BACKENDS, "api"}  # fmt: skip


def test_the_topic_is_encrypted_with_a_rotated_key_cloudwatch_may_use_and_tls_only(default: Synthesized) -> None:
    _, topic = only(default, "AWS::SNS::Topic")
    key_id, key = only(default, "AWS::KMS::Key")
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]} and key["EnableKeyRotation"] is True
    statements = key["KeyPolicy"]["Statement"]
    [cloudwatch] = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    _, policy = only(default, "AWS::SNS::TopicPolicy")
    [deny] = policy["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
    assert not default.resources("AWS::SNS::Subscription")  # no alarmEmail, no subscription


def test_alarm_email_and_thresholds_come_from_context(training_inputs) -> None:  # type: ignore[no-untyped-def]
    synthesized = synthesize(training_inputs, alarmEmail="oncall@example.com", alarm5xxPercent="2.5",
                             alarmLatencyP99Ms=250, fargateEnabled=False)  # fmt: skip
    _, subscription = only(synthesized, "AWS::SNS::Subscription")
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "oncall@example.com")
    found = alarms(synthesized)
    assert found["lambda-x86-5xx-share"]["Threshold"] == found["api-5xx-share"]["Threshold"] == 2.5
    latency = found["lambda-arm64-p99-latency"]
    assert (latency["Threshold"], latency["ExtendedStatistic"], latency["MetricName"]) == (250, "p99", "ModelLatency")
    assert {d["Name"]: render(d["Value"]) for d in latency["Dimensions"]}["Route"] == "/predict"


def test_each_function_has_a_live_alias_on_a_retained_version(default: Synthesized) -> None:
    versions = default.resources("AWS::Lambda::Version")
    aliases = default.resources("AWS::Lambda::Alias")
    assert len(aliases) == len(versions) == 2
    for alias in aliases.values():
        properties = alias["Properties"]
        assert properties["Name"] == "live"
        version = versions[properties["FunctionVersion"]["Fn::GetAtt"][0]]
        assert (
            version["DeletionPolicy"] == "Retain"
            and version["Properties"]["FunctionName"] == properties["FunctionName"]
        )


CONFIGS = [(None, "LambdaCanary10Percent5Minutes"), ("allAtOnce", "LambdaAllAtOnce"),
           ("linear10PercentEvery2Minutes", "LambdaLinear10PercentEvery2Minutes")]  # fmt: skip


@pytest.mark.parametrize(("config", "name"), CONFIGS)
def test_codedeploy_shifts_each_alias_with_the_configured_steps_and_rolls_back(training_inputs, config, name) -> None:  # type: ignore[no-untyped-def]
    overrides = {} if config is None else {"lambdaDeploymentConfig": config}
    synthesized = synthesize(training_inputs, **overrides)
    groups = synthesized.resources("AWS::CodeDeploy::DeploymentGroup")
    names = logical_names(synthesized)
    assert len(groups) == 2
    watched = []
    for group in groups.values():
        properties = group["Properties"]
        assert properties["DeploymentConfigName"] == f"CodeDeployDefault.{name}"
        assert set(properties["AutoRollbackConfiguration"]["Events"]) == {
            "DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"}  # fmt: skip
        watched.append({names[alarm["Name"]["Ref"]] for alarm in properties["AlarmConfiguration"]["Alarms"]})
    expected = [{f"{backend}-{alarm}" for alarm in DEPLOYMENT_ALARMS["lambda"]} for backend in LAMBDA_BACKENDS]
    assert sorted(watched, key=sorted) == sorted(expected, key=sorted)


def test_the_hook_checks_the_new_version_before_traffic_and_may_do_only_that(default: Synthesized) -> None:
    functions = default.resources("AWS::Lambda::Function")
    groups = default.resources("AWS::CodeDeploy::DeploymentGroup")
    for alias in default.resources("AWS::Lambda::Alias").values():
        update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
        hook_id = update["BeforeAllowTrafficHook"]["Ref"]
        assert update["DeploymentGroupName"]["Ref"] in groups and hook_id in alias["DependsOn"]
        hook = functions[hook_id]["Properties"]
        assert hook["ImageConfig"]["Command"] == ["pre_traffic_handler.handler"]
        variables = hook["Environment"]["Variables"]
        assert variables["CHECKED_FUNCTION"] == {"Ref": alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]}
        assert "EXPECTED_ANSWERS_URI" in variables
        role = {"Ref": hook["Role"]["Fn::GetAtt"][0]}
        policies = [p["Properties"] for p in default.resources("AWS::IAM::Policy").values()]
        statements = [s for p in policies if p["Roles"] == [role] for s in p["PolicyDocument"]["Statement"]]
        actions = {json.dumps(s["Action"]) for s in statements}
        assert actions == {json.dumps(["logs:CreateLogStream", "logs:PutLogEvents"]), '"s3:GetObject"',
                           '"lambda:InvokeFunction"', '"codedeploy:PutLifecycleEventHookExecutionStatus"'}  # fmt: skip


def test_codedeploy_may_move_only_its_alias_call_its_hook_and_read_its_alarms(default: Synthesized) -> None:
    roles = default.resources("AWS::IAM::Role")
    for group in default.resources("AWS::CodeDeploy::DeploymentGroup").values():
        role_id = group["Properties"]["ServiceRoleArn"]["Fn::GetAtt"][0]
        assert "ManagedPolicyArns" not in roles[role_id]["Properties"]  # not AWSCodeDeployRoleForLambdaLimited
        [policy] = [p["Properties"] for p in default.resources("AWS::IAM::Policy").values()
                    if p["Properties"]["Roles"] == [{"Ref": role_id}]]  # fmt: skip
        actions = sorted(json.dumps(sorted(_as_list(s["Action"]))) for s in policy["PolicyDocument"]["Statement"])
        assert actions == sorted([json.dumps(["lambda:GetAlias", "lambda:GetProvisionedConcurrencyConfig",
                                              "lambda:UpdateAlias"]),
                                  '["lambda:InvokeFunction"]', '["cloudwatch:DescribeAlarms"]'])  # fmt: skip


def test_fargate_rolls_back_on_its_alarms_on_top_of_the_circuit_breaker(default: Synthesized) -> None:
    _, service = only(default, "AWS::ECS::Service")
    deployment = service["DeploymentConfiguration"]
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    names = logical_names(default)
    assert (deployment["Alarms"]["Enable"], deployment["Alarms"]["Rollback"]) == (True, True)
    # literal names (a Ref would make the service depend on alarms that read its own metrics: a cycle), each the
    # name of an alarm in this template
    assert set(deployment["Alarms"]["AlarmNames"]) <= {f"ServingStack-{name}" for name in names.values()}
    assert {name.removeprefix("ServingStack-") for name in deployment["Alarms"]["AlarmNames"]} == {
        f"fargate-{name}" for name in DEPLOYMENT_ALARMS["fargate"]}  # fmt: skip


def dashboard(synthesized: Synthesized) -> dict[str, Any]:
    """The dashboard body, each deploy-time token (always inside a JSON string) replaced with ``<token>``."""
    _, properties = only(synthesized, "AWS::CloudWatch::Dashboard")
    separator, parts = properties["DashboardBody"]["Fn::Join"]
    return dict(json.loads(separator.join(part if isinstance(part, str) else "<token>" for part in parts)))


def test_the_dashboard_shows_the_three_backends_side_by_side(default: Synthesized) -> None:
    widgets = dashboard(default)["widgets"]
    graphs = [w for w in widgets if w["type"] == "metric" and ": " in w["properties"].get("title", "")]
    titles = [w["properties"]["title"] for w in graphs]
    for question in ("requests and errors", "/predict latency p50 / p99 (ms)", "platform errors",
                     "cold starts, init and model load (ms)", "concurrency", "answers"):  # fmt: skip
        row = [w for w, title in zip(graphs, titles, strict=True) if title.split(": ", 1)[1].startswith(question)]
        assert [w["properties"]["title"].split(":")[0] for w in row] == ["lambda-x86", "lambda-arm64", "fargate"]
        assert len({w["y"] for w in row}) == 1 and [w["width"] for w in row] == [8, 8, 8]  # one row, side by side
    [versions] = [w for w in widgets if w["type"] == "log"]
    assert "ModelVersion" in versions["properties"]["query"]
    [status] = [w for w in widgets if w["properties"].get("title") == "Alarms"]
    assert len(status["properties"]["alarms"]) == len(alarms(default))
