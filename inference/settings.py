"""Every environment variable of both images, read and validated in one place.

``Settings.from_environ()`` is the only reader of the environment in the runtime, the Lambda adapter and the
HTTP server; a bad value is a ``SettingsError`` naming the variable, the same message on every backend. The
CDK side writes the variables by the names in ``Env``, never as literals of its own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple


class Env:
    """The variable names, as the stacks write them into each backend's environment."""

    MODEL_URI = "MODEL_URI"
    SCHEMA_URI = "SCHEMA_URI"
    COMPILED_MODEL_URI = "COMPILED_MODEL_URI"
    MODEL_SHA256 = "MODEL_SHA256"
    """SHA-256 of the ``model.tar.gz`` the deployment serves (the compile step's): the tarball, and the source a
    compiled form names, must match it."""
    COMPILED_MODEL_SHA256 = "COMPILED_MODEL_SHA256"
    """SHA-256 of the ``model.compiled.npz`` the compile step wrote: the archive's bytes must match it."""
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
    METRICS = "METRICS"
    """``emf``: CloudWatch embedded metric format lines on stdout (``inference.metrics``); unset or ``off``: none."""
    METRICS_FLUSH_SECONDS = "METRICS_FLUSH_SECONDS"
    """How often the server writes what it counted (the Lambda writes one document per request)."""
    CHECKED_FUNCTION = "CHECKED_FUNCTION"
    """The pre-traffic hook's: the ARN of the function version it checks before traffic moves to it."""
    EXPECTED_ANSWERS_URI = "EXPECTED_ANSWERS_URI"
    """The pre-traffic hook's: the model's ``model.expected.json`` (``inference.expected``)."""
    PROMETHEUS_MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
    """prometheus-client's own variable: where the server's workers share their counts for ``GET /metrics``."""
    PREDICT_THREADS = "PREDICT_THREADS"
    PREDICT_QUEUE = "PREDICT_QUEUE"
    EXPLAIN_THREADS = "EXPLAIN_THREADS"
    EXPLAIN_QUEUE = "EXPLAIN_QUEUE"
    CAPTURE_DESTINATION = "CAPTURE_DESTINATION"
    """Where captured records go: ``stdout`` (a line each), ``s3://bucket/prefix/`` or a local folder (batched)."""
    CAPTURE_PERCENT = "CAPTURE_PERCENT"
    CAPTURE_FLUSH_SECONDS = "CAPTURE_FLUSH_SECONDS"
    BACKEND_NAME = "BACKEND_NAME"
    """This backend's name (``lambda-x86``, ``lambda-arm64``, ``fargate``): the metrics' ``Backend`` dimension, and
    the backend of captured records and their prefix."""
    MONITOR_REPORT = "MONITOR_REPORT"
    """The server: the latest monitoring report (``report.html``) its page links to."""
    BASELINE_URI = "BASELINE_URI"
    CAPTURE_URI = "CAPTURE_URI"
    GROUND_TRUTH_URI = "GROUND_TRUTH_URI"
    REPORT_URI = "REPORT_URI"
    MONITOR_WINDOW_HOURS = "MONITOR_WINDOW_HOURS"
    BATCH_INPUT_URI = "BATCH_INPUT_URI"
    """The S3 prefix batch jobs may read (the stack's role reaches no other)."""
    BATCH_OUTPUT_URI = "BATCH_OUTPUT_URI"
    """The S3 prefix batch jobs may write."""
    BATCH_RANGE_MB = "BATCH_RANGE_MB"
    """The size of the byte ranges one batch worker scores at a time."""


SAGEMAKER_MODEL_DIR = "/opt/ml/model"
"""Where SageMaker hosting (and Batch Transform) unpack ``model.tar.gz`` for the container."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
METRICS_FORMATS = ("emf", "off")


class SettingsError(ValueError):
    """An environment variable with a value the images cannot use; the message names it."""


class S3Settings(NamedTuple):
    """How the model's objects are read from S3 (boto3 also honours ``AWS_ENDPOINT_URL_S3``)."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 5


DEFAULT_S3 = S3Settings()
_BACKEND_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


class CaptureSettings(NamedTuple):
    """Data capture (``inference.capture``): off while ``destination`` is None."""

    destination: str | None = None
    percent: float = 100.0
    flush_seconds: float = 60.0
    """How often batched records are written (an S3 object or a file per hour of records, per flush)."""


class MonitorSettings(NamedTuple):
    """The monitor job (``lambda_image/monitor_handler.py``): where it reads and writes."""

    baseline_uri: str | None = None
    """None: ``baseline.json`` beside the model."""
    capture_uri: str | None = None
    ground_truth_uri: str | None = None
    report_uri: str | None = None
    window_hours: int = 1


NO_CAPTURE, DEFAULT_MONITOR = CaptureSettings(), MonitorSettings()


class Digests(NamedTuple):
    """The SHA-256 (hex) the deployment expects of the model's objects; None: that object is not checked."""

    model: str | None = None
    """``model.tar.gz``: what the tarball hashes to, and the source a compiled form must name."""
    compiled: str | None = None
    """``model.compiled.npz``: what the archive's bytes hash to (its own metadata could be copied by a forger)."""


