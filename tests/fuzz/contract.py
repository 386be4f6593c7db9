"""The answer contract every transport must keep: a 2xx success or a 4xx JSON error of the documented shape."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from inference.schema import FEATURES, MAX_ROWS, PREDICTION_UNIT

ERROR_KEYS = {"code", "message", "field", "row"}
CLIENT_ERRORS = {400, 404, 405, 413, 415}


def assert_error_body(status: int, body: Any) -> None:
    """``{"error": {"code", "message", "field"?, "row"?}}`` with a 4xx status, encodable as UTF-8 JSON."""
    assert status in CLIENT_ERRORS, f"status {status} for {body!r}"
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message"} <= set(error) <= ERROR_KEYS, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error.get("field", ""), str), error
    assert isinstance(error.get("row", 0), int) and error.get("row", 0) >= 0, error
    json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")  # what Starlette's JSONResponse does
    assert len(json.dumps(body)) < 2048, f"error body echoes too much input: {len(json.dumps(body))} bytes"


def assert_prediction_body(body: Any, rows: int | None = None) -> None:
    assert isinstance(body, dict) and set(body) == {"predictions", "unit", "model_version", "count"}, body
    assert body["unit"] == PREDICTION_UNIT and isinstance(body["model_version"], str)
    assert 1 <= body["count"] <= MAX_ROWS and len(body["predictions"]) == body["count"]
    assert rows is None or body["count"] == rows
    assert all(isinstance(p, float) and math.isfinite(p) for p in body["predictions"])


def assert_valid_matrix(matrix: np.ndarray) -> None:
    assert matrix.dtype == np.float32 and matrix.ndim == 2 and matrix.shape[1] == len(FEATURES)
    assert 1 <= matrix.shape[0] <= MAX_ROWS
    assert np.isfinite(matrix).all()
    for column, feature in enumerate(FEATURES):
        assert (matrix[:, column] >= np.float32(feature.minimum)).all()
        assert (matrix[:, column] <= np.float32(feature.maximum)).all()
