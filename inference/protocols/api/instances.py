"""Decode requests into a validated float32 matrix in the loaded schema's feature order.

Accepted shapes (every backend, every schema, same rules):
- ``application/json``: ``{"instances": [{"<feature>": value, ...}, ...]}`` (named; optional features may be
  left out) or ``{"instances": [[v1, v2, ...], ...]}`` (ordered), or the seed samples' ``{"pred_x_csv": "..."}``.
- ``text/csv``: one row per line, values in schema order, no header (SageMaker's convention); an empty
  field is a missing value.
- query parameters: one row, each feature named once (``?MedInc=8.3&HouseAge=41&...``).
Values are numbers, category names for categorical features, and null (or absent) where missing is allowed.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from inference.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from inference.model.columns import Columns, check_row_count, echoed
from inference.model.schema import MAX_BODY_BYTES, MAX_ROWS

JSON_TYPE = "application/json"
CSV_TYPE = "text/csv"
BULK_BYTES = 16 * 1024
"""Bodies larger than this (about 100 rows) are decoded with the cyclic garbage collector paused (see
``_collection_paused``), and plain numeric instances by msgspec (``inference.protocols.api.bulk_json``)."""


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


def decode_body(body: bytes | str, content_type: str | None, columns: Columns) -> np.ndarray:
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
    if len(text) <= BULK_BYTES:
        return _decode_text(kind, text, columns, large=False)
    with _collection_paused():
        return _decode_text(kind, text, columns, large=True)


def _decode_text(kind: str, text: str, columns: Columns, *, large: bool) -> np.ndarray:
    if kind == CSV_TYPE:
        return decode_csv(text, columns, field="body")
    fast = _bulk_instances(text, columns) if large else _plain_instances(text, columns)
    return fast if fast is not None else decode_payload(_load_json(text), columns)


def _bulk_instances(text: str, columns: Columns) -> np.ndarray | None:
    from inference.protocols.api import bulk_json  # msgspec: imported by the first large body, not by every cold start

    return bulk_json.plain_matrix(text, columns)


@contextmanager
def _collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a large body is decoded: its thousands of new dicts, lists and tuples
    (none of them in a cycle) would otherwise set off collections that walk every object of the process, a
    third of the decoding time for 1000 rows. Collection resumes afterwards, if it was on."""
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def no_key_repeats(text: str, keys_held: int) -> bool:
    """Whether a JSON text whose parsed objects hold ``keys_held`` keys in all proves that no key repeats,
    whatever parsed it (the standard library and msgspec both keep the last of a repeated key): every key is
    followed by one colon, so the text has at least as many colons as keys, and at least as many keys as
    the parsed objects hold. When its colons are exactly as many, no key was dropped and none hides in a
    string or a nested object."""
    return text.count(":") == keys_held


def _plain_instances(text: str, columns: Columns) -> np.ndarray | None:
    """``{"instances": [...]}`` decoded without the duplicate-key hook when the text proves there is no
    duplicate to find (``no_key_repeats``: the top object's key and the row objects'). None when anything
    is unusual: the general path then decodes (and refuses) exactly as before."""
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if type(payload) is not dict or len(payload) != 1 or type(payload.get("instances")) is not list:
        return None
    rows = payload["instances"]
    if not 0 < len(rows) <= MAX_ROWS:
        return None
    kinds = set(map(type, rows))
    if kinds not in ({dict}, {list}):
        return None
    named = kinds == {dict}
    held = sum(map(len, rows)) if named else 0
    return columns.plain_matrix(rows, named) if no_key_repeats(text, 1 + held) else None


def _load_json(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_object_pairs)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"request body is not valid JSON: {exc}", code="malformed_json", field="body") from exc


def decode_payload(payload: object, columns: Columns) -> np.ndarray:
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
        return decode_csv(payload["pred_x_csv"], columns, field="pred_x_csv")
    return _decode_instances(payload["instances"], columns)


def _decode_instances(instances: object, columns: Columns) -> np.ndarray:
    if not isinstance(instances, list):
        raise InvalidInput("instances must be a list of rows", code="malformed_json", field="instances")
    check_row_count(len(instances), "instances")
    return columns.matrix([_decode_row(row, i, columns) for i, row in enumerate(instances)])


def _decode_row(row: object, index: int, columns: Columns) -> list[float]:
    if isinstance(row, dict):
        if isinstance(row, _DuplicateKeys):
            name = echoed(row.duplicate)
            raise InvalidInput(f"{name} appears twice in row {index}", code="duplicate_feature", field=name, row=index)
        return columns.named_row(row, index)
    if isinstance(row, list):
        return columns.ordered_row(row, index, "instances")
    raise InvalidInput(f"row {index} must be an object of named features or a list of {len(columns.names)} values",
                       code="malformed_json", field="instances", row=index)  # fmt: skip


def decode_csv(text: str, columns: Columns, *, field: str) -> np.ndarray:
    lines = [line for line in text.splitlines() if line.strip()]
    check_row_count(len(lines), field)
    if lines and [cell.strip() for cell in lines[0].split(",")] == list(columns.names):
        raise InvalidInput("CSV rows take no header line (SageMaker convention); remove it", code="not_a_number",
                           field=columns.names[0], row=0)  # fmt: skip
    rows = []
    for index, line in enumerate(lines):
        cells = line.split(",")
        columns.check_length(cells, index, field)
        rows.append([columns.text_value(cell, index, column) for column, cell in enumerate(cells)])
    return columns.matrix(rows)


def decode_query(params: Mapping[str, Sequence[str]], columns: Columns) -> np.ndarray:
    """One row from query parameters; each name maps to every value given for it. An optional feature may be
    left out (missing); a name given without a value counts as not given."""
    params = {name: values for name, values in params.items() if values}
    for name, values in params.items():
        if name in columns.index and len(values) > 1:
            raise InvalidInput(f"{name} is given {len(values)} times", code="duplicate_feature", field=name, row=0)
    columns.check_keys(params.keys(), 0)
    row = [columns.text_value(params[name][0], 0, column) if name in params else math.nan
           for column, name in enumerate(columns.names)]  # fmt: skip
    return columns.matrix([row])
