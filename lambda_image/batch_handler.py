"""The Lambda image's batch command (``CMD ["batch_handler.handler"]``): the steps of the batch state machine.

Plan, score one range, assemble one object, summarize: the work is ``inference.batch``'s. The model loads
once per execution environment, on the first step that scores; a step that fails raises, and the state
machine retries it (with backoff) or fails the job with the error's type and message.

With ``METRICS=emf`` (the image's default) each step is counted as the serving functions count requests
(``inference.metrics``), under ``Backend=batch`` and the step as ``Route``: ``Invocations``, latency, the
errors of a step that failed, and for ``score`` the rows it answered (``Rows``) and could not (``FailedRows``);
the model's load is a ``ColdStart`` line with its ``ModelLoadTime``.
"""

from __future__ import annotations

import time

IMPORTED = time.perf_counter()

import logging  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

from inference.batch import steps  # noqa: E402
from inference.errors import InferenceError  # noqa: E402
from inference.metrics.emf import write_line  # noqa: E402
from inference.metrics.names import BATCH_BACKEND, NO_VERSION  # noqa: E402
from inference.metrics.recorder import Recorder  # noqa: E402
from inference.metrics.window import failed_rows_document  # noqa: E402
from inference.model.bundle import ModelBundle  # noqa: E402
from inference.model.s3 import client  # noqa: E402
from inference.settings import Settings  # noqa: E402

SETTINGS = Settings.from_environ()
LOGGER = logging.getLogger("inference.batch_handler")
_MODEL: list[ModelBundle] = []
_CLIENT: list[Any] = []
Write = Callable[[dict[str, Any]], None]


def _version() -> str | None:
    return _MODEL[0].version if _MODEL else None


RECORDER = Recorder(SETTINGS.backend_name or BATCH_BACKEND, 0.0, _version) if SETTINGS.metrics == "emf" else None


def model() -> ModelBundle:
    if not _MODEL:
        if not SETTINGS.model_uri:
            raise RuntimeError("MODEL_URI is not set")
        started = time.perf_counter()
        try:
            _MODEL.append(ModelBundle.load(SETTINGS.model_uri, SETTINGS.model_version, schema_uri=SETTINGS.schema_uri,
                                           compiled_uri=SETTINGS.compiled_model_uri, s3=SETTINGS.s3))  # fmt: skip
        finally:
            if RECORDER is not None:
                loaded = time.perf_counter()
                write_line(RECORDER.cold_start(loaded - started if _MODEL else None, loaded - IMPORTED))
    return _MODEL[0]


def handler(event: Any, context: Any) -> dict[str, Any]:
    if not _CLIENT:
        _CLIENT.append(client(SETTINGS.s3))
    return handle(event, _CLIENT[0], SETTINGS, model, RECORDER, write_line)


def handle(event: Any, s3: Any, settings: Settings, load: Callable[[], ModelBundle], recorder: Recorder | None,
           write: Write) -> dict[str, Any]:  # fmt: skip
    """Run one step; log it, and count it when ``recorder`` is given (its documents go to ``write``)."""
    started = time.perf_counter()
    step = event.get("step") if isinstance(event, dict) else None
    result: dict[str, Any] = {}
    status = 500
    try:
        result = steps.run(event, s3, settings, load)
        status = 200
    except InferenceError as error:
        status = error.status
        raise
    finally:
        ended = time.perf_counter()
        LOGGER.info("batch step", extra={"step": step, "status": status, "rows": result.get("rows"),
                                         "failed_rows": result.get("failed_rows"),
                                         "ms": round((ended - started) * 1000, 1)})  # fmt: skip
        if recorder is not None:
            _count(recorder, write, str(step) if step in steps.STEPS else "unknown", status, result, ended - started)
    return result


def _count(recorder: Recorder, write: Write, step: str, status: int, result: dict[str, Any], seconds: float) -> None:
    scored = step == "score"  # the summary's rows are the ranges' rows again: counted once, here
    failed = result.get("failed_rows", 0) if scored else 0
    answered = result.get("rows", 0) - failed if scored else 0
    recorder.record((step, status, answered, seconds, seconds, None), 0.0)
    documents = recorder.drain()
    if failed:
        version = recorder.version() or NO_VERSION
        documents.append(failed_rows_document(recorder.backend, version, int(time.time() * 1000), failed))
    for document in documents:
        write(document)
