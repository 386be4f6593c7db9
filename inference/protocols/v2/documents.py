"""The Open Inference Protocol's answers: server and model metadata, inference answers and errors.

The model is named by its schema's ``name`` (``california_housing``) and versioned by the served model's version.
Outputs are MLServer's XGBoost runtime's: ``predict``, the booster's own prediction as ``/invocations`` gives it
(float32: a value, a class-1 probability, a label, or one probability per class for ``multi:softprob``), and, for
the objectives that give probabilities, ``predict_proba`` (N, classes), as xgboost's ``XGBClassifier`` computes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference.errors import InferenceError, InvalidInput, NotFound, echoed
from inference.model.columns import Columns
from inference.model.schema import Schema
from inference.protocols.codecs import CODECS, V2, Reading
from inference.protocols.formats.application_json import MEDIA_TYPE as JSON
from inference.protocols.v2.tensors import InferRequest
from inference.trees.objectives import objective_of

PREFIX = "v2"
READING = Reading(V2, "/v2/models/{name}/infer", JSON)
"""How an inference request's body is read: JSON only (Triton's binary extension is refused before)."""


def infer_request(body: bytes | str, content_type: str | None, columns: Columns) -> InferRequest:
    """An inference request's body, read and checked against ``columns`` (the server's, or the monitor's)."""
    request = CODECS.decode(body, content_type, READING, columns)
    assert isinstance(request, InferRequest)
    return request


SERVER = {"name": "xgboost-serverless", "version": "2.1.0", "extensions": []}
"""No extension: in particular not Triton's binary tensor data (inputs and outputs are JSON)."""
PLATFORM = "xgboost"
BINARY_HEADER = "inference-header-content-length"
"""Sent with Triton's binary tensor extension, which is not read (415)."""


def error_body(error: InferenceError) -> dict[str, Any]:
    return {"error": error.message}


def check_model(schema: Schema, served_version: str, name: str, version: str | None) -> None:
    """404 unless ``name`` (and ``version``, when given) is the model served."""
    if name != schema.name:
        raise NotFound(f"model {echoed(name)!r} is not served here; this server serves {schema.name!r}",
                       code="model_not_found", field="name")  # fmt: skip
    if version is not None and version != served_version:
        raise NotFound(f"version {echoed(version)!r} of {schema.name} is not served; the served version is "
                       f"{served_version!r}", code="model_not_found", field="version")  # fmt: skip


def probabilities_of(objective: str) -> bool:
    return objective in ("binary:logistic", "multi:softprob")


def model_metadata(schema: Schema, objective: str, num_groups: int, version: str) -> dict[str, Any]:
    """Inputs one per feature (FP32 numbers, BYTES category names; ``[N, F]`` numbers are read too), outputs."""
    inputs = [{"name": feature.name, "datatype": "BYTES" if feature.categorical else "FP32", "shape": [-1, 1]}
              for feature in schema.features]  # fmt: skip
    width = [num_groups] if objective_of(objective).output == "probabilities" else []
    outputs = [{"name": "predict", "datatype": "FP32", "shape": [-1, *width]}]
    if probabilities_of(objective):
        outputs.append({"name": "predict_proba", "datatype": "FP32", "shape": [-1, max(num_groups, 2)]})
    return {"name": schema.name, "versions": [version], "platform": PLATFORM, "inputs": inputs, "outputs": outputs}


def check_outputs(outputs: tuple[str, ...], objective: str) -> None:
    if "predict_proba" in outputs and not probabilities_of(objective):
        raise InvalidInput(f"predict_proba is not available for {objective} models (no probabilities); ask for "
                           "predict", code="unknown_output", field="outputs")  # fmt: skip


def infer_answer(schema: Schema, predicted: np.ndarray, outputs: tuple[str, ...], request_id: str | None,
                 version: str) -> dict[str, Any]:  # fmt: skip
    """The inference answer for the float32 ``predicted`` (what ``Booster.predict`` gives for the rows)."""
    tensors = []
    for name in outputs:
        values = _probabilities(predicted) if name == "predict_proba" else predicted
        tensors.append({"name": name, "shape": list(values.shape), "datatype": "FP32",
                        "data": values.ravel().tolist()})  # fmt: skip
    answer: dict[str, Any] = {"model_name": schema.name, "model_version": version}
    if request_id is not None:
        answer["id"] = request_id
    return answer | {"outputs": tensors}


def _probabilities(predicted: np.ndarray) -> np.ndarray:
    """(N, classes): multi:softprob's own, or ``[1 - p, p]`` in float32 for binary:logistic."""
    if predicted.ndim == 2:
        return predicted
    return np.column_stack((np.float32(1.0) - predicted, predicted))
