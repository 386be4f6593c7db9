"""``application/json``: our API's request documents, and JSON answers.

Requests (``/predict``, ``/explain``): ``{"instances": [{"<feature>": value, ...}, ...]}`` (named; optional
features may be left out), ``{"instances": [[v1, v2, ...], ...]}`` (ordered), or the seed samples'
``{"pred_x_csv": "..."}``. Values are numbers, category names, and null (or absent) where missing is allowed.
Plain numeric rows take fast paths (``_plain_instances``; ``bulk_json`` for large bodies) that answer exactly
what the general path answers. Answers: ``json.dumps`` of the document, byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from inference.errors import InvalidInput, echoed, json_refusal
from inference.model.columns import Columns
from inference.protocols import json_text
from inference.protocols.formats import text_csv
from inference.protocols.json_text import no_key_repeats
from inference.protocols.limits import MAX_ROWS, check_row_count

MEDIA_TYPE = "application/json"
BULK_BYTES = 16 * 1024
"""Bodies larger than this (about 100 rows) take msgspec's path (``bulk_json``) for plain numeric instances."""
BULK_VALUES = 64
"""Answers with at least this many regression values have them written by ``bulk_json``."""


def read(text: str, columns: Columns) -> np.ndarray:
    """The checked matrix of a request document."""
    fast = _bulk_instances(text, columns) if len(text) > BULK_BYTES else _plain_instances(text, columns)
    return fast if fast is not None else read_payload(load_json(text), columns)


def write(records: list[dict[str, Any]], keys: list[str] | None) -> bytes:
    """SageMaker's JSON answer: ``{"predictions": records}`` (``keys`` is for CSV)."""
    return json.dumps({"predictions": records}, allow_nan=False).encode()


def write_document(body: dict[str, Any]) -> str:
    """``json.dumps(body)``, byte for byte; a long list of regression values (the answer's first key) is
    written by msgspec when it writes them exactly as ``json.dumps`` does (``bulk_json.float_list``)."""
    predictions = body.get("predictions")
    if type(predictions) is list and len(predictions) >= BULK_VALUES and next(iter(body)) == "predictions":
        from inference.protocols.formats import bulk_json  # msgspec: imported by the first long answer only

        values = bulk_json.float_list(predictions)
        if values is not None:
            rest = json_text.dumps({key: value for key, value in body.items() if key != "predictions"})
            return '{"predictions": ' + values + (", " + rest[1:] if rest != "{}" else "}")
    return json_text.dumps(body)


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


def _bulk_instances(text: str, columns: Columns) -> np.ndarray | None:
    from inference.protocols.formats import bulk_json  # msgspec: imported by the first large body only

    return bulk_json.plain_matrix(text, columns)


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


def load_json(text: str) -> Any:
    """The JSON document, its objects with a repeated key marked (``repeated_key``); malformed JSON is a 400."""
    try:
        return json.loads(text, object_pairs_hook=_object_pairs)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(
            f"request body is not valid JSON: {json_refusal(exc)}", code="malformed_json", field="body"
        ) from exc


def repeated_key(value: object) -> str | None:
    """The key an object of ``load_json`` repeats, if it repeats one."""
    return value.duplicate if isinstance(value, _DuplicateKeys) else None


def read_payload(payload: object, columns: Columns) -> np.ndarray:
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
        return text_csv.read_named(payload["pred_x_csv"], columns, field="pred_x_csv")
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
