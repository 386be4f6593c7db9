"""ServingStack's model wiring: every backend's MODEL_URI/SCHEMA_URI, exact-object grants, and in-place rollout."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.serving_app import (
    PINNED_SCHEMA_URI,
    PINNED_URI,
    PINNED_VERSION,
    PINNED_X86,
    Synthesized,
    render,
    synthesize,
)
from tests.infra.test_serving_stack import image_functions

NEXT_URI = "s3://pinned-models/models/xgboost-20260202-0800/output/model.tar.gz"
NEXT_SCHEMA_URI = "s3://pinned-models/data/fedcba9876543210/schema.json"
PINNED_OBJECT_ARNS = [
    "arn:${AWS::Partition}:s3:::" + uri.removeprefix("s3://") for uri in (PINNED_URI, PINNED_SCHEMA_URI)
]


def _environments(synthesized: Synthesized) -> list[dict[str, str]]:
    """The environment of each image function and of the Fargate container."""
    found = [dict(properties["Environment"]["Variables"]) for properties in image_functions(synthesized).values()]
    for task in synthesized.resources("AWS::ECS::TaskDefinition").values():
        found.append({e["Name"]: e["Value"] for e in task["Properties"]["ContainerDefinitions"][0]["Environment"]})
    return found


def test_pinned_model_and_schema_are_the_environment_of_every_backend(pinned: Synthesized) -> None:
    [revision] = {environment["MODEL_REVISION"] for environment in _environments(pinned)}
    expected = {"MODEL_URI": PINNED_URI, "SCHEMA_URI": PINNED_SCHEMA_URI, "MODEL_VERSION": PINNED_VERSION}
    expected["MODEL_REVISION"] = revision
    for properties in image_functions(pinned).values():
        assert properties["Environment"]["Variables"] == {**expected, "LOG_LEVEL": "INFO"}
    [task] = pinned.resources("AWS::ECS::TaskDefinition").values()
    environment = {e["Name"]: e["Value"] for e in task["Properties"]["ContainerDefinitions"][0]["Environment"]}
    assert environment == {**expected, "WEB_CONCURRENCY": "3", "PORT": "8080"}
    assert len(revision) == 16 and int(revision, 16) >= 0


@pytest.mark.parametrize(
    ("change", "variable", "value"),
    [({"modelArtifactUri": NEXT_URI}, "MODEL_URI", NEXT_URI),
     ({"modelSchemaUri": NEXT_SCHEMA_URI}, "SCHEMA_URI", NEXT_SCHEMA_URI)],
)  # fmt: skip
def test_a_new_model_or_schema_updates_every_backend_in_place(  # type: ignore[no-untyped-def]
    training_inputs, pinned: Synthesized, change, variable, value
) -> None:
    next_model = synthesize(training_inputs, **{**PINNED_X86, **change})
    before, after = pinned.json()["Resources"], next_model.json()["Resources"]
    assert set(before) == set(after)  # same resources: updated, none replaced or added
    changed = {before[i]["Type"] for i in before if before[i] != after[i]}
    assert changed == {"AWS::Lambda::Function", "AWS::ECS::TaskDefinition", "AWS::IAM::Policy"}
    revisions = [{e["MODEL_REVISION"] for e in _environments(s)} for s in (pinned, next_model)]
    assert len(revisions[0]) == len(revisions[1]) == 1 and revisions[0] != revisions[1]
    assert {environment[variable] for environment in _environments(next_model)} == {value}


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


def _readers(synthesized: Synthesized) -> set[str]:
    [task] = synthesized.resources("AWS::ECS::TaskDefinition").values()
    readers = {f["Role"]["Fn::GetAtt"][0] for f in image_functions(synthesized).values()}
    return readers | {task["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0]}


def test_every_backend_may_read_exactly_the_model_and_schema_objects(pinned: Synthesized) -> None:
    roles = s3_statements(pinned)
    assert set(roles) == _readers(pinned)
    for statements in roles.values():
        assert [(s["Effect"], s["Action"], sorted(render(r) for r in _as_list(s["Resource"]))) for s in statements] == [
            ("Allow", "s3:GetObject", sorted(PINNED_OBJECT_ARNS))
        ]


def test_trained_model_and_schema_grants_name_the_two_keys_training_stack_outputs(default: Synthesized) -> None:
    roles = s3_statements(default)
    assert set(roles) == _readers(default)
    outputs = default.training_template.to_json()["Outputs"]
    for statements in roles.values():
        [statement] = statements
        assert (statement["Effect"], statement["Action"]) == ("Allow", "s3:GetObject")
        keys = []
        for resource in statement["Resource"]:
            bucket_arn, slash, key = resource["Fn::Join"][1]
            bucket = outputs[bucket_arn["Fn::GetStackOutput"]["OutputName"]]["Value"]["Fn::GetAtt"]
            assert (bucket[1], slash, key["Fn::GetStackOutput"]["StackName"]) == ("Arn", "/", "TrainingStack")
            keys.append(outputs[key["Fn::GetStackOutput"]["OutputName"]]["Value"]["Fn::GetAtt"][1])
        assert sorted(keys) == ["ModelArtifactKey", "SchemaKey"]


@pytest.mark.parametrize(("variable", "attribute"), [("MODEL_URI", "ModelArtifactKey"), ("SCHEMA_URI", "SchemaKey")])
def test_serving_reads_trainings_bucket_and_keys_through_its_outputs(  # type: ignore[no-untyped-def]
    default: Synthesized, variable, attribute
) -> None:
    """Model and schema keys are both attributes of the same training job resource: after a failed (rolled
    back) TrainingStack update, ServingStack can only ever see a pair that was deployed together."""
    training_outputs = default.training_template.to_json()["Outputs"]
    training_resources = default.training_template.to_json()["Resources"]
    for environment in _environments(default):
        parts = environment[variable]["Fn::Join"][1]  # type: ignore[index]
        assert parts[0] == "s3://" and parts[2] == "/"
        bucket, key, version = (training_outputs[ref["Fn::GetStackOutput"]["OutputName"]]["Value"]
                                for ref in (parts[1], parts[3], environment["MODEL_VERSION"]))  # fmt: skip
        assert training_resources[bucket["Ref"]]["Type"] == "AWS::S3::Bucket"
        assert training_resources[key["Fn::GetAtt"][0]]["Type"] == "Custom::SageMakerTrainingJob"
        assert (key["Fn::GetAtt"][1], version["Fn::GetAtt"][1]) == (attribute, "TrainingJobName")
        assert all(ref["Fn::GetStackOutput"]["StackName"] == "TrainingStack" for ref in (parts[1], parts[3]))
