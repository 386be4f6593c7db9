"""The Predictor: load the model once per process, then decode, predict and encode requests.

Adapters (the Lambda handler, the HTTP server) only translate their transport to these calls and map
``InferenceError.status`` to a status code. A model that is missing, unreadable or refused leaves the
Predictor not ready: predictions answer 503 with the reason and the health check fails, never a guess,
while the load is retried in the background.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from inference import artifact, codecs
from inference.errors import ModelFormatError, ModelUnavailable
from inference.schema import FEATURE_NAMES, PREDICTION_UNIT, USD_PER_TARGET_UNIT
from inference.trees import TreeEnsemble, compile_model

logger = logging.getLogger("inference")


class LoadedModel:
    """A compiled model and the version string reported with every prediction."""

    def __init__(self, ensemble: TreeEnsemble, version: str) -> None:
        self.ensemble = ensemble
        self.version = version

    @classmethod
    def load(cls, uri: str, version: str | None = None) -> LoadedModel:
        fetched = artifact.fetch(uri)
        ensemble = compile_model(artifact.model_document(fetched.data))
        if ensemble.num_features != len(FEATURE_NAMES):
            raise ModelFormatError(
                f"the model takes {ensemble.num_features} features but the schema has {len(FEATURE_NAMES)} "
                f"({', '.join(FEATURE_NAMES)}); was it trained on this data set?"
            )
        return cls(ensemble, version or fetched.version)


class Predictor:
    def __init__(self, uri: str | None, version: str | None = None, retry_seconds: float = 10.0) -> None:
        self._uri, self._version, self._retry_seconds = uri, version, retry_seconds
        self._model: LoadedModel | None = None
        self._error: str | None = None
        self._last_attempt = 0.0
        self._lock = threading.Lock()
        self._reloading = False
        self._load()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Predictor:
        return cls(
            environ.get("MODEL_URI") or None,
            environ.get("MODEL_VERSION") or None,
            float(environ.get("MODEL_RETRY_SECONDS", "10")),
        )

    @property
    def ready(self) -> bool:
        return self._model is not None

    @property
    def model_version(self) -> str | None:
        return self._model.version if self._model else None

    @property
    def load_error(self) -> str | None:
        return self._error

    def _load(self) -> None:
        self._last_attempt = time.monotonic()
        if not self._uri:
            self._error = "MODEL_URI is not set"
            logger.error("model not loaded: %s", self._error)
            return
        started = time.perf_counter()
        try:
            model = LoadedModel.load(self._uri, self._version)
        except ModelFormatError as exc:
            self._error = str(exc)
            logger.error("model not loaded from %s: %s", self._uri, exc)
            return
        except Exception as exc:  # a malformed document the compiler did not anticipate: still never crash
            self._error = f"the model file is malformed ({type(exc).__name__}: {exc})"
            logger.exception("model not loaded from %s: %s", self._uri, self._error)
            return
        self._model, self._error = model, None
        logger.info(
            "model loaded",
            extra={"model_uri": self._uri, "model_version": model.version, "trees": model.ensemble.num_trees,
                   "load_ms": round((time.perf_counter() - started) * 1000, 1)},
        )  # fmt: skip

    def _require_model(self) -> LoadedModel:
        model = self._model
        if model is None:
            self._retry_in_background()
            raise ModelUnavailable(f"the model is not loaded: {self._error}")
        return model

    def _retry_in_background(self) -> None:
        """Reload at most every ``retry_seconds``, off the request path: a slow or unreachable S3 never holds
        a request (or the HTTP server's event loop, /ping included); this and later requests answer 503 until
        the model is in."""
        with self._lock:
            if self._reloading or time.monotonic() - self._last_attempt < self._retry_seconds:
                return
            self._reloading = True
            self._last_attempt = time.monotonic()
        threading.Thread(target=self._reload, name="model-reload", daemon=True).start()

    def _reload(self) -> None:
        try:
            self._load()
        finally:
            self._reloading = False

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            model = self._require_model()
        except ModelUnavailable as exc:
            return exc.status, exc.to_body()
        body = {"status": "ok", "model_version": model.version, "trees": model.ensemble.num_trees,
                "features": list(FEATURE_NAMES)}  # fmt: skip
        return 200, body

    def predict(self, body: bytes | str, content_type: str | None) -> dict[str, Any]:
        model = self._require_model()
        return self._respond(model, codecs.decode_body(body, content_type))

    def predict_query(self, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        model = self._require_model()
        return self._respond(model, codecs.decode_query(params))

    def predict_payload(self, payload: object) -> dict[str, Any]:
        model = self._require_model()
        return self._respond(model, codecs.decode_payload(payload))

    @staticmethod
    def _respond(model: LoadedModel, rows: np.ndarray) -> dict[str, Any]:
        usd = np.round(model.ensemble.predict(rows) * USD_PER_TARGET_UNIT, 2)
        return {"predictions": usd.tolist(), "unit": PREDICTION_UNIT, "model_version": model.version,
                "count": len(usd)}  # fmt: skip
