"""The Lambda image's batch command (``CMD ["batch_handler.handler"]``): the steps of the batch state machine.

Plan, score one range, assemble one object, summarize: the work is ``inference.batch``'s. The model loads
once per execution environment, on the first step that scores; a step that fails raises, and the state
machine retries it (with backoff) or fails the job with the error's type and message.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from inference.batch import steps
from inference.model.bundle import ModelBundle
from inference.model.s3 import client
from inference.settings import Settings

SETTINGS = Settings.from_environ()
LOGGER = logging.getLogger("inference.batch_handler")
_MODEL: list[ModelBundle] = []
_CLIENT: list[Any] = []


def model() -> ModelBundle:
    if not _MODEL:
        if not SETTINGS.model_uri:
            raise RuntimeError("MODEL_URI is not set")
        _MODEL.append(ModelBundle.load(SETTINGS.model_uri, SETTINGS.model_version, schema_uri=SETTINGS.schema_uri,
                                       compiled_uri=SETTINGS.compiled_model_uri, s3=SETTINGS.s3))  # fmt: skip
    return _MODEL[0]


def handler(event: Any, context: Any) -> dict[str, Any]:
    started = time.perf_counter()
    if not _CLIENT:
        _CLIENT.append(client(SETTINGS.s3))
    result = steps.run(event, _CLIENT[0], SETTINGS, model)
    LOGGER.info("batch step", extra={"step": event.get("step"), "rows": result.get("rows"),
                                     "failed_rows": result.get("failed_rows"),
                                     "ms": round((time.perf_counter() - started) * 1000, 1)})  # fmt: skip
    return result
