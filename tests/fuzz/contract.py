"""The answer contract every transport must keep, per schema: a 2xx success of the task's shape, or a 4xx JSON
error of the documented shape. Never a 5xx.

Success bodies (docs/dev/contract.md, ``inference/protocols/api/answers.py``):
- regression: ``{"predictions": [float], "unit", "model_version", "count"}``, every value finite;
- classification: ``{"predictions": [{"label", "probability", "probabilities"}], "model_version", "count"}``,
  labels among the schema's, probabilities in [0, 1] summing to 1 within 1e-6, ``probability`` the label's
  (the largest); ``binary:hinge`` and ``multi:softmax`` answer the label only.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from inference.model.schema import Schema
from inference.protocols.limits import MAX_ROWS

ERROR_KEYS = {"code", "message", "field", "row"}
CLIENT_ERRORS = frozenset({400, 404, 405, 413, 415})
INVOCATION_ERRORS = CLIENT_ERRORS | {406}
"""``/invocations`` also refuses an ``Accept`` it cannot answer (SageMaker's container does the same)."""
LABEL_ONLY_OBJECTIVES = {"binary:hinge", "multi:softmax"}
PROBABILITY_SUM_TOLERANCE = 1e-6


def assert_error_body(status: int, body: Any, allowed: frozenset[int] = CLIENT_ERRORS) -> None:
    """``{"error": {"code", "message", "field"?, "row"?}}`` with a 4xx status, encodable as UTF-8 JSON."""
    assert status in allowed, f"status {status} for {body!r}"
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message"} <= set(error) <= ERROR_KEYS, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error.get("field", ""), str), error
    assert isinstance(error.get("row", 0), int) and error.get("row", 0) >= 0, error
    json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")  # what Starlette's JSONResponse does
    assert len(json.dumps(body)) < 2048, f"error body echoes too much input: {len(json.dumps(body))} bytes"


def assert_prediction_body(schema: Schema, body: Any, rows: int | None = None) -> None:
    """A success body of ``schema``'s task with one answer per row (``rows`` of them, when known)."""
    regression = schema.task == "regression"
    keys = {"predictions", "model_version", "count"} | ({"unit"} if regression and schema.target.unit else set())
    assert isinstance(body, dict) and set(body) == keys, body
    assert isinstance(body["model_version"], str) and body["model_version"], body
    assert type(body["count"]) is int and 1 <= body["count"] <= MAX_ROWS, body
    assert isinstance(body["predictions"], list) and len(body["predictions"]) == body["count"], body
    assert rows is None or body["count"] == rows, (rows, body)
    if regression:
        assert body.get("unit", "") == schema.target.unit, body
        assert all(type(p) is float and math.isfinite(p) for p in body["predictions"]), body
    else:
        for answer in body["predictions"]:
            assert_class_answer(schema, answer)


def assert_class_answer(schema: Schema, answer: Any) -> None:
    labels = schema.target.labels
    label_only = schema.target.objective in LABEL_ONLY_OBJECTIVES
    expected = {"label"} if label_only else {"label", "probability", "probabilities"}
    assert isinstance(answer, dict) and set(answer) == expected, answer
    assert answer["label"] in labels, (answer, labels)
    if label_only:
        return
    probabilities = answer["probabilities"]
    assert isinstance(probabilities, dict) and list(probabilities) == list(labels), answer
    values = list(probabilities.values())
    assert all(type(p) is float and 0.0 <= p <= 1.0 for p in values), answer
    assert abs(math.fsum(values) - 1.0) <= PROBABILITY_SUM_TOLERANCE, (math.fsum(values), answer)
    assert answer["probability"] == probabilities[answer["label"]] == max(values), answer


def assert_explanation_body(schema: Schema, body: Any) -> None:
    """``/explain``: per row the bias and each feature's contribution (per class label for multiclass), which
    add up to ``total``; binary rows name their label and the body the label the log-odds are of."""
    binary, multiclass = schema.task == "binary", schema.task == "multiclass"
    keys = {"explanations", "space", "model_version", "count"} | ({"positive_label"} if binary else set())
    assert isinstance(body, dict) and set(body) == keys, body
    assert isinstance(body["space"], str) and body["space"] and isinstance(body["model_version"], str), body
    assert type(body["count"]) is int and 1 <= body["count"] == len(body["explanations"]) <= MAX_ROWS, body
    assert not binary or body["positive_label"] == schema.target.labels[1], body
    for row in body["explanations"]:
        if multiclass:
            assert set(row) == {"label", "classes"} and row["label"] in schema.target.labels, row
            assert list(row["classes"]) == list(schema.target.labels), row
            parts = list(row["classes"].values())
        else:
            assert set(row) == {"bias", "contributions", "total"} | ({"label"} if binary else set()), row
            assert not binary or row["label"] in schema.target.labels, row
            parts = [{k: v for k, v in row.items() if k != "label"}]
        for part in parts:
            _assert_contributions(schema, part)


def _assert_contributions(schema: Schema, part: Any) -> None:
    assert isinstance(part, dict) and set(part) == {"bias", "contributions", "total"}, part
    contributions = part["contributions"]
    assert isinstance(contributions, dict) and list(contributions) == list(schema.names), part
    values = [part["bias"], part["total"], *contributions.values()]
    assert all(type(v) is float and math.isfinite(v) for v in values), part
    added = part["bias"] + math.fsum(contributions.values())
    magnitude = max(1.0, abs(part["bias"]), *map(abs, contributions.values()))
    assert math.isclose(part["total"], added, abs_tol=1e-5 * magnitude), part  # float32 rounding of the served margin


def assert_health_body(schema: Schema, body: Any) -> None:
    assert isinstance(body, dict) and body.get("status") == "ok", body
    assert isinstance(body["model_version"], str) and type(body["trees"]) is int and body["trees"] >= 1, body
    assert (body["dataset"], body["task"], body["features"]) == (schema.name, schema.task, list(schema.names)), body


def assert_valid_matrix(schema: Schema, matrix: np.ndarray) -> None:
    """float32 rows in model order: each value in its feature's range (a category's index for a categorical
    feature), NaN only where the feature may be missing."""
    assert matrix.dtype == np.float32 and matrix.ndim == 2 and matrix.shape[1] == len(schema.features), matrix.shape
    assert 1 <= matrix.shape[0] <= MAX_ROWS, matrix.shape
    for column, feature in enumerate(schema.features):
        values = matrix[:, column]
        missing = np.isnan(values)
        assert feature.missing or not missing.any(), (feature.name, values)
        present = values[~missing]
        assert np.isfinite(present).all(), (feature.name, present)
        if feature.categories is not None:
            assert (present == np.round(present)).all() and (present >= 0).all(), (feature.name, present)
            assert (present < len(feature.categories)).all(), (feature.name, present)
            continue
        assert feature.minimum is None or (present >= np.float32(feature.minimum)).all(), (feature.name, present)
        assert feature.maximum is None or (present <= np.float32(feature.maximum)).all(), (feature.name, present)
