"""Requests the benchmark sends: named JSON rows, wrapped in API Gateway HTTP API (payload 2.0) events."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from inference.schema import FEATURE_NAMES


def named_rows(rows: np.ndarray) -> list[dict[str, float]]:
    """Rows as ``{feature: value}``; float32 values widen exactly, so every backend sees the same numbers."""
    return [dict(zip(FEATURE_NAMES, row.tolist(), strict=True)) for row in np.asarray(rows, dtype=np.float32)]


def predict_body(rows: np.ndarray) -> str:
    return json.dumps({"instances": named_rows(rows)})


def ordered_body(rows: np.ndarray) -> str:
    """``{"instances": [[v1, ..., v8], ...]}``: values in schema order, without names."""
    return json.dumps({"instances": np.asarray(rows, dtype=np.float32).tolist()})


def csv_body(rows: np.ndarray) -> str:
    """``text/csv`` rows without a header (SageMaker's convention); repr of a float32 round-trips it."""
    return "".join(",".join(repr(v) for v in row) + "\n" for row in np.asarray(rows, dtype=np.float32).tolist())


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


def single_row_events(rows: np.ndarray, count: int) -> list[dict[str, Any]]:
    """One event per row for the first ``count`` rows (distinct rows, so nothing is answered from a cache)."""
    return [http_api_event(predict_body(row[None, :])) for row in rows[:count]]


def predictions_of(response: dict[str, Any]) -> list[float]:
    """The USD predictions in a handler's HTTP response (ours and the baseline's share this shape)."""
    if response.get("statusCode") != 200:
        raise RuntimeError(f"the handler answered {response.get('statusCode')}: {response.get('body')}")
    return list(json.loads(response["body"])["predictions"])
