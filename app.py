#!/usr/bin/env python3
"""The CDK app: the only place that reads context. Builds AppConfig, the two stacks, and attaches cdk-nag.

Synthesis is offline and needs neither AWS credentials nor Docker (image assets are only staged).
"""

from __future__ import annotations

import posixpath
import sys
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks

from cdk_constructs.model_artifact import ModelArtifact, pinned_revision
from inference.expected import EXPECTED_NAME
from stacks.batch_stack import BatchStack
from stacks.config import CONTEXT_KEYS, AppConfig, ConfigError, ModelArtifactLocation, load_config
from stacks.serving_stack import ServingStack
from stacks.training_stack import TrainingStack

REPO_ROOT = Path(__file__).resolve().parent


def read_config(app: cdk.App, repo_root: Path = REPO_ROOT) -> AppConfig:
    context = {key: app.node.try_get_context(key) for key in CONTEXT_KEYS}
    return load_config(context, repo_root=repo_root)


def build(app: cdk.App, config: AppConfig) -> tuple[TrainingStack, ServingStack]:
    """The stacks, wired: ServingStack serves TrainingStack's model, schema and compiled form unless
    ``modelArtifactUri`` (with ``modelSchemaUri``, and ``compiledModelUri`` if there is one) pins them; BatchStack
    (unless ``batchEnabled`` is false) scores tables with the same model."""
    training = TrainingStack(
        app, "TrainingStack", config=config.training, description=f"XGBoost model training ({config.training.dataset})"
    )
    pinned = config.serving.model_artifact
    model = training.model_artifact if pinned is None else _pinned_model(training, pinned)
    serving = ServingStack(
        app,
        "ServingStack",
        config=config.serving,
        model=model,
        description="XGBoost model serving: Lambda (x86_64, arm64) and Fargate behind an HTTP API",
    )
    if config.batch is not None:
        BatchStack(app, "BatchStack", config=config.batch, model=model, repo_root=config.serving.repo_root,
                   alarm_topic=serving.monitoring.topic,
                   description="XGBoost batch scoring of S3 tables on Step Functions Distributed Map")  # fmt: skip
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return training, serving


def _pinned_model(scope: TrainingStack, pinned: ModelArtifactLocation) -> ModelArtifact:
    """References to existing objects (plain names: ServingStack then depends on nothing in TrainingStack)."""
    buckets: dict[str, s3.IBucket] = {}

    def bucket(name: str, construct_id: str) -> s3.IBucket:
        if name not in buckets:
            buckets[name] = s3.Bucket.from_bucket_name(scope, construct_id, name)
        return buckets[name]

    compiled = pinned.compiled
    expected_key = posixpath.join(posixpath.dirname(compiled.key), EXPECTED_NAME) if compiled else None
    return ModelArtifact(
        model_bucket=bucket(pinned.bucket_name, "PinnedModelBucket"),
        model_key=pinned.key,
        schema_bucket=bucket(pinned.schema.bucket_name, "PinnedSchemaBucket"),
        schema_key=pinned.schema.key,
        version=pinned.version,
        revision=pinned_revision(pinned.uri, pinned.schema.uri, compiled.uri if compiled else None),
        compiled_bucket=bucket(compiled.bucket_name, "PinnedCompiledBucket") if compiled else None,
        compiled_key=compiled.key if compiled else None,
        expected_bucket=bucket(compiled.bucket_name, "PinnedCompiledBucket") if compiled else None,
        expected_key=expected_key,  # written beside the compiled form by the compile step
        model_sha256=pinned.sha256,
        compiled_sha256=pinned.compiled_sha256,
    )


def main() -> None:
    app = cdk.App()
    try:
        config = read_config(app)
    except ConfigError as error:  # a message that says what to fix, not a traceback
        sys.exit(f"configuration error: {error}")
    build(app, config)
    app.synth()


if __name__ == "__main__":
    main()
