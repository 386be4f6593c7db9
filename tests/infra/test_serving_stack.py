"""ServingStack's Lambda functions, cdk-nag and snapshot (model wiring: test_serving_model.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.serving_stack import OPERATION_METHODS
from tests.infra.conftest import normalize_template
from tests.infra.serving_app import Synthesized

EXPECTED_ACKNOWLEDGEMENTS = {"AwsSolutions-IAM5[Resource::*]", "AwsSolutions-ECS2", "AwsSolutions-ELB2",
                             "AwsSolutions-S1"}  # fmt: skip
CAPTURE_BUCKET_PREFIX = re.compile(r"AwsSolutions-IAM5\[Resource::<ModelMonitoringStorageBucket[0-9A-F]{8}\.Arn>/.+\]")
CAPTURE_PREFIXES = ["capture-errors/lambda-arm64/*]", "capture-errors/lambda-x86/*]", "capture/*]",
                    "capture/fargate/*]", "capture/lambda-arm64/*]", "capture/lambda-x86/*]", "ground-truth/*]",
                    "monitoring/*]"]  # fmt: skip


def hook_invokes(synthesized: Synthesized) -> set[str]:
    """Each pre-traffic hook invokes its function's versions (``<ARN>:*``): a new version ARN at every deploy."""
    rules = {rule for rule in synthesized.acknowledged if rule.endswith(".Arn>:*]")}
    paths = [path for rule in rules for path in synthesized.acknowledged[rule]]
    assert len(paths) == 2 and all(path.endswith("/Rollout/HookRole/DefaultPolicy") for path in paths)
    return rules


def image_functions(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """Architecture -> properties of the serving functions (the image's own command; not the drift monitor, which
    runs another, nor CDK's own helper functions)."""
    functions = synthesized.resources("AWS::Lambda::Function").values()
    found = {
        f["Properties"]["Architectures"][0]: f["Properties"]
        for f in functions
        if f["Properties"].get("PackageType") == "Image" and "ImageConfig" not in f["Properties"]  # inference only
    }
    assert len(found) == 2, found
    return found


def test_template_matches_snapshot(default: Synthesized, snapshot) -> None:  # type: ignore[no-untyped-def]
    assert normalize_template(default.json()) == snapshot.use_extension(JSONSnapshotExtension)


def test_one_function_per_architecture_each_image_built_for_it(default: Synthesized) -> None:
    functions, assets = image_functions(default), default.docker_assets()
    assert set(functions) == {"x86_64", "arm64"}
    for architecture, platform in (("x86_64", "linux/amd64"), ("arm64", "linux/arm64")):
        tag = functions[architecture]["Code"]["ImageUri"]["Fn::Sub"].rsplit(":", 1)[1]
        assert assets[tag]["platform"] == platform
        assert assets[tag]["dockerFile"] == "lambda_image/Dockerfile"


def test_function_settings_come_from_config(default: Synthesized, open_lambda_only: Synthesized) -> None:
    for properties in image_functions(default).values():
        assert (properties["MemorySize"], properties["Timeout"]) == (1024, 10)
        assert "ReservedConcurrentExecutions" not in properties
    for properties in image_functions(open_lambda_only).values():
        assert (properties["MemorySize"], properties["Timeout"], properties["ReservedConcurrentExecutions"]) == (
            2048,
            20,
            5,
        )


@pytest.mark.parametrize(("variant", "days"), [("default", 30), ("open_lambda_only", 7)])
def test_tracing_json_logs_and_retention(variant: str, days: int, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(variant)
    log_groups = synthesized.resources("AWS::Logs::LogGroup")
    assert {group["Properties"]["RetentionInDays"] for group in log_groups.values()} == {days}
    for properties in image_functions(synthesized).values():
        assert properties["TracingConfig"] == {"Mode": "Active"}
        assert properties["LoggingConfig"]["LogFormat"] == "JSON"
        assert properties["LoggingConfig"]["LogGroup"]["Ref"] in log_groups


@pytest.mark.parametrize("variant", ["default", "open_lambda_only", "pinned", "pinned_compiled"])
def test_no_unacknowledged_cdk_nag_findings(variant: str, request: pytest.FixtureRequest) -> None:
    assert request.getfixturevalue(variant).violations == []


def test_acknowledgements_are_the_documented_ones(default: Synthesized, open_lambda_only: Synthesized) -> None:
    capture = {finding for finding in default.acknowledged if CAPTURE_BUCKET_PREFIX.match(finding)}
    assert set(default.acknowledged) - capture == EXPECTED_ACKNOWLEDGEMENTS | hook_invokes(default)
    prefixes = sorted(finding.rsplit(".Arn>/", 1)[1] for finding in capture)
    assert prefixes == CAPTURE_PREFIXES  # the writers' and the monitor's prefixes, and nothing wider
    wildcards = default.acknowledged["AwsSolutions-IAM5[Resource::*]"]
    assert len(wildcards) == 4  # two function roles, one execution role, the S3 prefix list lookup
    assert all(path.endswith(("/DefaultPolicy", "/CustomResourcePolicy")) for path in wildcards)
    assert set(open_lambda_only.acknowledged) - capture == {
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-APIG4",
        "AwsSolutions-S1",  # the capture bucket's access logs
    } | hook_invokes(open_lambda_only)
    routes = 3 * sum(map(len, OPERATION_METHODS.values()))  # each open route: 3 Lambda prefixes x every operation
    assert len(open_lambda_only.acknowledged["AwsSolutions-APIG4"]) == routes  # x the methods it takes


def test_each_function_name_is_an_output(default: Synthesized) -> None:
    """bench/invoke_deployed.py reads these to find the deployed functions."""
    logical_ids = {
        resource["Properties"]["Architectures"][0]: logical_id
        for logical_id, resource in default.resources("AWS::Lambda::Function").items()
        if resource["Properties"].get("PackageType") == "Image" and "ImageConfig" not in resource["Properties"]
    }
    outputs = default.json()["Outputs"]
    assert outputs["LambdaX86FunctionName"]["Value"] == {"Ref": logical_ids["x86_64"]}
    assert outputs["LambdaArm64FunctionName"]["Value"] == {"Ref": logical_ids["arm64"]}