NO_DIGESTS = Digests()


class LaneSize(NamedTuple):
    """How much of one kind of model work a server worker takes on (``inference.lanes``)."""

    threads: int
    """Requests worked on at once, each on a thread of its own."""
    queue: int
    """Requests that may wait for a thread; one more is answered 503 with Retry-After."""


PREDICT_LANE = LaneSize(threads=1, queue=32)
"""Predictions (/predict, /invocations): milliseconds each; 32 waiting bodies hold at most 32 MiB."""
EXPLAIN_LANE = LaneSize(threads=1, queue=2)
"""Explanations: up to a second for 1000 rows of the shipped model on a 0.25 vCPU task, so at most about three
seconds of waiting; one thread, so a task's CPU is never all TreeSHAP's."""


@dataclass(frozen=True, slots=True)
class Settings:
    model_uri: str | None = None
    """The model to serve; None: the one SageMaker hosting mounts in ``sagemaker_model_dir``, if any."""
    schema_uri: str | None = None
    compiled_model_uri: str | None = None
    digests: Digests = NO_DIGESTS
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
    metrics: str = "off"
    """``emf`` or ``off`` (``METRICS``)."""
    metrics_flush_seconds: float = 5.0
    prometheus_multiproc_dir: str | None = None
    checked_function: str | None = None
    expected_answers_uri: str | None = None
    predict_lane: LaneSize = PREDICT_LANE
    explain_lane: LaneSize = EXPLAIN_LANE
    backend_name: str | None = None
    """This backend's name in captured records and their prefix (``lambda-arm64``, ``fargate``...)."""
    capture: CaptureSettings = NO_CAPTURE
    monitor_report: str | None = None
    monitor: MonitorSettings = DEFAULT_MONITOR
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
            digests=Digests(read.sha256(Env.MODEL_SHA256), read.sha256(Env.COMPILED_MODEL_SHA256)),
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
            metrics=read.choice(Env.METRICS, "off", METRICS_FORMATS, upper=False),
            metrics_flush_seconds=read.number(Env.METRICS_FLUSH_SECONDS, 5.0, 0.1, 60.0),
            prometheus_multiproc_dir=read.text(Env.PROMETHEUS_MULTIPROC_DIR),
            checked_function=read.text(Env.CHECKED_FUNCTION),
            expected_answers_uri=read.text(Env.EXPECTED_ANSWERS_URI),
            predict_lane=LaneSize(read.integer(Env.PREDICT_THREADS, PREDICT_LANE.threads, 1, 64),
                                  read.integer(Env.PREDICT_QUEUE, PREDICT_LANE.queue, 0, 4096)),
            explain_lane=LaneSize(read.integer(Env.EXPLAIN_THREADS, EXPLAIN_LANE.threads, 1, 64),
                                  read.integer(Env.EXPLAIN_QUEUE, EXPLAIN_LANE.queue, 0, 4096)),
            backend_name=read.name(Env.BACKEND_NAME),
            capture=CaptureSettings(
                read.text(Env.CAPTURE_DESTINATION),
                read.number(Env.CAPTURE_PERCENT, 100.0, 0.0, 100.0),
                read.number(Env.CAPTURE_FLUSH_SECONDS, 60.0, 0.1, 3600.0),
            ),
            monitor_report=read.text(Env.MONITOR_REPORT),
            monitor=MonitorSettings(
                read.text(Env.BASELINE_URI),
                read.text(Env.CAPTURE_URI),
                read.text(Env.GROUND_TRUTH_URI),
                read.text(Env.REPORT_URI),
                read.integer(Env.MONITOR_WINDOW_HOURS, 1, 1, 24 * 31),
            ),
            batch_input_uri=read.text(Env.BATCH_INPUT_URI),
            batch_output_uri=read.text(Env.BATCH_OUTPUT_URI),
            batch_range_mb=read.integer(Env.BATCH_RANGE_MB, 64, 1, 1024),
        )  # fmt: skip


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def _raw(self, name: str) -> str:
        return self._environ.get(name, "").strip()

    def text(self, name: str) -> str | None:
        return self._raw(name) or None

    def sha256(self, name: str) -> str | None:
        raw = self._raw(name).lower()
        if raw and (len(raw) != 64 or raw.strip("0123456789abcdef")):
            raise SettingsError(f"{name} must be a SHA-256 in hex (64 digits), got {raw[:80]!r}")
        return raw or None

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

    def choice(self, name: str, default: str, allowed: tuple[str, ...], *, upper: bool = True) -> str:
        value = self._raw(name) or default
        value = value.upper() if upper else value.lower()
        if value not in allowed:
            raise SettingsError(f"{name} must be {', '.join(allowed[:-1])} or {allowed[-1]}, got {value!r}")
        return value

    def name(self, name: str) -> str | None:
        """Lower-case letters, digits and dashes, at most 32 (a path segment of captured records)."""
        value = self.text(name)
        if value is not None and not _BACKEND_NAME.fullmatch(value):
            raise SettingsError(f"{name} must be 1 to 32 lower-case letters, digits or dashes, got {value!r}")
        return value

    def flag(self, name: str) -> bool:
        return self._raw(name).lower() in ("1", "true", "on", "yes")
