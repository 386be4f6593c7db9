"""The compile step after the training job in TrainingStack's template: the Lambda image run with the compile
command as a custom resource, what it compiles, its least-privilege role and the outputs serving reads."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

from inference.expected import EXPECTED_NAME
from inference.expected import FORMAT as EXPECTED_FORMAT
from inference.model.compiled import COMPILED_NAME, FORMAT
from inference.monitoring.baseline import BASELINE_FORMAT
from tests.infra.serving_app import Synthesized
from tests.infra.test_serving_stack import image_functions

COMPILED = "Custom::CompiledModel"
JOB = "Custom::SageMakerTrainingJob"
FUNCTION = "AWS::Lambda::Function"
COMMAND = ["compile_handler.custom_resource_handler"]


def _compile_function(template: Template) -> tuple[str, dict[str, Any]]:
    """(logical id, properties) of TrainingStack's one container-image function."""
    [(logical_id, function)] = template.find_resources(FUNCTION, {"Properties": {"PackageType": "Image"}}).items()
    return logical_id, dict(function["Properties"])


def _statements(template: Template, role_id: str) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role_id}]}})
    return [
        statement for policy in policies.values() for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _sorted(statements: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(statement, sort_keys=True) for statement in statements)


def test_the_step_runs_the_lambda_image_with_the_compile_command(training_stack) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack()
    _, function = _compile_function(template)
    assert function["ImageConfig"] == {"Command": COMMAND}
    assert (function["Architectures"], function["MemorySize"], function["Timeout"]) == (["arm64"], 1024, 300)
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    functions = template.find_resources(FUNCTION).values()
    assert not any("VpcConfig" in f["Properties"] for f in functions)  # like the job's handlers: AWS APIs only


def test_the_step_is_the_serving_image_so_one_image_is_built(default: Synthesized) -> None:
    """Same Dockerfile, context and platform as the arm64 backend: the same asset hash, published once."""
    manifest = json.loads((default.outdir / "TrainingStack.assets.json").read_text(encoding="utf-8"))
    [(tag, image)] = manifest["dockerImages"].items()
    assert (image["source"]["dockerFile"], image["source"]["platform"]) == ("lambda_image/Dockerfile", "linux/arm64")
    _, function = _compile_function(default.training_template)
    assert function["Code"]["ImageUri"]["Fn::Sub"].rsplit(":", 1)[1] == tag
    serving_arm64 = image_functions(default)["arm64"]
    assert serving_arm64["Code"]["ImageUri"]["Fn::Sub"].rsplit(":", 1)[1] == tag
    assert "ImageConfig" not in serving_arm64  # serving keeps the image's own CMD


def test_the_step_compiles_the_jobs_model_with_the_jobs_schema(training_stack) -> None:  # type: ignore[no-untyped-def]
    stack, template = training_stack()
    job_id = next(iter(template.find_resources(JOB)))
    [resource] = template.find_resources(COMPILED).values()
    properties = dict(resource["Properties"])
    token = properties.pop("ServiceToken")
    data = stack.node.find_child("TrainingData")
    bucket = stack.resolve(stack.model_bucket.bucket_name)

    def uri(key: str) -> dict[str, Any]:
        return {"Fn::Join": ["", ["s3://", bucket, f"/{key}"]]}

    assert properties == {  # a new job, schema, data or format changes them: CloudFormation compiles again
        "ModelUri": {"Fn::GetAtt": [job_id, "ModelArtifactUri"]},
        "SchemaUri": {"Fn::GetAtt": [job_id, "SchemaUri"]},
        "ArchiveFormat": str(FORMAT),
        "ExpectedFormat": str(EXPECTED_FORMAT),  # a new expected-answers format writes them again too
        # a new answer asks the step again
        "Answers": ",".join(
            (
                "CompiledUri",
                "CompiledKey",
                "SourceSha256",
                "CompiledSha256",
                "ExpectedUri",
                "ExpectedKey",
                "BaselineUri",
                "BaselineKey",
            )
        ),
        "DataBaselineUri": uri(f"{data.prefix}baseline.json"),
        "ValidationUri": uri(f"{data.prefix}validation/validation.csv"),
        "Metric": "rmse",  # the quality gate's: the baseline's validation figure is the gate's metric
        "BaselineFormat": str(BASELINE_FORMAT),
    }
    framework = template.find_resources(FUNCTION)[token["Fn::GetAtt"][0]]["Properties"]
    compile_id, _ = _compile_function(template)
    assert framework["Environment"]["Variables"] == {"USER_ON_EVENT_FUNCTION_ARN": {"Fn::GetAtt": [compile_id, "Arn"]}}
    assert (resource["DeletionPolicy"], token["Fn::GetAtt"][1]) == ("Delete", "Arn")  # Delete calls a no-op


def test_the_step_reads_only_its_inputs_and_writes_only_archives_expected_answers_and_baselines(training_stack) -> None:  # type: ignore[no-untyped-def]
    stack, template = training_stack()
    _, function = _compile_function(template)
    role_id, log_group_id = function["Role"]["Fn::GetAtt"][0], function["LoggingConfig"]["LogGroup"]["Ref"]
    bucket_arn = {"Fn::GetAtt": [stack.resolve(stack.model_bucket.bucket_arn)["Fn::GetAtt"][0], "Arn"]}
    data = stack.node.find_child("TrainingData")
    schema_key = data.schema_key

    def objects(key: str) -> dict[str, Any]:
        return {"Fn::Join": ["", [bucket_arn, f"/{key}"]]}

    expected = [
        {"Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Effect": "Allow",
         "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]}},
        {"Action": "s3:GetObject", "Effect": "Allow",
         "Resource": [objects(f"{data.prefix}baseline.json"), objects(schema_key),
                      objects(f"{data.prefix}validation/validation.csv"),
                      objects("models/xgboost-*/output/model.tar.gz")]},
        {"Action": "s3:PutObject", "Effect": "Allow", "Resource": [objects("models/xgboost-*/output/baseline.json"),
                                                                  objects(f"models/xgboost-*/output/{COMPILED_NAME}"),
                                                                  objects(f"models/xgboost-*/output/{EXPECTED_NAME}")]},
    ]  # fmt: skip
    assert _sorted(_statements(template, role_id)) == _sorted(expected)
    assert schema_key == f"{stack.node.find_child('TrainingData').prefix}schema.json"  # this job's, exactly
    role = template.find_resources("AWS::IAM::Role")[role_id]["Properties"]
    assert "ManagedPolicyArns" not in role and "Policies" not in role


def test_the_framework_may_only_invoke_the_compile_function(training_stack) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack()
    compile_id, function = _compile_function(template)
    [resource] = template.find_resources(COMPILED).values()
    framework = template.find_resources(FUNCTION)[resource["Properties"]["ServiceToken"]["Fn::GetAtt"][0]]
    statements = _statements(template, framework["Properties"]["Role"]["Fn::GetAtt"][0])
    arn = {"Fn::GetAtt": [compile_id, "Arn"]}
    log_group = {"Fn::GetAtt": [function["LoggingConfig"]["LogGroup"]["Ref"], "Arn"]}
    assert _sorted(statements) == _sorted([
        {"Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Effect": "Allow", "Resource": log_group},
        {"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": [arn, {"Fn::Join": ["", [arn, ":*"]]}]},
        {"Action": "lambda:GetFunction", "Effect": "Allow", "Resource": arn},
    ])  # fmt: skip


def test_the_compiled_uri_is_an_output_and_what_the_model_artifact_serves(training_stack) -> None:  # type: ignore[no-untyped-def]
    stack, template = training_stack()
    compiled_id = next(iter(template.find_resources(COMPILED)))
    template.has_output("CompiledModelUri", {"Value": {"Fn::GetAtt": [compiled_id, "CompiledUri"]}})
    assert stack.resolve(stack.compiled_model_uri) == {"Fn::GetAtt": [compiled_id, "CompiledUri"]}
    key = {"Fn::GetAtt": [compiled_id, "CompiledKey"]}
    assert stack.resolve(stack.compiled_model_key) == stack.resolve(stack.model_artifact.compiled_key) == key
    assert stack.model_artifact.compiled_bucket is stack.model_bucket
    environment = stack.resolve(stack.model_artifact.environment())
    assert environment["COMPILED_MODEL_URI"] == {"Fn::Join": ["", ["s3://", {"Ref": stack.resolve(
        stack.model_bucket.bucket_name)["Ref"]}, "/", key]]}  # fmt: skip


def test_the_digests_of_the_tarball_and_the_archive_are_outputs_and_what_every_backend_checks(training_stack) -> None:  # type: ignore[no-untyped-def]
    stack, template = training_stack()
    compiled_id = next(iter(template.find_resources(COMPILED)))
    environment = stack.resolve(stack.model_artifact.environment())
    digests = (("ModelSha256", "SourceSha256", "MODEL_SHA256"),
               ("CompiledModelSha256", "CompiledSha256", "COMPILED_MODEL_SHA256"))  # fmt: skip
    for output, attribute, variable in digests:
        template.has_output(output, {"Value": {"Fn::GetAtt": [compiled_id, attribute]}})
        assert environment[variable] == {"Fn::GetAtt": [compiled_id, attribute]}
