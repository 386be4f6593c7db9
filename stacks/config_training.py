"""TrainingConfig: what TrainingStack trains on, with what, and how its bucket is kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from stacks import config_values as values
from stacks.config_dataset import BASELINE_FILE, CHANNEL_FILES, SCHEMA_FILE, dataset_inputs
from stacks.config_values import ConfigError
from training.quality_gate import QualityGate

__all__ = ["BASELINE_FILE", "CHANNEL_FILES", "MAX_TRAINING_RUNTIME_SECONDS", "SCHEMA_FILE", "XGBOOST_VERSIONS"]
__all__ += ["TrainingConfig"]
__all__ += ["training_config"]

XGBOOST_VERSIONS = ("3.2-0", "3.0-5")
"""SageMaker built-in XGBoost containers that write UBJSON models (what serving loads)."""
MAX_TRAINING_RUNTIME_SECONDS = 3000
"""The deployment waits at most 55 minutes for the job (a custom resource times out after one hour)."""


@dataclass(frozen=True)
class TrainingConfig:
    dataset: str
    """The dataset spec's name (also the schema's)."""
    training_data_dir: Path
    """Holds ``train/train.csv``, ``validation/validation.csv`` (label first, no header) and ``schema.json``."""
    hyperparameters: Mapping[str, str]
    """As CreateTrainingJob takes them: every value a string; sorted by name."""
    quality_gate: QualityGate
    """The final validation metric the job's model must reach before it is served."""
    xgboost_version: str
    instance_type: str
    instance_count: int
    use_spot: bool
    max_runtime_seconds: int
    model_bucket_removal_policy: Literal["retain", "destroy"]
    log_retention_days: int
    repo_root: Path
    """The Docker build context of the Lambda image the compile step after the job runs (the repository root)."""


def training_config(ctx: Mapping[str, object], repo_root: Path, log_retention_days: int) -> TrainingConfig:
    dataset = dataset_inputs(ctx, repo_root)
    return TrainingConfig(
        dataset=dataset.name,
        training_data_dir=dataset.data_dir,
        hyperparameters=dataset.hyperparameters,
        quality_gate=dataset.quality_gate,
        xgboost_version=_xgboost_version("xgboostVersion", ctx["xgboostVersion"]),
        instance_type=values.text(
            "trainingInstanceType",
            ctx["trainingInstanceType"],
            pattern=r"ml\.[a-z0-9-]+\.[a-z0-9]+",
            example="ml.m5.large",
        ),
        instance_count=values.integer("trainingInstanceCount", ctx["trainingInstanceCount"], minimum=1, maximum=20),
        use_spot=values.boolean("trainingUseSpot", ctx["trainingUseSpot"]),
        max_runtime_seconds=values.integer(
            "trainingMaxRuntimeSeconds",
            ctx["trainingMaxRuntimeSeconds"],
            minimum=60,
            maximum=MAX_TRAINING_RUNTIME_SECONDS,
            note="the deployment waits at most 55 minutes for the job",
        ),
        model_bucket_removal_policy=cast(
            Literal["retain", "destroy"],
            values.choice("modelBucketRemovalPolicy", ctx["modelBucketRemovalPolicy"], ("retain", "destroy")),
        ),
        log_retention_days=log_retention_days,
        repo_root=repo_root,
    )


def _xgboost_version(key: str, value: object) -> str:
    if isinstance(value, str) and value.startswith(("0.", "1.")):
        allowed = ", ".join(repr(v) for v in XGBOOST_VERSIONS)
        raise ConfigError(
            f"context key {key!r} must be one of {allowed}, got {value!r}: the 1.x (and older) containers save "
            "the model in xgboost's legacy binary format, which the xgboost 3.x used for serving refuses to load"
        )
    return values.choice(key, value, XGBOOST_VERSIONS)
