#!/usr/bin/env python3
"""The CDK app: the only place that reads context. Builds AppConfig, the two stacks, and attaches cdk-nag.

Synthesis is offline and needs neither AWS credentials nor Docker (image assets are only staged).
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks

from stacks.config import CONTEXT_KEYS, AppConfig, load_config
from stacks.serving_stack import ServingStack
from stacks.training_stack import TrainingStack

REPO_ROOT = Path(__file__).resolve().parent


def read_config(app: cdk.App, repo_root: Path = REPO_ROOT) -> AppConfig:
    context = {key: app.node.try_get_context(key) for key in CONTEXT_KEYS}
    return load_config(context, repo_root=repo_root)


def build(app: cdk.App, config: AppConfig) -> tuple[TrainingStack, ServingStack]:
    """Both stacks, wired: ServingStack serves TrainingStack's model unless ``modelArtifactUri`` pins one."""
    training = TrainingStack(app, "TrainingStack", config=config.training, description="XGBoost model training")
    pinned = config.serving.model_artifact
    if pinned is None:
        model_bucket, model_key = training.model_bucket, training.model_artifact_key
        model_version, model_revision = training.training_job_name, training.model_revision
    else:
        model_bucket = s3.Bucket.from_bucket_name(training, "PinnedModelBucket", pinned.bucket_name)
        model_key, model_version, model_revision = pinned.key, pinned.version, pinned.uri
    serving = ServingStack(
        app,
        "ServingStack",
        config=config.serving,
        model_bucket=model_bucket,
        model_artifact_key=model_key,
        model_version=model_version,
        model_revision=model_revision,
        description="XGBoost model serving: Lambda (x86_64, arm64) and Fargate behind an HTTP API",
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return training, serving


def main() -> None:
    app = cdk.App()
    build(app, read_config(app))
    app.synth()


if __name__ == "__main__":
    main()
