"""ServingConfig: sizes, limits and access of the Lambda functions, the Fargate service and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from inference.protocols.sagemaker.answers import KEY_ORDER
from stacks import config_values as values
from stacks.config_monitoring import MonitoringConfig, monitoring_config
from stacks.config_operations import DEFAULT_OPERATIONS, OperationsConfig, operations_config
from stacks.config_pinned import ModelArtifactLocation, S3ObjectLocation, model_version_from_key, pinned_model
from stacks.config_values import ConfigError

__all__ = ["FARGATE_MEMORY_MB", "ModelArtifactLocation", "S3ObjectLocation", "ServingConfig", "inference_output"]
__all__ += ["model_version_from_key", "pinned_model", "serving_config"]

MONITORING_OFF = MonitoringConfig(0.0, 30, "rate(1 hour)", 1)
FARGATE_MEMORY_MB: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}
"""Fargate task CPU units -> the memory sizes (MiB) Fargate accepts with it."""


@dataclass(frozen=True)
class ServingConfig:
    repo_root: Path
    """The Docker build context of the inference images (the repository root)."""
    lambda_memory_mb: int
    lambda_timeout_seconds: int
    lambda_reserved_concurrency: int | None
    """None leaves the functions on the account's unreserved concurrency."""
    fargate_enabled: bool
    fargate_architecture: Literal["arm64", "x86_64"]
    fargate_cpu: int
    fargate_memory_mb: int
    fargate_workers: int
    fargate_min_tasks: int
    fargate_max_tasks: int
    api_auth: Literal["iam", "none"]
    api_throttle_rate_limit: float
    api_throttle_burst_limit: int
    log_retention_days: int
    model_artifact: ModelArtifactLocation | None
    """Set when ``modelArtifactUri`` (with ``modelSchemaUri``, and optionally ``compiledModelUri``) pins an
    existing model; None serves what TrainingStack trains (and compiles)."""
    inference_output: str | None = None
    """``SAGEMAKER_INFERENCE_OUTPUT`` of every backend: the /invocations output keys (None: the default answer)."""
    operations: OperationsConfig = DEFAULT_OPERATIONS
    """Alarms, their topic's e-mail subscription, and how a new Lambda version gets traffic."""
    monitoring: MonitoringConfig = MONITORING_OFF
    """Data capture on every backend and the drift monitor."""


def serving_config(ctx: Mapping[str, object], repo_root: Path, log_retention_days: int) -> ServingConfig:
    cpu = values.one_of_integers("fargateCpu", ctx["fargateCpu"], tuple(FARGATE_MEMORY_MB))
    min_tasks = values.integer("fargateMinTasks", ctx["fargateMinTasks"], minimum=1, maximum=100)
    return ServingConfig(
        repo_root=repo_root,
        lambda_memory_mb=values.integer("lambdaMemoryMb", ctx["lambdaMemoryMb"], minimum=128, maximum=10240),
        lambda_timeout_seconds=values.integer(
            "lambdaTimeoutSeconds",
            ctx["lambdaTimeoutSeconds"],
            minimum=1,
            maximum=30,
            note="API Gateway waits at most 30 seconds for an integration",
        ),
        lambda_reserved_concurrency=values.optional_integer(
            "lambdaReservedConcurrency", ctx["lambdaReservedConcurrency"], minimum=1, maximum=10000
        ),
        fargate_enabled=values.boolean("fargateEnabled", ctx["fargateEnabled"]),
        fargate_architecture=cast(
            Literal["arm64", "x86_64"],
            values.choice("fargateArchitecture", ctx["fargateArchitecture"], ("arm64", "x86_64")),
        ),
        fargate_cpu=cpu,
        fargate_memory_mb=values.one_of_integers(
            "fargateMemoryMb", ctx["fargateMemoryMb"], FARGATE_MEMORY_MB[cpu], note=f"with fargateCpu {cpu}"
        ),
        fargate_workers=values.integer("fargateWorkers", ctx["fargateWorkers"], minimum=1, maximum=64),
        fargate_min_tasks=min_tasks,
        fargate_max_tasks=values.integer(
            "fargateMaxTasks",
            ctx["fargateMaxTasks"],
            minimum=min_tasks,
            maximum=100,
            note="at least fargateMinTasks",
        ),
        api_auth=cast(Literal["iam", "none"], values.choice("apiAuth", ctx["apiAuth"], ("iam", "none"))),
        api_throttle_rate_limit=values.number(
            "apiThrottleRateLimit", ctx["apiThrottleRateLimit"], minimum=1, maximum=10000
        ),
        api_throttle_burst_limit=values.integer(
            "apiThrottleBurstLimit", ctx["apiThrottleBurstLimit"], minimum=1, maximum=5000
        ),
        log_retention_days=log_retention_days,
        model_artifact=pinned_model(
            ctx["modelArtifactUri"],
            ctx["modelSchemaUri"],
            ctx["compiledModelUri"],
            ctx["modelArtifactSha256"],
            ctx["compiledModelSha256"],
        ),
        inference_output=inference_output("sagemakerInferenceOutput", ctx["sagemakerInferenceOutput"]),
        operations=operations_config(ctx),
        monitoring=monitoring_config(ctx),
    )


def inference_output(key: str, value: object) -> str | None:
    """Comma-separated output keys of SageMaker's XGBoost container, or null (its default answer)."""
    if values.is_null(value) or value == "":
        return None
    keys = [part.strip() for part in value.split(",")] if isinstance(value, str) else []
    if not keys or any(name not in KEY_ORDER for name in keys):
        raise ConfigError(f"context key {key!r} must be null or comma-separated keys among {', '.join(KEY_ORDER)}, "
                          f"got {value!r}")  # fmt: skip
    return ",".join(keys)
