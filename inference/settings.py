"""Every environment variable of both images, read and validated in one place.

``Settings.from_environ()`` is the only reader of the environment in the runtime, the Lambda adapter and the
HTTP server; a bad value is a ``SettingsError`` naming the variable, the same message on every backend. The
CDK side writes the variables by the names in ``Env``, never as literals of its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple


class Env:
    """The variable names, as the stacks write them into each backend's environment."""

    MODEL_URI = "MODEL_URI"
    SCHEMA_URI = "SCHEMA_URI"
    COMPILED_MODEL_URI = "COMPILED_MODEL_URI"
    MODEL_VERSION = "MODEL_VERSION"
    MODEL_REVISION = "MODEL_REVISION"
    """Written by the stacks so that a new model changes the configuration; the runtime never reads it."""
    MODEL_RETRY_SECONDS = "MODEL_RETRY_SECONDS"
    SAGEMAKER_MODEL_DIR = "SAGEMAKER_MODEL_DIR"
    INFERENCE_OUTPUT = "SAGEMAKER_INFERENCE_OUTPUT"
    DEFAULT_INVOCATIONS_ACCEPT = "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"
    LOG_LEVEL = "LOG_LEVEL"
    S3_CONNECT_TIMEOUT = "MODEL_S3_CONNECT_TIMEOUT"
    S3_READ_TIMEOUT = "MODEL_S3_READ_TIMEOUT"
    S3_MAX_ATTEMPTS = "MODEL_S3_MAX_ATTEMPTS"
    HOST = "HOST"
    PORT = "PORT"
    WEB_CONCURRENCY = "WEB_CONCURRENCY"
    KEEP_ALIVE_SECONDS = "KEEP_ALIVE_SECONDS"
    GRACEFUL_SHUTDOWN_SECONDS = "GRACEFUL_SHUTDOWN_SECONDS"
    REQUEST_TIMEOUT_SECONDS = "REQUEST_TIMEOUT_SECONDS"
    ACCESS_LOG = "ACCESS_LOG"
    BATCH_INPUT_URI = "BATCH_INPUT_URI"
    """The S3 prefix batch jobs may read (the stack's role reaches no other)."""
    BATCH_OUTPUT_URI = "BATCH_OUTPUT_URI"
    """The S3 prefix batch jobs may write."""
    BATCH_RANGE_MB = "BATCH_RANGE_MB"
    """The size of the byte ranges one batch worker scores at a time."""


SAGEMAKER_MODEL_DIR = "/opt/ml/model"
"""Where SageMaker hosting (and Batch Transform) unpack ``model.tar.gz`` for the container."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """An environment variable with a value the images cannot use; the message names it."""


class S3Settings(NamedTuple):
    """How the model's objects are read from S3 (boto3 also honours ``AWS_ENDPOINT_URL_S3``)."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 5


DEFAULT_S3 = S3Settings()


@dataclass(frozen=True, slots=True)
class Settings:
    model_uri: str | None = None
    """The model to serve; None: the one SageMaker hosting mounts in ``sagemaker_model_dir``, if any."""
    schema_uri: str | None = None
    compiled_model_uri: str | None = None
    model_version: str | None = None
    model_retry_seconds: float = 10.0
    sagemaker_model_dir: str = SAGEMAKER_MODEL_DIR
    inference_output: str | None = None
    """The deployment's ``/invocations`` output keys (``SAGEMAKER_INFERENCE_OUTPUT``)."""
    default_invocations_accept: str | None = None
    log_level: str = "INFO"
    s3: S3Settings = DEFAULT_S3
    host: str = "0.0.0.0"  # noqa: S104  (all interfaces inside the container: the security group decides)
    port: int = 8080
    web_concurrency: int = 1
    keep_alive_seconds: int = 65
    graceful_shutdown_seconds: int = 20
    request_timeout_seconds: int = 15
    access_log: bool = False
    batch_input_uri: str | None = None
    batch_output_uri: str | None = None
    batch_range_mb: int = 64

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The process's environment, or ``environ``; a ``SettingsError`` names the first bad variable."""
        read = _Reader(os.environ if environ is None else environ)
        return cls(
            model_uri=read.text(Env.MODEL_URI),
            schema_uri=read.text(Env.SCHEMA_URI),
            compiled_model_uri=read.text(Env.COMPILED_MODEL_URI),
            model_version=read.text(Env.MODEL_VERSION),
            model_retry_seconds=read.number(Env.MODEL_RETRY_SECONDS, 10.0, 0.0, 86400.0),
            sagemaker_model_dir=read.text(Env.SAGEMAKER_MODEL_DIR) or SAGEMAKER_MODEL_DIR,
            inference_output=read.text(Env.INFERENCE_OUTPUT),
            default_invocations_accept=read.text(Env.DEFAULT_INVOCATIONS_ACCEPT),
            log_level=read.choice(Env.LOG_LEVEL, "INFO", LOG_LEVELS),
            s3=S3Settings(
                read.number(Env.S3_CONNECT_TIMEOUT, 5.0, 0.1, 300.0),
                read.number(Env.S3_READ_TIMEOUT, 30.0, 0.1, 900.0),
                read.integer(Env.S3_MAX_ATTEMPTS, 5, 1, 20),
            ),
            host=read.text(Env.HOST) or "0.0.0.0",  # noqa: S104
            port=read.integer(Env.PORT, 8080, 1, 65535),
            web_concurrency=read.integer(Env.WEB_CONCURRENCY, 1, 1, 64),
            keep_alive_seconds=read.integer(Env.KEEP_ALIVE_SECONDS, 65, 1, 4000),
            graceful_shutdown_seconds=read.integer(Env.GRACEFUL_SHUTDOWN_SECONDS, 20, 1, 3600),
            request_timeout_seconds=read.integer(Env.REQUEST_TIMEOUT_SECONDS, 15, 1, 300),
            access_log=read.flag(Env.ACCESS_LOG),
            batch_input_uri=read.text(Env.BATCH_INPUT_URI),
            batch_output_uri=read.text(Env.BATCH_OUTPUT_URI),
            batch_range_mb=read.integer(Env.BATCH_RANGE_MB, 64, 1, 1024),
        )


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def _raw(self, name: str) -> str:
        return self._environ.get(name, "").strip()

    def text(self, name: str) -> str | None:
        return self._raw(name) or None

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self._raw(name) or str(default)
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise SettingsError(f"{name} must be an integer from {low} to {high}, got {raw!r}")
        return int(raw)

    def number(self, name: str, default: float, low: float, high: float) -> float:
        raw = self._raw(name)
        try:
            value = float(raw) if raw else default
        except ValueError:
            value = float("nan")
        if not low <= value <= high:
            raise SettingsError(f"{name} must be a number from {low:g} to {high:g}, got {raw!r}")
        return value

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = (self._raw(name) or default).upper()
        if value not in allowed:
            raise SettingsError(f"{name} must be {', '.join(allowed[:-1])} or {allowed[-1]}, got {value!r}")
        return value

    def flag(self, name: str) -> bool:
        return self._raw(name).lower() in ("1", "true", "on", "yes")
