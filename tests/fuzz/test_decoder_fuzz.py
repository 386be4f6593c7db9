"""Fuzz the request decoders: any body, content type or query gives a valid matrix or a typed 4xx error."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from inference import codecs
from inference.errors import InferenceError
from inference.schema import FEATURE_NAMES
from tests.fuzz import profiles
from tests.fuzz.contract import assert_error_body, assert_valid_matrix
from tests.fuzz.strategies import BODIES, CONTENT_TYPES, OVERSIZED, PAYLOADS, QUERIES, VALID_VALUE


def decoded_or_client_error(decode: Callable[[], np.ndarray]) -> np.ndarray | None:
    """Run a decoder; it must return a valid matrix or raise an InferenceError with a documented 4xx body."""
    try:
        matrix = decode()
    except InferenceError as error:
        assert_error_body(error.status, error.to_body())
        return None
    assert_valid_matrix(matrix)
    return matrix


@given(body=BODIES | OVERSIZED, content_type=CONTENT_TYPES, as_bytes=st.booleans())
@example(body='{"instances": [{"\ud800": 1}]}', content_type=None, as_bytes=False)
@example(body='{"\udc00": 1, "instances": []}', content_type=None, as_bytes=False)
@example(body='{"instances": [{"' + "k" * 5000 + '": 1}]}', content_type=None, as_bytes=False)
def test_any_body_decodes_or_is_a_client_error(body: str | bytes, content_type: str | None, as_bytes: bool) -> None:
    if as_bytes and isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    decoded_or_client_error(lambda: codecs.decode_body(body, content_type))


@profiles.secondary()
@given(payload=PAYLOADS)
def test_any_decoded_json_document_decodes_or_is_a_client_error(payload: object) -> None:
    decoded_or_client_error(lambda: codecs.decode_payload(payload))


@profiles.secondary()
@given(params=QUERIES)
@example(params={name: [] for name in FEATURE_NAMES})
def test_any_query_decodes_or_is_a_client_error(params: dict[str, list[str]]) -> None:
    decoded_or_client_error(lambda: codecs.decode_query(params))


VALID_ROWS = st.lists(st.tuples(*(VALID_VALUE[name] for name in FEATURE_NAMES)), min_size=1, max_size=20)


@profiles.secondary()
@given(rows=VALID_ROWS)
def test_valid_rows_decode_to_the_same_matrix_in_every_encoding(rows: list[tuple[float, ...]]) -> None:
    expected = np.array(rows, dtype=np.float32)
    named = json.dumps({"instances": [dict(zip(FEATURE_NAMES, row, strict=True)) for row in rows]})
    ordered = json.dumps({"instances": [list(row) for row in rows]})
    csv = "\n".join(",".join(repr(v) for v in row) for row in rows)
    seed = json.dumps({"pred_x_csv": csv})
    for body, content_type in ((named, None), (ordered, "application/json"), (csv, "text/csv"), (seed, None)):
        np.testing.assert_array_equal(codecs.decode_body(body, content_type), expected)
    query = {name: [repr(value)] for name, value in zip(FEATURE_NAMES, rows[0], strict=True)}
    np.testing.assert_array_equal(codecs.decode_query(query), expected[:1])
