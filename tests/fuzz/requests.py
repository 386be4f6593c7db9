"""Request strategies for one schema: rows, JSON payloads, CSV and raw bodies, query strings; valid, nearly
valid and hostile. ``requests_for(schema)`` builds them once per schema.

Rows are drawn whole-valid (every value valid, optional features sometimes left out; half of them), valid but
for one or two values, or wild (each value valid, nearly valid or odd), so that a good share of requests
reaches the model and the answer contract is checked on real predictions, not only on refusals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from hypothesis import strategies as st

from inference.model.schema import Schema
from inference.protocols.limits import MAX_ROWS
from tests.fuzz.strategies import (
    ANY_JSON,
    CONTENT_TYPES,
    CSV_TYPES,
    JSON_TYPES,
    ODD_VALUES,
    feature_names,
    feature_value,
    nearly_valid_value,
    text_cell,
    valid_value,
    weighted,
)

SEPARATORS = st.sampled_from([",", ",", ", ", ";", "\t"])
NEWLINES = st.sampled_from(["\n", "\n", "\r\n", "\r", "\u2028", "\n\n"])


@dataclass(frozen=True)
class Requests:
    schema: Schema
    valid_rows: st.SearchStrategy[list[Any]]
    """Rows of valid values in model order (None where a value is missing)."""
    payloads: st.SearchStrategy[Any]
    """Decoded JSON documents."""
    bodies: st.SearchStrategy[tuple[str | bytes, str | None]]
    """(body, Content-Type): JSON or CSV under a type that says so, or any body under any type."""
    queries: st.SearchStrategy[dict[str, list[str]]]


_BUILT: dict[str, Requests] = {}


def requests_for(schema: Schema) -> Requests:
    if schema.name not in _BUILT:
        _BUILT[schema.name] = _build(schema)
    assert _BUILT[schema.name].schema is schema, f"two schemas are called {schema.name!r}"
    return _BUILT[schema.name]


def _build(schema: Schema) -> Requests:
    names = feature_names(schema.names)
    valid_row = st.tuples(*(valid_value(f) for f in schema.features)).map(list)
    rows = _rows(schema, valid_row)
    named, ordered = _named_rows(schema, rows), rows | rows.flatmap(_resized)
    instances = st.lists(named | _odd_named_rows(schema, named, names) | ordered | ANY_JSON, max_size=4)
    valid_batch = st.lists(valid_row | _named_rows(schema, valid_row), min_size=1, max_size=5)
    valid_csv = st.builds(_csv, st.lists(valid_row, min_size=1, max_size=3), NEWLINES, st.just(","))
    csv = weighted((1, valid_csv), (2, st.builds(_csv, st.lists(ordered, max_size=3), NEWLINES, SEPARATORS)))
    valid_payloads = st.fixed_dictionaries({"instances": valid_batch}) | st.builds(dict, pred_x_csv=valid_csv)
    payloads = weighted((2, valid_payloads), (3, (
        st.fixed_dictionaries({"instances": instances})
        | st.fixed_dictionaries({"pred_x_csv": csv | st.text(max_size=80)})
        | st.fixed_dictionaries({"instances": instances}, optional={"pred_x_csv": ANY_JSON, "extra": ANY_JSON})
        | ANY_JSON
    )))  # fmt: skip
    json_texts = _json_texts(schema, payloads)
    oversized = st.sampled_from(["bytes", "rows", "csv"]).map(lambda kind: _oversized(schema, kind))
    anything = json_texts | csv | st.text(max_size=100) | st.binary(max_size=100)
    bodies = weighted((4, st.tuples(json_texts, JSON_TYPES)), (2, st.tuples(csv, CSV_TYPES)),
                      (3, st.tuples(anything, CONTENT_TYPES)), (1, st.tuples(oversized, CONTENT_TYPES)))  # fmt: skip
    query_values = st.lists(st.text(max_size=12) | st.floats().map(repr) | st.integers().map(str), min_size=1,
                            max_size=2)  # fmt: skip
    queries = weighted((2, _queries(schema, rows)), (1, st.dictionaries(names, query_values, max_size=10)))
    return Requests(schema, valid_row, payloads, bodies, queries)


def _rows(schema: Schema, valid_row: st.SearchStrategy[list[Any]]) -> st.SearchStrategy[list[Any]]:
    """Whole-valid rows, rows with one or two nearly valid or odd values, and wild rows."""
    features = schema.features
    change = st.tuples(st.integers(0, len(features) - 1), st.sampled_from(features).flatmap(feature_value))
    one_off = st.builds(_spoil, valid_row, st.lists(change, min_size=1, max_size=2))
    near = st.tuples(*(valid_value(f) | nearly_valid_value(f) for f in features)).map(list)
    wild = st.tuples(*(feature_value(f) for f in features)).map(list)
    return weighted((3, valid_row), (1, one_off), (1, near), (1, wild))


def _spoil(row: list[Any], changes: list[tuple[int, Any]]) -> list[Any]:
    row = list(row)
    for column, value in changes:
        row[column] = value
    return row


@st.composite
def _named_rows(draw: st.DrawFn, schema: Schema, rows: st.SearchStrategy[list[Any]]) -> dict[str, Any]:
    """An object row; a missing value is null or, for an optional feature, an absent key."""
    named = dict(zip(schema.names, draw(rows), strict=True))
    for feature in schema.features:
        if feature.missing and named[feature.name] is None and draw(st.booleans()):
            del named[feature.name]
    return named


@st.composite
def _odd_named_rows(draw: st.DrawFn, schema: Schema, named: st.SearchStrategy[dict[str, Any]],
                    names: st.SearchStrategy[str]) -> dict[str, Any]:  # fmt: skip
    """An object row with features left out (required or optional) and keys added (near misses, any text)."""
    row = draw(named)
    for name in draw(st.lists(st.sampled_from(schema.names), max_size=2)):
        row.pop(name, None)
    row.update(draw(st.dictionaries(names, ODD_VALUES, max_size=2)))
    return row


@st.composite
def _queries(draw: st.DrawFn, schema: Schema, rows: st.SearchStrategy[list[Any]]) -> dict[str, list[str]]:
    """A query string naming each feature once; a missing value is left out or sent empty."""
    query = {}
    for feature, value in zip(schema.features, draw(rows), strict=True):
        if value is not None or not draw(st.booleans()):
            query[feature.name] = [text_cell(value)]
    return query


def _resized(row: list[Any]) -> st.SearchStrategy[list[Any]]:
    return st.sampled_from([row[:-1], [*row, 1.0], []])


def _csv(rows: list[list[Any]], newline: str, separator: str) -> str:
    return newline.join(separator.join(text_cell(value) for value in row) for row in rows)


def _json_texts(schema: Schema, payloads: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    kinds = st.sampled_from(["payload", "payload", "truncated", "nested", "big_number", "duplicate", "text"])
    return st.builds(partial(_json_text, schema), kinds, payloads, st.integers(0, 10**6), st.text(max_size=50),
                     st.sampled_from([10, 500, 5000, 100_000]), st.sampled_from([20, 310, 4301, 10_000]))  # fmt: skip


def _json_text(schema: Schema, kind: str, payload: Any, cut: int, text: str, depth: int, digits: int) -> str:
    document = json.dumps(payload, allow_nan=True)
    if kind == "truncated":
        return document[: cut % max(len(document), 1)]
    if kind == "nested":
        return '{"instances": ' + "[" * depth + "]" * depth + "}"
    if kind == "big_number":
        return '{"instances": [[' + ",".join(["9" * digits] * len(schema.names)) + "]]}"
    if kind == "duplicate":
        return document.replace("{", '{"instances": 1, ', 1)
    return document if kind == "payload" else text


def _oversized(schema: Schema, kind: str) -> bytes | str:
    """A body over the size limit, or one row more than ``MAX_ROWS`` (as JSON or CSV)."""
    if kind == "bytes":
        return b"{" * (1024 * 1024 + 1)
    row = schema.example_values()
    if kind == "csv":
        return "\n".join([",".join(text_cell(value) for value in row)] * (MAX_ROWS + 1))
    return json.dumps({"instances": [row] * (MAX_ROWS + 1)})
