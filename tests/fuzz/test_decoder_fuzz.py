"""Fuzz the request decoders per schema: any body, content type or query gives a valid matrix or a typed 4xx."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import currently_in_test_context, event, given
from hypothesis import strategies as st

from inference.errors import InferenceError
from inference.model.schema import Schema
from inference.protocols.api import requests as api_requests
from tests.fuzz import profiles
from tests.fuzz.contract import assert_error_body, assert_valid_matrix
from tests.fuzz.requests import requests_for
from tests.fuzz.schemas import DECODER_SCHEMAS, UNSERVED_SCHEMAS, Fuzzed, each
from tests.fuzz.strategies import text_cell

PAST_FINDINGS = ['{"instances": [{"\ud800": 1}]}', '{"\udc00": 1, "instances": []}',
                 '{"instances": [{"' + "k" * 5000 + '": 1}]}']  # fmt: skip
"""Bodies that once got a 500 (docs/dev/reliability-findings.md F2): tried on every schema, every run."""
SCHEMA_NAMES = (*DECODER_SCHEMAS, *UNSERVED_SCHEMAS)
SCHEMAS = len(SCHEMA_NAMES)


def decoded_or_client_error(schema: Schema, decode: Callable[[], np.ndarray]) -> np.ndarray | None:
    """Run a decoder; it must return a valid matrix or raise an InferenceError with a documented 4xx body."""
    try:
        matrix = decode()
    except InferenceError as error:
        assert_error_body(error.status, error.to_body())
        _count(f"refused: {error.status} {error.code}")
        return None
    assert_valid_matrix(schema, matrix)
    _count("decoded")
    return matrix


def _count(outcome: str) -> None:
    """An event in Hypothesis' statistics (``make fuzz`` prints them); nothing in a plain test."""
    if currently_in_test_context():
        event(outcome)


@each(SCHEMA_NAMES)
@profiles.main(SCHEMAS)
@given(data=st.data())
def test_any_body_decodes_or_is_a_client_error(fuzzed: Fuzzed, data: st.DataObject) -> None:
    schema, requests = fuzzed.schema, requests_for(fuzzed.schema)
    body, content_type = data.draw(requests.bodies, label="body, content_type")
    if isinstance(body, str) and data.draw(st.booleans(), label="as_bytes"):
        body = body.encode("utf-8", "surrogatepass")
    decoded_or_client_error(schema, lambda: api_requests.read_body(body, content_type, fuzzed.columns))


@each(SCHEMA_NAMES)
@pytest.mark.parametrize("body", PAST_FINDINGS, ids=["surrogate-key", "surrogate-field", "long-key"])
def test_past_findings_are_client_errors(fuzzed: Fuzzed, body: str) -> None:
    assert decoded_or_client_error(fuzzed.schema, lambda: api_requests.read_body(body, None, fuzzed.columns)) is None


@each(SCHEMA_NAMES)
@profiles.secondary(SCHEMAS)
@given(data=st.data())
def test_any_decoded_json_document_decodes_or_is_a_client_error(fuzzed: Fuzzed, data: st.DataObject) -> None:
    payload = data.draw(requests_for(fuzzed.schema).payloads, label="payload")
    decoded_or_client_error(fuzzed.schema, lambda: api_requests.read_payload(payload, fuzzed.columns))


@each(SCHEMA_NAMES)
@profiles.secondary(SCHEMAS)
@given(data=st.data())
def test_any_query_decodes_or_is_a_client_error(fuzzed: Fuzzed, data: st.DataObject) -> None:
    params = data.draw(requests_for(fuzzed.schema).queries, label="params")
    decoded_or_client_error(fuzzed.schema, lambda: api_requests.read_query(params, fuzzed.columns))


@each(SCHEMA_NAMES)
def test_a_query_naming_features_without_values_is_a_client_error(fuzzed: Fuzzed) -> None:
    params: dict[str, list[str]] = {name: [] for name in fuzzed.schema.names}
    assert decoded_or_client_error(fuzzed.schema, lambda: api_requests.read_query(params, fuzzed.columns)) is None


def expected_matrix(schema: Schema, rows: list[list[Any]]) -> np.ndarray:
    """What valid rows must decode to: numbers as float32, a category as its index, a missing value as NaN."""

    def code(column: int, value: Any) -> float:
        categories = schema.features[column].categories
        return math.nan if value is None else float(categories.index(value) if categories else value)

    return np.array([[code(c, v) for c, v in enumerate(row)] for row in rows], dtype=np.float32)


def encodings(schema: Schema, rows: list[list[Any]]) -> list[tuple[str, str | None]]:
    """The same rows as named JSON (missing optional features left out), ordered JSON, CSV and pred_x_csv."""
    named = [{k: v for k, v in zip(schema.names, row, strict=True) if v is not None} for row in rows]
    csv = "\n".join(",".join(text_cell(value) for value in row) for row in rows)
    return [(json.dumps({"instances": named}), None), (json.dumps({"instances": rows}), "application/json"),
            (csv, "text/csv"), (json.dumps({"pred_x_csv": csv}), None)]  # fmt: skip


@each(SCHEMA_NAMES)
@profiles.secondary(SCHEMAS)
@given(data=st.data())
def test_valid_rows_decode_to_the_same_matrix_in_every_encoding(fuzzed: Fuzzed, data: st.DataObject) -> None:
    schema, columns = fuzzed.schema, fuzzed.columns
    rows = data.draw(st.lists(requests_for(schema).valid_rows, min_size=1, max_size=20), label="rows")
    expected = expected_matrix(schema, rows)
    for body, content_type in encodings(schema, rows):
        np.testing.assert_array_equal(api_requests.read_body(body, content_type, columns), expected, err_msg=body)
    query = {name: [text_cell(value)] for name, value in zip(schema.names, rows[0], strict=True)
             if value is not None}  # fmt: skip
    np.testing.assert_array_equal(api_requests.read_query(query, columns), expected[:1])
