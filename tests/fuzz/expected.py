"""What a fuzzed request must be answered, worked out apart from the transport under test: the in-process route
table over a Predictor of the same model file (every 2xx must be its answer, byte for byte), and xgboost itself for
valid rows (their answer must be 200 and carry xgboost's predictions, bit for bit)."""

from __future__ import annotations

import math
import tarfile
import urllib.parse
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

from inference import Predictor
from inference.model.schema import Schema
from inference.protocols.api.answers import answer as answer_document
from inference.routes import TABLE, Request, Response, answer


@cache
def predictor_of(model: str) -> Predictor:
    return Predictor(model, retry_seconds=3600)


@cache
def booster_of(model: str) -> xgb.Booster:
    with tarfile.open(model) as tar:
        member = tar.extractfile("xgboost-model")
        assert member is not None
        return xgb.Booster(model_file=bytearray(member.read()))


def in_process(model: Path, method: str, target: str, headers: dict[str, str], body: bytes) -> Response | None:
    """The route table's answer to the same request, in this process; None where no route takes it."""
    parts = urllib.parse.urlsplit(target)
    path = urllib.parse.unquote(parts.path, errors="surrogateescape")
    matched = TABLE.match(path)
    if matched is None or method not in matched.route.methods:
        return None
    query: dict[str, list[str]] = {}
    for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        query.setdefault(name, []).append(value)
    lowered = {name.lower(): value for name, value in headers.items()}
    request = Request(method, path, query, lowered, body, matched.params)
    return answer(matched.route, predictor_of(str(model)), request)


def assert_same_as_in_process(model: Path, method: str, target: str, headers: dict[str, str], body: bytes,
                              status: int, received: bytes) -> None:  # fmt: skip
    expected = in_process(model, method, target, headers, body)
    assert expected is not None, (method, target, status)
    wanted = expected.body if isinstance(expected.body, bytes) else expected.body.encode()
    assert (status, received) == (expected.status, wanted), (method, target, received[:300], wanted[:300])


def encoded(schema: Schema, rows: list[list[Any]]) -> np.ndarray:
    """Valid rows (names for categories, None where missing) as the model's float32 matrix, encoded here."""
    return np.array([[math.nan if value is None else float(feature.categories.index(value)) if feature.categories
                      else float(value) for feature, value in zip(schema.features, row, strict=True)]
                     for row in rows], dtype=np.float32)  # fmt: skip


def xgboost_answer(model: Path, schema: Schema, rows: list[list[Any]]) -> dict[str, Any]:
    """The /predict answer for valid rows, its predictions xgboost's own."""
    predicted = booster_of(str(model)).predict(xgb.DMatrix(encoded(schema, rows)))
    version = predictor_of(str(model)).model_version or ""
    return answer_document(schema, schema.target.objective, predicted, version)
