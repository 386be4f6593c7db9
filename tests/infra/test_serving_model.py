"""ServingStack's model wiring: every backend's MODEL_URI/SCHEMA_URI/COMPILED_MODEL_URI, exact-object grants, and
in-place rollout."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

from cdk_constructs.model_artifact import ModelArtifact
from tests.infra.serving_app import (
    PINNED_COMPILED_URI,
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
NEXT_COMPILED_URI = "s3://pinned-models/models/xgboost-20260202-0800/output/model.compiled.npz"


def _object_arns(*uris: str) -> list[str]:
    return sorted("arn:${AWS::Partition}:s3:::" + uri.removeprefix("s3://") for uri in uris)


PINNED_OBJECT_ARNS = _object_arns(PINNED_URI, PINNED_SCHEMA_URI)


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
    backends = {"x86_64": "lambda-x86", "arm64": "lambda-arm64"}
    for architecture, properties in image_functions(pinned).items():
        variables = properties["Environment"]["Variables"]
        assert variables == {**expected, "LOG_LEVEL": "INFO", "BACKEND_NAME": backends[architecture]}
    [task] = pinned.resources("AWS::ECS::TaskDefinition").values()
    environment = {e["Name"]: e["Value"] for e in task["Properties"]["ContainerDefinitions"][0]["Environment"]}
    assert environment == {**expected, "WEB_CONCURRENCY": "3", "PORT": "8080", "BACKEND_NAME": "fargate"}
    assert len(revision) == 16 and int(revision, 16) >= 0
    assert pinned.json()["Outputs"]["CompiledModelUri"]["Value"] == "none"  # no COMPILED_MODEL_URI: the tarball


def test_a_pinned_compiled_form_is_the_environment_of_every_backend(pinned: Synthesized, pinned_compiled) -> None:  # type: ignore[no-untyped-def]
    [revision] = {environment["MODEL_REVISION"] for environment in _environments(pinned)}
    [compiled_revision] = {environment["MODEL_REVISION"] for environment in _environments(pinned_compiled)}
    assert compiled_revision != revision  # naming the compiled form rolls every backend out
    for with_compiled, without in zip(_environments(pinned_compiled), _environments(pinned), strict=True):
        assert with_compiled == {
            **without,
            "MODEL_REVISION": compiled_revision,
            "COMPILED_MODEL_URI": PINNED_COMPILED_URI,
        }
    assert len(_environments(pinned_compiled)) == 3  # both functions and the container
    assert pinned_compiled.json()["Outputs"]["CompiledModelUri"]["Value"] == PINNED_COMPILED_URI
    # a pinned pair without a compiled form keeps the revision it had before compiled forms existed
    assert revision == hashlib.sha256(f"{PINNED_URI}\n{PINNED_SCHEMA_URI}".encode()).hexdigest()[:16]


def test_a_models_baseline_is_its_own_key_or_the_one_beside_it() -> None:
    stack = Stack(App(), "Probe")
    bucket = s3.Bucket.from_bucket_name(stack, "Models", "models")
    pinned = ModelArtifact(bucket, "models/job-1/output/model.tar.gz", bucket, "data/1/schema.json", "v", "r")
    assert stack.resolve(pinned.baseline_uri) == "s3://models/models/job-1/output/baseline.json"
    trained = ModelArtifact(bucket, "m.tar.gz", bucket, "s.json", "v", "r", baseline_key="models/j/output/b.json")
    assert stack.resolve(trained.baseline_uri) == "s3://models/models/j/output/b.json"


def test_a_compiled_key_needs_its_bucket() -> None:
    stack = Stack(App(), "Probe")
    bucket = s3.Bucket.from_bucket_name(stack, "Models", "models")
    with pytest.raises(ValueError, match="compiled_bucket and compiled_key go together: give both or neither"):
        ModelArtifact(bucket, "m.tar.gz", bucket, "schema.json", "v", "r", compiled_key="model.compiled.npz")


@pytest.mark.parametrize(
    ("change", "variable", "value"),
    [({"modelArtifactUri": NEXT_URI}, "MODEL_URI", NEXT_URI),
     ({"modelSchemaUri": NEXT_SCHEMA_URI}, "SCHEMA_URI", NEXT_SCHEMA_URI),
     ({"compiledModelUri": NEXT_COMPILED_URI}, "COMPILED_MODEL_URI", NEXT_COMPILED_URI)],
)  # fmt: skip
def test_a_new_model_or_schema_updates_every_backend_and_publishes_a_version(  # type: ignore[no-untyped-def]
    training_inputs, pinned: Synthesized, change, variable, value
) -> None:
    next_model = synthesize(training_inputs, **{**PINNED_X86, **change})
    before, after = pinned.json()["Resources"], next_model.json()["Resources"]
    old, new = set(before) - set(after), set(after) - set(before)
    assert {before[i]["Type"] for i in old} == {after[i]["Type"] for i in new} == {"AWS::Lambda::Version"}
    assert len(old) == len(new) == 2  # a new version of each function; the old ones stay (rollback targets)
    assert {before[i]["UpdateReplacePolicy"] for i in old} == {before[i]["DeletionPolicy"] for i in old} == {"Retain"}
    changed = {before[i]["Type"] for i in set(before) & set(after) if before[i] != after[i]}
    assert changed == {
        "AWS::Lambda::Function",
        "AWS::ECS::TaskDefinition",
        "AWS::IAM::Policy",
        "AWS::Lambda::Alias",
        "AWS::CloudWatch::Alarm",
        "AWS::EC2::VPCEndpoint",
    }  # fmt: skip (the alias moves, the hook and the alarms follow; the S3 gateway's policy names the objects)
    revisions = [{e["MODEL_REVISION"] for e in _environments(s)} for s in (pinned, next_model)]
    assert len(revisions[0]) == len(revisions[1]) == 1 and revisions[0] != revisions[1]
    assert {environment[variable] for environment in _environments(next_model)} == {value}


def _as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def s3_statements(synthesized: Synthesized, *, hooks: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Role logical id -> the policy statements granting any s3: action (of the backends; ``hooks``: of the
    pre-traffic hooks instead)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for policy in synthesized.resources("AWS::IAM::Policy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        s3 = [s for s in statements if any(a.startswith("s3:") for a in _as_list(s["Action"]))]
        for role in policy["Properties"]["Roles"]:
            found.setdefault(role["Ref"], []).extend(s3)
    functions = synthesized.resources("AWS::Lambda::Function").values()
    hook_roles = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions
                  if "CHECKED_FUNCTION" in f["Properties"].get("Environment", {}).get("Variables", {})}  # fmt: skip
    return {role: statements for role, statements in found.items() if statements and (role in hook_roles) == hooks}


def _readers(synthesized: Synthesized) -> set[str]:
    [task] = synthesized.resources("AWS::ECS::TaskDefinition").values()
    readers = {f["Role"]["Fn::GetAtt"][0] for f in image_functions(synthesized).values()}
    return readers | {task["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0]}


def test_every_backend_may_read_exactly_the_model_and_schema_objects(pinned: Synthesized) -> None:
    roles = s3_statements(pinned)
    assert set(roles) == _readers(pinned)
    for statements in roles.values():
        assert [(s["Effect"], s["Action"], sorted(render(r) for r in _as_list(s["Resource"]))) for s in statements] == [
            ("Allow", "s3:GetObject", PINNED_OBJECT_ARNS)
        ]


def test_every_backend_may_read_exactly_the_pinned_compiled_form_too(pinned_compiled, pinned) -> None:  # type: ignore[no-untyped-def]
    roles = s3_statements(pinned_compiled)
    assert set(roles) == _readers(pinned_compiled)
    arns = _object_arns(PINNED_URI, PINNED_SCHEMA_URI, PINNED_COMPILED_URI)
    for statements in roles.values():
        assert [(s["Effect"], s["Action"], sorted(render(r) for r in _as_list(s["Resource"]))) for s in statements] == [
            ("Allow", "s3:GetObject", arns)
        ]
    expected = PINNED_COMPILED_URI.replace("model.compiled.npz", "model.expected.json")
    hooks = s3_statements(pinned_compiled, hooks=True)
    assert len(hooks) == 2  # one per function: each may read the expected answers and nothing else
    for statements in hooks.values():
        assert [(s["Action"], render(s["Resource"])) for s in statements] == [
            ("s3:GetObject", _object_arns(expected)[0])
        ]
    assert not s3_statements(pinned, hooks=True)  # no compiled form named, no expected answers beside it: nothing


TRAINED_OBJECTS = {
    "ModelArtifactKey": "Custom::SageMakerTrainingJob",
    "SchemaKey": "Custom::SageMakerTrainingJob",
    "CompiledKey": "Custom::CompiledModel",
}
TRAINED_EXPECTED = {"ExpectedKey": "Custom::CompiledModel"}
"""TrainingStack attribute -> the resource it is read from: the job's model and schema, the compile step's archive."""


@pytest.mark.parametrize(("hooks", "objects"), [(False, TRAINED_OBJECTS), (True, TRAINED_EXPECTED)])
def test_trained_model_schema_and_compiled_grants_name_the_keys_training_stack_outputs(  # type: ignore[no-untyped-def]
    default: Synthesized, hooks, objects
) -> None:
    roles = s3_statements(default, hooks=hooks)
    readers = set(roles) if hooks else _readers(default)
    assert len(readers) == 2 if hooks else readers <= set(roles)
    outputs = default.training_template.to_json()["Outputs"]
    resources = default.training_template.to_json()["Resources"]
    for role in readers:  # what else they may do (write captured records): test_serving_capture.py
        [statement] = [s for s in roles[role] if s["Action"] == "s3:GetObject"]
        assert (statement["Effect"], statement["Action"]) == ("Allow", "s3:GetObject")
        keys = {}
        for resource in [statement["Resource"]] if isinstance(statement["Resource"], dict) else statement["Resource"]:
            bucket_arn, slash, key = resource["Fn::Join"][1]
            bucket = outputs[bucket_arn["Fn::GetStackOutput"]["OutputName"]]["Value"]["Fn::GetAtt"]
            assert (bucket[1], slash, key["Fn::GetStackOutput"]["StackName"]) == ("Arn", "/", "TrainingStack")
            source, attribute = outputs[key["Fn::GetStackOutput"]["OutputName"]]["Value"]["Fn::GetAtt"]
            keys[attribute] = resources[source]["Type"]
        assert keys == objects


@pytest.mark.parametrize(
    ("variable", "attribute"),
    [("MODEL_URI", "ModelArtifactKey"), ("SCHEMA_URI", "SchemaKey"), ("COMPILED_MODEL_URI", "CompiledKey")],
)
def test_serving_reads_trainings_bucket_and_keys_through_its_outputs(  # type: ignore[no-untyped-def]
    default: Synthesized, variable, attribute
) -> None:
    """Model and schema keys are both attributes of the same training job resource: after a failed (rolled
    back) TrainingStack update, ServingStack can only ever see a pair that was deployed together. The compiled
    key is the compile step's, which runs on that pair and fails the deployment when it cannot compile it."""
    training_outputs = default.training_template.to_json()["Outputs"]
    training_resources = default.training_template.to_json()["Resources"]
    for environment in _environments(default):
        parts = environment[variable]["Fn::Join"][1]  # type: ignore[index]
        assert parts[0] == "s3://" and parts[2] == "/"
        bucket, key, version = (training_outputs[ref["Fn::GetStackOutput"]["OutputName"]]["Value"]
                                for ref in (parts[1], parts[3], environment["MODEL_VERSION"]))  # fmt: skip
        assert training_resources[bucket["Ref"]]["Type"] == "AWS::S3::Bucket"
        assert training_resources[key["Fn::GetAtt"][0]]["Type"] == TRAINED_OBJECTS[attribute]
        assert (key["Fn::GetAtt"][1], version["Fn::GetAtt"][1]) == (attribute, "TrainingJobName")
        assert all(ref["Fn::GetStackOutput"]["StackName"] == "TrainingStack" for ref in (parts[1], parts[3]))


