"""Requests the benchmark sends: rows in JSON (named or ordered) or CSV, wrapped in API Gateway HTTP API events.

Values are written as the data set's CSV channels write them: the shortest decimal that reads back as the
same float32 (``7.2013``, not ``7.201300144195557``), so every backend turns them into the very same model
input, as a client sending the data set's values would. Missing values (NaN) are sent as null.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from inference.model.schema import Schema


def decimals(row: np.ndarray) -> list[float | None]:
    """A float32 row as Python floats with the fewest digits that read back the same (None for NaN)."""
    return [None if np.isnan(value) else float(str(value)) for value in np.asarray(row, dtype=np.float32)]


def named_rows(rows: np.ndarray, names: Sequence[str]) -> list[dict[str, float | None]]:
    return [dict(zip(names, decimals(row), strict=True)) for row in rows]


def predict_body(rows: np.ndarray, names: Sequence[str]) -> str:
    """``{"instances": [{"<feature>": value, ...}, ...]}``."""
    return json.dumps({"instances": named_rows(rows, names)})


def ordered_body(rows: np.ndarray) -> str:
    """``{"instances": [[v1, ..., vn], ...]}``: values in schema order, without names."""
    return json.dumps({"instances": [decimals(row) for row in rows]})


def csv_body(rows: np.ndarray) -> str:
    """``text/csv`` rows without a header (SageMaker's convention); an empty field is a missing value."""
    return "".join(",".join("" if v is None else repr(v) for v in decimals(row)) + "\n" for row in rows)


def http_api_event(body: str, path: str = "/predict", content_type: str = "application/json") -> dict[str, Any]:
    """What API Gateway's HTTP API hands a Lambda for ``POST path`` (payload format 2.0)."""
    return {
        "version": "2.0",
        "routeKey": f"POST {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": content_type, "content-length": str(len(body))},
        "requestContext": {
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "requestId": "bench",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def single_row_events(rows: np.ndarray, count: int, names: Sequence[str]) -> list[dict[str, Any]]:
    """One event per row for the first ``count`` rows (distinct rows, so nothing is answered from a cache)."""
    return [http_api_event(predict_body(row[None, :], names)) for row in rows[:count]]


def predictions_of(response: dict[str, Any], schema: Schema | None = None) -> list[Any]:
    """The numbers in a handler's HTTP response: values (regression), else the probability of the last class
    (binary) or of each class; the baseline answers those numbers directly."""
    if response.get("statusCode") != 200:
        raise RuntimeError(f"the handler answered {response.get('statusCode')}: {response.get('body')}")
    predictions = list(json.loads(response["body"])["predictions"])
    if schema is None or schema.task == "regression" or not predictions or not isinstance(predictions[0], dict):
        return predictions
    labels = schema.target.labels
    if schema.task == "binary":
        return [row["probabilities"][labels[-1]] for row in predictions]
    return [[row["probabilities"][label] for label in labels] for row in predictions]
