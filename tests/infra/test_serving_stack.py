"""ServingStack's Lambda functions, model wiring, cdk-nag and snapshot (the app as ``app.py`` builds it)."""

from __future__ import annotations

from typing import Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.infra.conftest import normalize_template
from tests.infra.serving_app import (
    PINNED_URI,
    PINNED_VERSION,
    PINNED_X86,
    Synthesized,
    render,
    synthesize,
)

NEXT_URI = "s3://pinned-models/models/xgboost-20260202-0800/output/model.tar.gz"
PINNED_OBJECT_ARN = "arn:${AWS::Partition}:s3:::" + PINNED_URI.removeprefix("s3://")
EXPECTED_ACKNOWLEDGEMENTS = {"AwsSolutions-IAM5[Resource::*]", "AwsSolutions-ECS2", "AwsSolutions-ELB2"}


def image_functions(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """Architecture -> properties of the container-image functions (not CDK's own helper functions)."""
    functions = synthesized.resources("AWS::Lambda::Function").values()
    found = {
        f["Properties"]["Architectures"][0]: f["Properties"]
        for f in functions
        if f["Properties"].get("PackageType") == "Image"
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


def test_pinned_model_is_the_environment_of_every_backend(pinned: Synthesized) -> None:
    expected = {"MODEL_URI": PINNED_URI, "MODEL_VERSION": PINNED_VERSION, "MODEL_REVISION": PINNED_URI}
    for properties in image_functions(pinned).values():
        assert properties["Environment"]["Variables"] == {**expected, "LOG_LEVEL": "INFO"}
    [task] = pinned.resources("AWS::ECS::TaskDefinition").values()
    environment = {e["Name"]: e["Value"] for e in task["Properties"]["ContainerDefinitions"][0]["Environment"]}
    assert environment == {**expected, "WEB_CONCURRENCY": "3", "PORT": "8080"}


def test_a_new_model_updates_every_backend_in_place(training_inputs: dict[str, str], pinned: Synthesized) -> None:
    next_model = synthesize(training_inputs, **{**PINNED_X86, "modelArtifactUri": NEXT_URI})
    before, after = pinned.json()["Resources"], next_model.json()["Resources"]
    assert set(before) == set(after)  # same resources: updated, none replaced or added
    changed = {before[i]["Type"] for i in before if before[i] != after[i]}
    assert changed == {"AWS::Lambda::Function", "AWS::ECS::TaskDefinition", "AWS::IAM::Policy"}
    for properties in image_functions(next_model).values():
        assert properties["Environment"]["Variables"]["MODEL_URI"] == NEXT_URI


def _as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def s3_statements(synthesized: Synthesized) -> dict[str, list[dict[str, Any]]]:
    """Role logical id -> the policy statements granting any s3: action."""
    found: dict[str, list[dict[str, Any]]] = {}
    for policy in synthesized.resources("AWS::IAM::Policy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        s3 = [s for s in statements if any(a.startswith("s3:") for a in _as_list(s["Action"]))]
        for role in policy["Properties"]["Roles"]:
            found.setdefault(role["Ref"], []).extend(s3)
    return {role: statements for role, statements in found.items() if statements}


def test_every_backend_may_read_exactly_the_model_object(pinned: Synthesized) -> None:
    roles = s3_statements(pinned)
    [task] = pinned.resources("AWS::ECS::TaskDefinition").values()
    readers = {f["Role"]["Fn::GetAtt"][0] for f in image_functions(pinned).values()}
    readers.add(task["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0])
    assert set(roles) == readers
    for statements in roles.values():
        assert [(s["Effect"], s["Action"], render(s["Resource"])) for s in statements] == [
            ("Allow", "s3:GetObject", PINNED_OBJECT_ARN)
        ]


def test_serving_reads_trainings_bucket_and_key_through_its_outputs(default: Synthesized) -> None:
    training_outputs = default.training_template.to_json()["Outputs"]
    training_resources = default.training_template.to_json()["Resources"]
    for properties in image_functions(default).values():
        variables = properties["Environment"]["Variables"]
        parts = variables["MODEL_URI"]["Fn::Join"][1]
        assert parts[0] == "s3://" and parts[2] == "/"
        bucket, key, version = (training_outputs[ref["Fn::GetStackOutput"]["OutputName"]]["Value"]
                                for ref in (parts[1], parts[3], variables["MODEL_VERSION"]))  # fmt: skip
        assert training_resources[bucket["Ref"]]["Type"] == "AWS::S3::Bucket"
        assert training_resources[key["Fn::GetAtt"][0]]["Type"] == "Custom::SageMakerTrainingJob"
        assert (key["Fn::GetAtt"][1], version["Fn::GetAtt"][1]) == ("ModelArtifactKey", "TrainingJobName")
        assert all(ref["Fn::GetStackOutput"]["StackName"] == "TrainingStack" for ref in (parts[1], parts[3]))


@pytest.mark.parametrize("variant", ["default", "open_lambda_only", "pinned"])
def test_no_unacknowledged_cdk_nag_findings(variant: str, request: pytest.FixtureRequest) -> None:
    assert request.getfixturevalue(variant).violations == []


def test_acknowledgements_are_the_documented_ones(default: Synthesized, open_lambda_only: Synthesized) -> None:
    assert set(default.acknowledged) == EXPECTED_ACKNOWLEDGEMENTS
    assert len(default.acknowledged["AwsSolutions-IAM5[Resource::*]"]) == 3  # two function roles, one execution role
    assert all(path.endswith("/DefaultPolicy") for path in default.acknowledged["AwsSolutions-IAM5[Resource::*]"])
    assert set(open_lambda_only.acknowledged) == {"AwsSolutions-IAM5[Resource::*]", "AwsSolutions-APIG4"}
    assert len(open_lambda_only.acknowledged["AwsSolutions-APIG4"]) == 6  # each open route, not the whole API


def test_each_function_name_is_an_output(default: Synthesized) -> None:
    """bench/invoke_deployed.py reads these to find the deployed functions."""
    logical_ids = {
        resource["Properties"]["Architectures"][0]: logical_id
        for logical_id, resource in default.resources("AWS::Lambda::Function").items()
        if resource["Properties"].get("PackageType") == "Image"
    }
    outputs = default.json()["Outputs"]
    assert outputs["LambdaX86FunctionName"]["Value"] == {"Ref": logical_ids["x86_64"]}
    assert outputs["LambdaArm64FunctionName"]["Value"] == {"Ref": logical_ids["arm64"]}
