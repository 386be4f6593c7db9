"""TrainingConfig: what TrainingStack trains on, with what, and how its bucket is kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal, cast

from stacks import config_values as values
from stacks.config_values import ConfigError
from training.hyperparameters import HyperparameterError, load_strings, parse

XGBOOST_VERSIONS = ("3.2-0", "3.0-5")
"""SageMaker built-in XGBoost containers that write UBJSON models (what serving loads)."""
MAX_TRAINING_RUNTIME_SECONDS = 3000
"""The deployment waits at most 55 minutes for the job (a custom resource times out after one hour)."""
CHANNEL_FILES: dict[str, str] = {"train": "train/train.csv", "validation": "validation/validation.csv"}
"""The channels the training job reads, relative to the training data directory."""


@dataclass(frozen=True)
class TrainingConfig:
    training_data_dir: Path
    """Holds ``train/train.csv`` and ``validation/validation.csv`` (label first, no header)."""
    hyperparameters: Mapping[str, str]
    """As CreateTrainingJob takes them: every value a string; sorted by name."""
    xgboost_version: str
    instance_type: str
    instance_count: int
    use_spot: bool
    max_runtime_seconds: int
    model_bucket_removal_policy: Literal["retain", "destroy"]
    log_retention_days: int


def training_config(ctx: Mapping[str, object], repo_root: Path, log_retention_days: int) -> TrainingConfig:
    return TrainingConfig(
        training_data_dir=_training_data_dir("trainingDataDir", ctx["trainingDataDir"], repo_root),
        hyperparameters=_hyperparameters("hyperparametersFile", ctx["hyperparametersFile"], repo_root),
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
    )


def _resolve_path(key: str, value: object, repo_root: Path) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"context key {key!r} must be a path, got {value!r}")
    path = Path(value)
    return path if path.is_absolute() else repo_root / path


def _training_data_dir(key: str, value: object, repo_root: Path) -> Path:
    """The directory ``python -m training.data`` writes; every channel file must exist and be non-empty."""
    directory = _resolve_path(key, value, repo_root)
    for relative in CHANNEL_FILES.values():
        channel = directory / relative
        if not channel.is_file() or channel.stat().st_size == 0:
            raise ConfigError(
                f"training data not found: {channel} is missing or empty (context key {key!r} is {value!r}). "
                f"Run `make data` (python -m training.data --out {value}) to prepare it."
            )
    return directory


def _hyperparameters(key: str, value: object, repo_root: Path) -> Mapping[str, str]:
    """The file's values as strings, checked the way the container checks them (same code as local training)."""
    path = _resolve_path(key, value, repo_root)
    if not path.is_file():
        raise ConfigError(f"hyperparameters file not found: {path} (context key {key!r} is {value!r})")
    try:
        strings = load_strings(path)
        parse(strings)
    except HyperparameterError as error:
        raise ConfigError(f"context key {key!r}: {error}") from None
    return MappingProxyType(dict(sorted(strings.items())))


def _xgboost_version(key: str, value: object) -> str:
    if isinstance(value, str) and value.startswith(("0.", "1.")):
        allowed = ", ".join(repr(v) for v in XGBOOST_VERSIONS)
        raise ConfigError(
            f"context key {key!r} must be one of {allowed}, got {value!r}: the 1.x (and older) containers save "
            "the model in xgboost's legacy binary format, which the xgboost 3.x used for serving refuses to load"
        )
    return values.choice(key, value, XGBOOST_VERSIONS)
