"""Decode requests into a validated float32 matrix in schema order.

Accepted shapes (every backend, same rules):
- ``application/json``: ``{"instances": [{"MedInc": 8.3, ...}, ...]}`` (named) or
  ``{"instances": [[8.3, 41, ...], ...]}`` (ordered), or the seed samples' ``{"pred_x_csv": "8.3,41,..."}``.
- ``text/csv``: one row per line, values in schema order, no header (SageMaker's convention).
- query parameters: one row, each feature named once (``?MedInc=8.3&HouseAge=41&...``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from inference.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from inference.schema import FEATURE_INDEX, FEATURE_NAMES, MAX_BODY_BYTES
from inference.validation import check_length, check_row_count, echoed, json_number, text_number, to_matrix

JSON_TYPE = "application/json"
CSV_TYPE = "text/csv"


class _DuplicateKeys(dict[str, Any]):
    """A JSON object that repeated a key; rejected where its row number is known."""

    duplicate: str = ""


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    marked = _DuplicateKeys(pairs)
    keys = [key for key, _ in pairs]
    marked.duplicate = next(key for i, key in enumerate(keys) if key in keys[:i])
    return marked


def body_too_large() -> PayloadTooLarge:
    """The 413 for a body over MAX_BODY_BYTES; the HTTP server raises it while streaming, before decoding."""
    return PayloadTooLarge(f"request body is larger than {MAX_BODY_BYTES} bytes", code="body_too_large", field="body")


def media_type(content_type: str | None) -> str:
    return (content_type or JSON_TYPE).split(";", 1)[0].strip().lower() or JSON_TYPE


def decode_body(body: bytes | str, content_type: str | None) -> np.ndarray:
    if len(body) > MAX_BODY_BYTES:
        raise body_too_large()
    kind = media_type(content_type)
    if kind not in (JSON_TYPE, CSV_TYPE):
        raise UnsupportedMediaType(
            f"Content-Type {kind!r} is not supported; use {JSON_TYPE} or {CSV_TYPE}", field="Content-Type"
        )
    try:
        text = (body.decode("utf-8") if isinstance(body, bytes) else body).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InvalidInput("request body is not UTF-8 text", code="malformed_body", field="body") from exc
    return decode_csv(text, field="body") if kind == CSV_TYPE else decode_payload(_load_json(text))


def _load_json(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_object_pairs)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"request body is not valid JSON: {exc}", code="malformed_json", field="body") from exc


def decode_payload(payload: object) -> np.ndarray:
    """A decoded JSON document: ``{"instances": [...]}`` or ``{"pred_x_csv": "..."}``."""
    if not isinstance(payload, dict):
        raise InvalidInput('the body must be a JSON object like {"instances": [...]}', code="missing_field",
                           field="instances")  # fmt: skip
    if isinstance(payload, _DuplicateKeys):
        name = echoed(payload.duplicate)
        raise InvalidInput(f"key {name!r} appears twice", code="duplicate_field", field=name)
    unknown = sorted(set(payload) - {"instances", "pred_x_csv"})
    if unknown or len(payload) != 1:
        field = echoed(unknown[0]) if unknown else "instances"
        raise InvalidInput('send exactly one of "instances" or "pred_x_csv"', code="unknown_field", field=field)
    if "pred_x_csv" in payload:
        if not isinstance(payload["pred_x_csv"], str):
            raise InvalidInput("pred_x_csv must be a string of CSV rows", code="malformed_csv", field="pred_x_csv")
        return decode_csv(payload["pred_x_csv"], field="pred_x_csv")
    return _decode_instances(payload["instances"])


def _decode_instances(instances: object) -> np.ndarray:
    if not isinstance(instances, list):
        raise InvalidInput("instances must be a list of rows", code="malformed_json", field="instances")
    check_row_count(len(instances), "instances")
    return to_matrix([_decode_row(row, i) for i, row in enumerate(instances)])


def _decode_row(row: object, index: int) -> list[float]:
    if isinstance(row, dict):
        return _named_row(row, index)
    if isinstance(row, list):
        check_length(row, index, "instances")
        return [json_number(value, index, column) for column, value in enumerate(row)]
    raise InvalidInput(f"row {index} must be an object of named features or a list of {len(FEATURE_NAMES)} numbers",
                       code="malformed_json", field="instances", row=index)  # fmt: skip


def _named_row(row: dict[str, Any], index: int) -> list[float]:
    if isinstance(row, _DuplicateKeys):
        name = echoed(row.duplicate)
        raise InvalidInput(f"{name} appears twice in row {index}", code="duplicate_feature", field=name, row=index)
    if len(row) != len(FEATURE_NAMES) or any(name not in row for name in FEATURE_NAMES):
        _raise_key_mismatch(row.keys(), index)
    return [json_number(row[name], index, column) for column, name in enumerate(FEATURE_NAMES)]


def _raise_key_mismatch(keys: Any, row: int | None) -> None:
    missing = [name for name in FEATURE_NAMES if name not in keys]
    if missing:
        raise InvalidInput(f"{missing[0]} is missing", code="missing_feature", field=missing[0], row=row)
    unknown = echoed(next(key for key in keys if key not in FEATURE_INDEX))
    raise InvalidInput(f"{unknown!r} is not a feature; expected {', '.join(FEATURE_NAMES)}", code="unknown_feature",
                       field=unknown, row=row)  # fmt: skip


def decode_csv(text: str, *, field: str) -> np.ndarray:
    lines = [line for line in text.splitlines() if line.strip()]
    check_row_count(len(lines), field)
    if lines and lines[0].replace(" ", "").split(",") == list(FEATURE_NAMES):
        raise InvalidInput("CSV rows take no header line (SageMaker convention); remove it", code="not_a_number",
                           field=FEATURE_NAMES[0], row=0)  # fmt: skip
    rows = []
    for index, line in enumerate(lines):
        cells = line.split(",")
        check_length(cells, index, field)
        rows.append([text_number(cell, index, column) for column, cell in enumerate(cells)])
    return to_matrix(rows)


def decode_query(params: Mapping[str, Sequence[str]]) -> np.ndarray:
    """One row from query parameters; each name maps to every value given for it."""
    params = {name: values for name, values in params.items() if values}  # a name without a value is not given
    for name, values in params.items():
        if name in FEATURE_INDEX and len(values) > 1:
            raise InvalidInput(f"{name} is given {len(values)} times", code="duplicate_feature", field=name, row=0)
    if len(params) != len(FEATURE_NAMES) or any(name not in params for name in FEATURE_NAMES):
        _raise_key_mismatch(params.keys(), 0)
    return to_matrix([[text_number(params[name][0], 0, column) for column, name in enumerate(FEATURE_NAMES)]])
