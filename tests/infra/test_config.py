"""load_config: defaults, cdk.json, accepted spellings, and the exact message for every kind of bad value."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import aws_cdk
import pytest

from cdk_constructs.xgboost_image import xgboost_image_registries
from stacks.config import CONTEXT_KEYS, DEFAULTS, load_config
from stacks.config_serving import model_version_from_key
from stacks.config_training import XGBOOST_VERSIONS
from tests.infra.conftest import (
    CDK_JSON,
    REPO_ROOT,
)
from training import spec as dataset_spec

PINNED_SCHEMA = "s3://models-bucket/data/0123456789abcdef/schema.json"


def test_defaults(training_inputs) -> None:  # type: ignore[no-untyped-def]
    config = load_config({"trainingDataDir": training_inputs["trainingDataDir"]}, repo_root=REPO_ROOT)
    training, serving = config.training, config.serving
    spec = dataset_spec.load("california_housing")
    assert (DEFAULTS["dataset"], training.dataset) == ("california_housing", "california_housing")
    assert training.training_data_dir == Path(training_inputs["trainingDataDir"])
    assert DEFAULTS["hyperparametersFile"] is None
    assert dict(training.hyperparameters) == dict(spec.hyperparameters)  # the spec's, unchanged
    assert list(training.hyperparameters) == sorted(training.hyperparameters)
    assert training.quality_gate == spec.gate
    assert (training.xgboost_version, training.instance_type, training.instance_count) == ("3.2-0", "ml.m5.large", 1)
    assert (training.use_spot, training.max_runtime_seconds, training.model_bucket_removal_policy) == (
        True,
        1800,
        "retain",
    )
    assert (serving.lambda_memory_mb, serving.lambda_timeout_seconds, serving.lambda_reserved_concurrency) == (
        1024,
        10,
        None,
    )
    assert (serving.fargate_enabled, serving.fargate_architecture, serving.fargate_cpu) == (True, "arm64", 256)
    assert (serving.fargate_memory_mb, serving.fargate_workers) == (512, 1)
    assert (serving.fargate_min_tasks, serving.fargate_max_tasks, serving.api_auth) == (1, 4, "iam")
    assert (serving.api_throttle_rate_limit, serving.api_throttle_burst_limit) == (50.0, 100)
    assert training.log_retention_days == serving.log_retention_days == 30
    assert serving.model_artifact is None and serving.repo_root == REPO_ROOT
    operations = serving.operations  # nobody is e-mailed unless asked; a 10 % canary for 5 minutes
    assert (operations.alarm_email, operations.alarm_5xx_percent, operations.alarm_latency_p99_ms) == (None, 1.0, 100.0)
    assert operations.lambda_deployment_config == "canary10Percent5Minutes"


def test_cdk_json_repeats_every_default() -> None:
    assert {key: CDK_JSON["context"][key] for key in CONTEXT_KEYS} == DEFAULTS


def test_cdk_json_has_the_recommended_feature_flags_of_the_installed_aws_cdk_lib() -> None:
    (tarball,) = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/recommended-feature-flags.json")
        assert member is not None
        recommended = json.load(member)
    flags = {key: value for key, value in CDK_JSON["context"].items() if key.startswith("@")}
    assert flags == recommended


def test_cdk_json_runs_the_venv_app_with_telemetry_and_notices_off() -> None:
    assert CDK_JSON["app"] == ".venv/bin/python app.py"
    assert CDK_JSON["notices"] is False
    assert CDK_JSON["context"]["cli-telemetry"] is False


def test_cli_spellings_and_null_are_accepted(training_inputs) -> None:  # type: ignore[no-untyped-def]
    context = {
        **training_inputs,
        "lambdaMemoryMb": "2048",
        "trainingUseSpot": "false",
        "apiThrottleRateLimit": "12.5",
        "lambdaReservedConcurrency": "5",
        "fargateCpu": "1024",
        "fargateMemoryMb": "3072",
        "fargateMinTasks": None,
    }
    config = load_config(context, repo_root=REPO_ROOT)
    assert (config.serving.lambda_memory_mb, config.training.use_spot) == (2048, False)
    assert (config.serving.api_throttle_rate_limit, config.serving.lambda_reserved_concurrency) == (12.5, 5)
    assert (config.serving.fargate_cpu, config.serving.fargate_memory_mb, config.serving.fargate_min_tasks) == (
        1024,
        3072,
        1,
    )


def test_a_pinned_model_names_bucket_key_version_and_schema(training_inputs) -> None:  # type: ignore[no-untyped-def]
    uri = "s3://models-bucket/models/xgboost-abc123/output/model.tar.gz"
    context = {**training_inputs, "modelArtifactUri": uri, "modelSchemaUri": PINNED_SCHEMA}
    pinned = load_config(context, repo_root=REPO_ROOT).serving.model_artifact
    assert pinned is not None
    assert (pinned.bucket_name, pinned.key, pinned.version, pinned.uri) == (
        "models-bucket",
        "models/xgboost-abc123/output/model.tar.gz",
        "xgboost-abc123",
        uri,
    )
    assert (pinned.schema.bucket_name, pinned.schema.key, pinned.schema.uri) == (
        "models-bucket",
        "data/0123456789abcdef/schema.json",
        PINNED_SCHEMA,
    )
    assert model_version_from_key("archive/model.tar.gz") == "archive/model.tar.gz"
    assert pinned.compiled is None  # no compiledModelUri: the tarball is served


@pytest.mark.parametrize("unset", [None, ""])
def test_a_pinned_model_may_name_its_compiled_form(training_inputs, unset) -> None:  # type: ignore[no-untyped-def]
    uri = "s3://models-bucket/models/xgboost-abc123/output/model.tar.gz"
    compiled = "s3://other-bucket/compiled/xgboost-abc123.npz"
    context = {
        **training_inputs,
        "modelArtifactUri": uri,
        "modelSchemaUri": PINNED_SCHEMA,
        "compiledModelUri": compiled,
    }
    pinned = load_config(context, repo_root=REPO_ROOT).serving.model_artifact
    assert pinned is not None and pinned.compiled is not None
    assert (pinned.compiled.bucket_name, pinned.compiled.key, pinned.compiled.uri) == (
        "other-bucket",
        "compiled/xgboost-abc123.npz",
        compiled,
    )
    unset_pinned = load_config({**context, "compiledModelUri": unset}, repo_root=REPO_ROOT).serving.model_artifact
    assert unset_pinned is not None and unset_pinned.compiled is None


def test_a_pinned_model_carries_the_digests_it_is_checked_against(training_inputs) -> None:  # type: ignore[no-untyped-def]
    context = {**training_inputs, "modelArtifactUri": "s3://models-bucket/m/model.tar.gz",
               "modelSchemaUri": PINNED_SCHEMA, "compiledModelUri": "s3://models-bucket/m/model.compiled.npz",
               "modelArtifactSha256": "AB" * 32, "compiledModelSha256": "cd" * 32}  # fmt: skip
    pinned = load_config(context, repo_root=REPO_ROOT).serving.model_artifact
    assert pinned is not None and (pinned.sha256, pinned.compiled_sha256) == ("ab" * 32, "cd" * 32)
    unset = load_config({**context, "modelArtifactSha256": None, "compiledModelSha256": ""}, repo_root=REPO_ROOT)
    assert unset.serving.model_artifact is not None
    assert (unset.serving.model_artifact.sha256, unset.serving.model_artifact.compiled_sha256) == (None, None)


@pytest.mark.parametrize("version", XGBOOST_VERSIONS)
def test_allowed_xgboost_versions_are_in_the_image_table(version: str) -> None:
    # The table equals sagemaker-core's: tests/unit/test_xgboost_registries.py.
    assert xgboost_image_registries(version)[0] == "sagemaker-xgboost"
