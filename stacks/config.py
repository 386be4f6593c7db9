"""The one place context values become typed, validated configuration.

``app.py`` reads each key in ``CONTEXT_KEYS`` with ``try_get_context`` and calls ``load_config``; stacks take
the resulting dataclasses and never read context themselves. A missing (or null) key takes its value from
``DEFAULTS``, which ``cdk.json`` repeats so users see and edit every tunable in one file (a test keeps the
two equal). ``dataset`` (a bundled spec name or a spec path) decides what is trained and served; the
spec supplies the hyperparameters and the quality gate (see ``stacks.config_dataset``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from stacks import config_values as values
from stacks.config_batch import BatchConfig, batch_config
from stacks.config_serving import ModelArtifactLocation, ServingConfig, serving_config
from stacks.config_training import TrainingConfig, training_config
from stacks.config_values import ConfigError
from training.spec import DEFAULT_DATASET

__all__ = ["CONTEXT_KEYS", "DEFAULTS", "LOG_RETENTION_DAYS", "AppConfig", "BatchConfig", "ConfigError"]
__all__ += ["ModelArtifactLocation", "ServingConfig", "TrainingConfig", "load_config"]

LOG_RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)
LOG_RETENTION_DAYS += (2192, 2557, 2922, 3288, 3653)
"""Retention periods CloudWatch Logs accepts (never-expire is not offered)."""

DEFAULTS: dict[str, object] = {
    "dataset": DEFAULT_DATASET,
    "trainingDataDir": f"build/training-data/{DEFAULT_DATASET}",
    "hyperparametersFile": None,
    "xgboostVersion": "3.2-0",
    "trainingInstanceType": "ml.m5.large",
    "trainingInstanceCount": 1,
    "trainingUseSpot": True,
    "trainingMaxRuntimeSeconds": 1800,
    "modelBucketRemovalPolicy": "retain",
    "lambdaMemoryMb": 1024,
    "lambdaTimeoutSeconds": 10,
    "lambdaReservedConcurrency": None,
    "fargateEnabled": True,
    "fargateArchitecture": "arm64",
    "fargateCpu": 256,
    "fargateMemoryMb": 512,
    "fargateWorkers": 1,
    "fargateMinTasks": 1,
    "fargateMaxTasks": 4,
    "apiAuth": "iam",
    "apiThrottleRateLimit": 50,
    "apiThrottleBurstLimit": 100,
    "logRetentionDays": 30,
    "modelArtifactUri": None,
    "modelSchemaUri": None,
    "compiledModelUri": None,
    "modelArtifactSha256": None,
    "compiledModelSha256": None,
    "sagemakerInferenceOutput": None,
    "alarmEmail": None,
    "alarm5xxPercent": 1,
    "alarmLatencyP99Ms": 100,
    "lambdaDeploymentConfig": "canary10Percent5Minutes",
    "dataCapturePercent": 100,
    "captureRetentionDays": 30,
    "monitorSchedule": "rate(1 hour)",
    "batchEnabled": True,
    "batchInputUri": None,
    "batchOutputUri": None,
    "batchMaxConcurrency": 100,
    "batchRangeMb": 64,
    "batchToleratedFailurePercent": 0,
    "batchMemoryMb": 1769,
}
CONTEXT_KEYS: tuple[str, ...] = tuple(DEFAULTS)


@dataclass(frozen=True)
class AppConfig:
    training: TrainingConfig
    serving: ServingConfig
    batch: BatchConfig | None = None
    """None when ``batchEnabled`` is false."""


def load_config(context: Mapping[str, object], *, repo_root: Path) -> AppConfig:
    """Validate every known key (unset or null: its default); relative paths are taken from ``repo_root``.

    Raises ``ConfigError`` naming the first bad key, what it must be, and the value it got.
    """
    merged = {key: DEFAULTS[key] if context.get(key) is None else context[key] for key in CONTEXT_KEYS}
    retention = values.one_of_integers(
        "logRetentionDays", merged["logRetentionDays"], LOG_RETENTION_DAYS, note="a period CloudWatch Logs accepts"
    )
    return AppConfig(
        training=training_config(merged, repo_root, retention),
        serving=serving_config(merged, repo_root, retention),
        batch=batch_config(merged, retention),
    )
