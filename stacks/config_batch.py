"""BatchConfig: the batch scoring state machine, its reach in S3 and its scale (``batch*`` context keys)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from stacks import config_values as values
from stacks.config_values import ConfigError

__all__ = ["DEFAULT_INPUT_PREFIX", "DEFAULT_OUTPUT_PREFIX", "BatchConfig", "S3Prefix", "batch_config"]

DEFAULT_INPUT_PREFIX, DEFAULT_OUTPUT_PREFIX = "batch/input/", "batch/output/"
"""Where jobs read and write in the model bucket when ``batchInputUri``/``batchOutputUri`` are null."""
PREFIX_EXAMPLE = "s3://my-bucket/scoring/input/"
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class S3Prefix:
    bucket_name: str
    prefix: str
    """Ends with ``/``, or is empty (the whole bucket)."""


@dataclass(frozen=True)
class BatchConfig:
    input: S3Prefix | None
    """What jobs may read; None: ``DEFAULT_INPUT_PREFIX`` in the model bucket."""
    output: S3Prefix | None
    """Where jobs may write; None: ``DEFAULT_OUTPUT_PREFIX`` in the model bucket."""
    max_concurrency: int
    range_mb: int
    tolerated_failure_percent: float
    memory_mb: int
    log_retention_days: int


def batch_config(ctx: Mapping[str, object], log_retention_days: int) -> BatchConfig | None:
    """None when ``batchEnabled`` is false (no batch stack at all); the other keys are checked either way."""
    config = BatchConfig(
        input=s3_prefix("batchInputUri", ctx["batchInputUri"]),
        output=s3_prefix("batchOutputUri", ctx["batchOutputUri"]),
        max_concurrency=values.integer("batchMaxConcurrency", ctx["batchMaxConcurrency"], minimum=1, maximum=10000),
        range_mb=values.integer("batchRangeMb", ctx["batchRangeMb"], minimum=1, maximum=1024),
        tolerated_failure_percent=values.number(
            "batchToleratedFailurePercent", ctx["batchToleratedFailurePercent"], minimum=0, maximum=100
        ),
        memory_mb=values.integer("batchMemoryMb", ctx["batchMemoryMb"], minimum=512, maximum=10240),
        log_retention_days=log_retention_days,
    )
    if config.input is not None and config.output is not None and _overlap(config.input, config.output):
        raise ConfigError("context keys 'batchInputUri' and 'batchOutputUri' must not contain one another, got "
                          f"{ctx['batchInputUri']!r} and {ctx['batchOutputUri']!r}")  # fmt: skip
    return config if values.boolean("batchEnabled", ctx["batchEnabled"]) else None


def s3_prefix(key: str, value: object) -> S3Prefix | None:
    """``s3://bucket/prefix/`` (a prefix: ends with ``/``), or null for the default."""
    if values.is_null(value) or value == "":
        return None
    text = value if isinstance(value, str) else ""
    bucket, _, prefix = text.removeprefix("s3://").partition("/")
    if not text.startswith("s3://") or not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise ConfigError(f"context key {key!r} must be null or an S3 prefix like {PREFIX_EXAMPLE!r}, got {value!r}")
    if (prefix and not prefix.endswith("/")) or "*" in prefix or ".." in prefix.split("/"):
        raise ConfigError(f"context key {key!r} must be a prefix ending in '/' (like {PREFIX_EXAMPLE!r}), got "
                          f"{value!r}")  # fmt: skip
    return S3Prefix(bucket, prefix)


def _overlap(one: S3Prefix, other: S3Prefix) -> bool:
    return one.bucket_name == other.bucket_name and (one.prefix.startswith(other.prefix) or
                                                     other.prefix.startswith(one.prefix))  # fmt: skip
