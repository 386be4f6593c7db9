"""load_config refuses bad values with a message naming the key, the rule, and the value it got."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.config import ConfigError, load_config
from tests.infra.conftest import REPO_ROOT

RANGE = "context key {!r} must be an integer between {} and {}"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("lambdaMemoryMb", "abc", RANGE.format("lambdaMemoryMb", 128, 10240) + ", got 'abc'"),
        ("lambdaMemoryMb", 64, RANGE.format("lambdaMemoryMb", 128, 10240) + ", got 64"),
        ("lambdaMemoryMb", True, RANGE.format("lambdaMemoryMb", 128, 10240) + ", got True"),
        (
            "lambdaTimeoutSeconds",
            60,
            RANGE.format("lambdaTimeoutSeconds", 1, 30)
            + " (API Gateway waits at most 30 seconds for an integration), got 60",
        ),
        (
            "lambdaReservedConcurrency",
            0,
            "context key 'lambdaReservedConcurrency' must be null or an integer between 1 and 10000, got 0",
        ),
        ("trainingUseSpot", "maybe", "context key 'trainingUseSpot' must be true or false, got 'maybe'"),
        (
            "trainingMaxRuntimeSeconds",
            5000,
            RANGE.format("trainingMaxRuntimeSeconds", 60, 3000)
            + " (the deployment waits at most 55 minutes for the job), got 5000",
        ),
        ("trainingInstanceCount", 0, RANGE.format("trainingInstanceCount", 1, 20) + ", got 0"),
        (
            "trainingInstanceType",
            "m5.large",
            "context key 'trainingInstanceType' must look like 'ml.m5.large', got 'm5.large'",
        ),
        ("xgboostVersion", "2.0", "context key 'xgboostVersion' must be one of '3.2-0', '3.0-5', got '2.0'"),
        (
            "modelBucketRemovalPolicy",
            "snapshot",
            "context key 'modelBucketRemovalPolicy' must be one of 'retain', 'destroy', got 'snapshot'",
        ),
        (
            "logRetentionDays",
            31,
            "context key 'logRetentionDays' must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, "
            "731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (a period CloudWatch Logs accepts), got 31",
        ),
        ("fargateArchitecture", "arm", "context key 'fargateArchitecture' must be one of 'arm64', 'x86_64', got 'arm'"),
        ("fargateCpu", 300, "context key 'fargateCpu' must be one of 256, 512, 1024, 2048, 4096, 8192, 16384, got 300"),
        (
            "fargateMemoryMb",
            4096,
            "context key 'fargateMemoryMb' must be one of 512, 1024, 2048 (with fargateCpu 256), got 4096",
        ),
        ("fargateMaxTasks", 0, RANGE.format("fargateMaxTasks", 1, 100) + " (at least fargateMinTasks), got 0"),
        ("apiAuth", "cognito", "context key 'apiAuth' must be one of 'iam', 'none', got 'cognito'"),
        (
            "apiThrottleRateLimit",
            "fast",
            "context key 'apiThrottleRateLimit' must be a number between 1 and 10000, got 'fast'",
        ),
        ("dataCapturePercent", 150, "context key 'dataCapturePercent' must be a number between 0 and 100, got 150"),
        ("dataCapturePercent", "all", "context key 'dataCapturePercent' must be a number between 0 and 100, got 'all'"),
        ("captureRetentionDays", 0, RANGE.format("captureRetentionDays", 1, 3650) + ", got 0"),
        (
            "monitorSchedule",
            "cron(0 * * * ? *)",
            "context key 'monitorSchedule' must be rate(1 hour), rate(N hours), rate(1 day) or rate(N days), at most "
            "168 hours (each run reads that many hours of records), got 'cron(0 * * * ? *)'",
        ),
        (
            "monitorSchedule",
            "rate(1 hours)",
            "context key 'monitorSchedule' must be rate(1 hour), rate(N hours), rate(1 day) or rate(N days), at most "
            "168 hours (each run reads that many hours of records), got 'rate(1 hours)'",
        ),
        (
            "modelArtifactUri",
            "https://x",
            "context key 'modelArtifactUri' must be null or an S3 URI like "
            "'s3://my-bucket/models/<training-job>/output/model.tar.gz', got 'https://x'",
        ),
        (
            "modelArtifactUri",
            "s3://Bad_Bucket/k",
            "context key 'modelArtifactUri' names an invalid S3 bucket 'Bad_Bucket', got 's3://Bad_Bucket/k'",
        ),
        (
            "modelArtifactUri",
            "s3://bucket/",
            "context key 'modelArtifactUri' must name an object, not a bucket or a prefix, got 's3://bucket/'",
        ),
        ("alarmEmail", "oncall", "context key 'alarmEmail' must be null or an e-mail address, got 'oncall'"),
        ("alarmEmail", 7, "context key 'alarmEmail' must be null or an e-mail address, got 7"),
        ("alarm5xxPercent", 0, "context key 'alarm5xxPercent' must be a number between 0.1 and 100, got 0"),
        (
            "alarmLatencyP99Ms",
            "fast",
            "context key 'alarmLatencyP99Ms' must be a number between 1 and 30000, got 'fast'",
        ),
        (
            "lambdaDeploymentConfig",
            "canary50Percent",
            "context key 'lambdaDeploymentConfig' must be one of 'canary10Percent5Minutes', "
            "'canary10Percent10Minutes', 'canary10Percent15Minutes', 'canary10Percent30Minutes', "
            "'linear10PercentEvery1Minute', "
            "'linear10PercentEvery2Minutes', 'linear10PercentEvery3Minutes', 'linear10PercentEvery10Minutes', "
            "'allAtOnce', got 'canary50Percent'",
        ),
        (
            "modelArtifactSha256",
            "abc",
            "context key 'modelArtifactSha256' must be null or a SHA-256 in hex (64 digits), got 'abc'",
        ),
        (
            "compiledModelSha256",
            "ab" * 32,
            "context key 'compiledModelSha256' is the SHA-256 of the object 'compiledModelUri' names: set both or "
            f"neither, got compiledModelSha256={'ab' * 32!r} without compiledModelUri",
        ),
    ],
)
def test_invalid_values_name_the_key_the_rule_and_the_value(training_inputs, key, value, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as raised:
        load_config({**training_inputs, key: value}, repo_root=REPO_ROOT)
    assert str(raised.value) == message


def test_legacy_xgboost_containers_are_refused_with_the_reason(training_inputs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as raised:
        load_config({**training_inputs, "xgboostVersion": "1.7-1"}, repo_root=REPO_ROOT)
    assert str(raised.value) == (
        "context key 'xgboostVersion' must be one of '3.2-0', '3.0-5', got '1.7-1': the 1.x (and older) containers "
        "save the model in xgboost's legacy binary format, which the xgboost 3.x used for serving refuses to load"
    )


def _refusal(context: dict[str, object], repo_root: Path = REPO_ROOT) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(context, repo_root=repo_root)
    return str(raised.value)


PINNED_MODEL = "s3://models/models/xgboost-1/output/model.tar.gz"
SCHEMA_EXAMPLE = "'s3://my-bucket/data/<hash>/schema.json'"


@pytest.mark.parametrize(
    ("model", "schema", "message"),
    [
        (PINNED_MODEL, None,
         "context key 'modelSchemaUri' must be set when 'modelArtifactUri' pins a model: the S3 URI of the "
         f"schema.json the model was trained with, like {SCHEMA_EXAMPLE} (TrainingStack's SchemaUri output)"),
        (None, "s3://models/data/1/schema.json",
         "context key 'modelSchemaUri' is only used with 'modelArtifactUri' (a pinned model); unset it to serve the "
         "model TrainingStack trains, got 's3://models/data/1/schema.json'"),
        (PINNED_MODEL, "https://x",
         f"context key 'modelSchemaUri' must be null or an S3 URI like {SCHEMA_EXAMPLE}, got 'https://x'"),
        (PINNED_MODEL, "s3://Bad_Bucket/s.json",
         "context key 'modelSchemaUri' names an invalid S3 bucket 'Bad_Bucket', got 's3://Bad_Bucket/s.json'"),
        (PINNED_MODEL, "s3://models/data/",
         "context key 'modelSchemaUri' must name an object, not a bucket or a prefix, got 's3://models/data/'"),
    ],
)  # fmt: skip
def test_a_pinned_model_needs_a_valid_schema_uri(training_inputs, model, schema, message) -> None:  # type: ignore[no-untyped-def]
    assert _refusal({**training_inputs, "modelArtifactUri": model, "modelSchemaUri": schema}) == message


COMPILED_EXAMPLE = "'s3://my-bucket/models/<training-job>/output/model.compiled.npz'"
PINNED_SCHEMA = "s3://models/data/1/schema.json"


@pytest.mark.parametrize(
    ("model", "compiled", "message"),
    [
        (None, "s3://models/models/xgboost-1/output/model.compiled.npz",
         "context key 'compiledModelUri' is only used with 'modelArtifactUri' (a pinned model); unset it to serve the "
         "model TrainingStack trains, which TrainingStack compiles itself, got "
         "'s3://models/models/xgboost-1/output/model.compiled.npz'"),
        (PINNED_MODEL, PINNED_MODEL,
         "context key 'compiledModelUri' must name the compiled form of the pinned model, a .npz that `python -m "
         f"inference.model.compile` writes, like {COMPILED_EXAMPLE} (TrainingStack's CompiledModelUri output), "
         f"got '{PINNED_MODEL}'"),
        (PINNED_MODEL, "models/xgboost-1/output/model.compiled.npz",
         f"context key 'compiledModelUri' must be null or an S3 URI like {COMPILED_EXAMPLE}, got "
         "'models/xgboost-1/output/model.compiled.npz'"),
        (PINNED_MODEL, "s3://Bad_Bucket/m.npz",
         "context key 'compiledModelUri' names an invalid S3 bucket 'Bad_Bucket', got 's3://Bad_Bucket/m.npz'"),
        (PINNED_MODEL, "s3://models/models/",
         "context key 'compiledModelUri' must name an object, not a bucket or a prefix, got 's3://models/models/'"),
        (PINNED_MODEL, 7, f"context key 'compiledModelUri' must be null or an S3 URI like {COMPILED_EXAMPLE}, got 7"),
    ],
)  # fmt: skip
def test_a_compiled_form_is_an_s3_npz_of_a_pinned_model(training_inputs, model, compiled, message) -> None:  # type: ignore[no-untyped-def]
    context = {**training_inputs, "modelArtifactUri": model, "compiledModelUri": compiled}
    assert _refusal({**context, "modelSchemaUri": PINNED_SCHEMA if model else None}) == message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "hyperparameters file not found: {path} (context key 'hyperparametersFile' is '{path}')"),
        ({"max_depth": "4"}, "context key 'hyperparametersFile': Missing required hyperparameter: num_round"),
        ({"num_round": "5", "depth": "4"}, "context key 'hyperparametersFile': Extraneous hyperparameter found: depth"),
    ],
)
def test_bad_hyperparameters_files_are_refused(training_inputs, tmp_path, content, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hyperparameters.json"
    if content is not None:
        path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config({**training_inputs, "hyperparametersFile": str(path)}, repo_root=REPO_ROOT)
    assert str(raised.value) == message.format(path=path)
