"""The Predictor: the model loaded once per process, and the operations every route answers with.

``predict`` and ``explain`` (our API), ``invoke`` (SageMaker's ``/invocations``) and ``health``: each reads the
request through the codec registry, predicts with the loaded model and builds its answer; every refusal is an
``InferenceError``. A model that is missing, unreadable or refused leaves the Predictor not ready: operations
answer 503 with the reason and the health check fails, never a guess, while the load is retried in the
background.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from inference.errors import ModelFormatError, ModelUnavailable
from inference.model.bundle import ModelBundle
from inference.protocols.api import answers
from inference.protocols.api.requests import READING, read_payload, read_query
from inference.protocols.codecs import CODECS
from inference.protocols.v2 import documents as v2
from inference.settings import DEFAULT_S3, NO_DIGESTS, SAGEMAKER_MODEL_DIR, Digests, S3Settings, Settings
from inference.trees import objectives

if TYPE_CHECKING:
    from inference.protocols.sagemaker.invocations import Invocation

logger = logging.getLogger("inference")
LoadedModel = ModelBundle
"""The name earlier releases exported for the loaded model."""


def hosted_model(directory: str) -> str | None:
    """The model SageMaker hosting unpacked into ``directory`` (``xgboost-model``, or a ``model.tar.gz`` placed
    there), or None; its ``schema.json`` is then looked for beside it."""
    for name in ("xgboost-model", "model.tar.gz"):
        candidate = Path(directory) / name
        if candidate.is_file():
            return str(candidate)
    return None


class Predictor:
    def __init__(
        self,
        uri: str | None,
        version: str | None = None,
        retry_seconds: float = 10.0,
        schema_uri: str | None = None,
        compiled_uri: str | None = None,
        *,
        inference_output: str | None = None,
        default_accept: str | None = None,
        s3: S3Settings = DEFAULT_S3,
        model_dir: str = SAGEMAKER_MODEL_DIR,
        digests: Digests = NO_DIGESTS,
    ) -> None:
        self._uri, self._version, self._retry_seconds, self._schema_uri = uri, version, retry_seconds, schema_uri
        self._compiled_uri, self._s3, self._model_dir, self._digests = compiled_uri, s3, model_dir, digests
        self._inference_output, self._default_accept = inference_output, default_accept
        self._model: ModelBundle | None = None
        self._error: str | None = None
        self.load_seconds: float | None = None
        """How long the model took to load (fetch, decode, compile), once it has."""
        self._last_attempt = 0.0
        self._lock = threading.Lock()
        self._reloading = False
        self._load()

    @classmethod
    def from_settings(cls, settings: Settings) -> Predictor:
        """The model ``settings`` name (else the one SageMaker hosting mounts), loaded now."""
        return cls(
            settings.model_uri or hosted_model(settings.sagemaker_model_dir),
            settings.model_version,
            settings.model_retry_seconds,
            settings.schema_uri,
            settings.compiled_model_uri,
            inference_output=settings.inference_output,
            default_accept=settings.default_invocations_accept,
            s3=settings.s3,
            model_dir=settings.sagemaker_model_dir,
            digests=settings.digests,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Predictor:
        return cls.from_settings(Settings.from_environ(environ))

    @property
    def ready(self) -> bool:
        return self._model is not None

    @property
    def model_version(self) -> str | None:
        return self._model.version if self._model else None

    @property
    def bundle(self) -> ModelBundle:
        """The loaded model and schema; ``ModelUnavailable`` (503) while there is none."""
        return self._require_model()

    @property
    def load_error(self) -> str | None:
        return self._error

    def _load(self) -> None:
        self._last_attempt = time.monotonic()
        if not self._uri:
            self._error = f"MODEL_URI is not set and {self._model_dir} holds no xgboost-model"
            logger.error("model not loaded: %s", self._error)
            return
        started = time.perf_counter()
        try:
            model = ModelBundle.load(self._uri, self._version, schema_uri=self._schema_uri,
                                     compiled_uri=self._compiled_uri, s3=self._s3, digests=self._digests)  # fmt: skip
        except ModelFormatError as exc:
            self._error = str(exc)
            logger.error("model not loaded from %s: %s", self._uri, exc)
            return
        except Exception:  # a malformed document the compiler did not anticipate: still never crash
            self._error = "the model file is malformed: it could not be compiled (the log has the details)"
            logger.exception("model not loaded from %s: %s", self._uri, self._error)
            return
        self._model, self._error = model, None
        self.load_seconds = time.perf_counter() - started
        logger.info(
            "model loaded",
            extra={"model_uri": self._uri, "model_version": model.version, "trees": model.ensemble.num_trees,
                   "dataset": model.schema.name, "load_ms": round(self.load_seconds * 1000, 1)},
        )  # fmt: skip

    def _require_model(self) -> ModelBundle:
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
        schema = model.schema
        body = {"status": "ok", "model_version": model.version, "trees": model.ensemble.num_trees,
                "dataset": schema.name, "task": schema.task, "features": list(schema.names)}  # fmt: skip
        return 200, body

    def predict(self, body: bytes | str, content_type: str | None) -> dict[str, Any]:
        model = self._require_model()
        return self._respond(model, CODECS.read(body, content_type, READING, model.columns))

    def predict_query(self, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        model = self._require_model()
        return self._respond(model, read_query(params, model.columns))

    def predict_payload(self, payload: object) -> dict[str, Any]:
        """An already decoded JSON document (a direct Lambda invocation)."""
        model = self._require_model()
        return self._respond(model, read_payload(payload, model.columns))

    def invoke(self, body: bytes, headers: Mapping[str, str], query: Mapping[str, Sequence[str]]) -> Invocation:
        """``POST /invocations`` in SageMaker's built-in XGBoost formats (``inference.protocols.sagemaker``)."""
        from inference.protocols.sagemaker import invocations  # imported by the first /invocations

        model = self._require_model()
        return invocations.answer_request(model, body, headers, query, self._inference_output, self._default_accept)

    def explain(self, body: bytes | str, content_type: str | None) -> dict[str, Any]:
        model = self._require_model()
        return explain_rows(model, CODECS.read(body, content_type, READING, model.columns))

    def explain_query(self, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        model = self._require_model()
        return explain_rows(model, read_query(params, model.columns))

    def v2_model(self, name: str, version: str | None) -> ModelBundle:
        """The loaded model when it is ``name`` (and ``version``): the Open Inference Protocol names models by the
        schema's name; 404 for another, 503 while none is loaded."""
        model = self._require_model()
        v2.check_model(model.schema, model.version, name, version)
        return model

    def v2_metadata(self, name: str, version: str | None) -> dict[str, Any]:
        model = self.v2_model(name, version)
        return v2.model_metadata(model.schema, model.ensemble.objective, model.ensemble.num_groups, model.version)

    def v2_infer(self, name: str, version: str | None, body: bytes, content_type: str | None) -> dict[str, Any]:
        """``POST /v2/models/{name}/infer``: the Open Inference Protocol's inference answer."""
        model = self.v2_model(name, version)
        request = v2.infer_request(body, content_type, model.columns)
        v2.check_outputs(request.outputs, model.ensemble.objective)
        predicted = model.ensemble.predict(request.rows)
        return v2.infer_answer(model.schema, predicted, request.outputs, request.id, model.version)

    def answers(self, predicted: np.ndarray) -> list[Any]:
        """The ``predictions`` ``/predict`` answers for what the model predicted (an ``/invocations`` answer's
        numbers, restated for the metrics' summary of the answers)."""
        model = self._require_model()
        return list(answers.answer(model.schema, model.ensemble.objective, predicted, "")["predictions"])

    @staticmethod
    def _respond(model: ModelBundle, rows: np.ndarray) -> dict[str, Any]:
        return answers.answer(model.schema, model.ensemble.objective, model.ensemble.predict(rows), model.version)


def explain_rows(model: ModelBundle, rows: np.ndarray) -> dict[str, Any]:
    """The ``/explain`` answer for checked ``rows``: exact contributions, the served margins and the labels."""
    from inference.protocols.api import explanations  # imported by the first /explain

    objective, margins = model.ensemble.objective, model.ensemble.predict_margin(rows)
    labels = answers.predicted_labels(model.schema, objective, objectives.transform(objective, margins))
    contributions = model.explainer.contributions(rows)
    return explanations.explain_answer(model.schema, objective, contributions, margins, labels, model.version)