def test_the_compiled_uri_output_is_what_every_backend_reads(default: Synthesized) -> None:
    [served] = {json.dumps(environment["COMPILED_MODEL_URI"], sort_keys=True) for environment in _environments(default)}
    assert json.dumps(default.json()["Outputs"]["CompiledModelUri"]["Value"], sort_keys=True) == served


@pytest.mark.parametrize(("variable", "attribute"), [("MODEL_SHA256", "SourceSha256"),
                                                     ("COMPILED_MODEL_SHA256", "CompiledSha256")])  # fmt: skip
def test_every_backend_checks_the_objects_against_the_compile_steps_digests(  # type: ignore[no-untyped-def]
    default: Synthesized, variable, attribute
) -> None:
    """Whoever may write model.compiled.npz in S3 cannot decide the predictions: the backends hash what they
    read and compare it with what the compile step wrote, carried by the deployment (issue 22)."""
    training_outputs = default.training_template.to_json()["Outputs"]
    training_resources = default.training_template.to_json()["Resources"]
    environments = _environments(default)
    assert len(environments) == 3  # both Lambdas and the task
    for environment in environments:
        output = training_outputs[environment[variable]["Fn::GetStackOutput"]["OutputName"]]["Value"]  # type: ignore[index]
        assert training_resources[output["Fn::GetAtt"][0]]["Type"] == "Custom::CompiledModel"
        assert output["Fn::GetAtt"][1] == attribute
