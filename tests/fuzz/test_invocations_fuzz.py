"""Fuzz /invocations per schema: any libsvm or jsonlines body gives a schema-valid matrix or a typed 4xx error,
never another exception; any request to ``invoke`` gives an answer or a 4xx JSON error. The two decoder
properties are main tests (``make fuzz``: ``FUZZ_EXAMPLES``, 10,000, per schema; ``make test``: about 150 in all,
see tests/fuzz/profiles.py); the others are secondary."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from inference.errors import InferenceError
from inference.model.bundle import ModelBundle
from inference.model.columns import Columns
from inference.protocols.formats import application_jsonlines, text_csv, text_libsvm
from inference.protocols.limits import MAX_ROWS
from inference.protocols.sagemaker import answers
from inference.protocols.sagemaker.invocations import invoke
from tests.fuzz import profiles
from tests.fuzz.schemas import DECODER_SCHEMAS, LAMBDA_SCHEMAS, Fuzzed, each, fixture_params
from tests.support.datasets import rows_for

CLIENT_ERRORS = {400, 406, 413, 415}
NUMBER_TEXT = st.floats(allow_nan=True, allow_infinity=True).map(repr) | st.sampled_from(
    ["nan", "-inf", "1e400", "1_0", "0x10", "", " ", "1.5.5", "\u0661", "+.5", "-0", "3", str(10**30)]
)  # fmt: skip
INDEX_TEXT = st.integers(0, 6).map(str) | st.sampled_from(["-1", "00", "9" * 30, "a", "", "1.0", "\u0663", " 2"])
TOKEN = st.tuples(INDEX_TEXT, st.sampled_from([":", "::", "", ": "]), NUMBER_TEXT).map("".join) | st.text(max_size=6)
ODD_JSON = st.sampled_from([True, "web", "", 10**400, -(10**400), 1e308, [], {}, [1], {"a": 1}])
JUNK_JSON = st.sampled_from(['{"features": [1], "features": [2]}', "[" * 3000, "[1, 2,", "NaN", '{"features": 1}',
                             "[1, 2, 3, 4, Infinity]", '{"features": [1, 2, 3, 4], "x": 0}', "{}", "null"])  # fmt: skip
SEPARATORS = st.sampled_from(["\n", "\r\n", "\n\n", "\n \n", "\n", "\r"])
RARELY = st.sampled_from([False] * 7 + [True])  # Hypothesis leans to the first of a list, so False most of the time


def values_for(columns: Columns) -> st.SearchStrategy[list[float | None]]:
    """A valid row for ``columns`` (optional features sometimes absent); now and then with one odd value."""
    valid, odd = [], []
    for feature in columns.features:
        if feature.categories is not None:
            value = st.integers(0, len(feature.categories) - 1).map(float)
            odd.append(st.sampled_from([-1.0, float(len(feature.categories)), 0.5, math.inf]))
        else:
            value = st.floats(feature.minimum, feature.maximum)
            odd.append(st.sampled_from([(feature.minimum or 0) - 1, (feature.maximum or 0) + 1, -math.inf]))
        valid.append(value | st.none() if feature.missing else value)
    rows = st.tuples(*valid).map(list)
    return st.tuples(rows, RARELY, st.integers(0, len(odd) - 1), st.tuples(*odd)).map(_with_one_odd_value)


def _with_one_odd_value(drawn: tuple[list[float | None], bool, int, tuple[float, ...]]) -> list[float | None]:
    row, mutate, column, odd = drawn
    if mutate:
        row[column] = None if column % 3 == 2 else odd[column]
    return row


def mostly(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``strategy`` three times in four, else any text."""
    return st.one_of(strategy, strategy, strategy, st.text(max_size=80))


@st.composite
def libsvm_body(draw: st.DrawFn, columns: Columns) -> str:
    lines = []
    for row in draw(st.lists(values_for(columns), min_size=1, max_size=4)):
        tokens = [f"{i}:{v!r}" for i, v in enumerate(row) if v is not None]
        if draw(RARELY):  # any order is valid
            tokens = draw(st.permutations(tokens))
        if draw(RARELY):
            tokens.insert(draw(st.integers(0, len(tokens))), draw(TOKEN))
        label = draw(st.sampled_from(["", "1 ", "", "-0.5 ", "x "]))
        lines.append(label + draw(st.sampled_from([" ", "  ", "\t"])).join(tokens))
    return draw(SEPARATORS).join(lines)


@st.composite
def jsonlines_body(draw: st.DrawFn, columns: Columns) -> str:
    lines = []
    for row in draw(st.lists(values_for(columns), min_size=1, max_size=4)):
        values: list[Any] = list(row)
        mutation = draw(st.sampled_from(["none"] * 9 + ["odd value", "length", "junk"]))
        if mutation == "odd value":
            values[draw(st.integers(0, len(values) - 1))] = draw(ODD_JSON)
        elif mutation == "length":
            values = values[:-1] if draw(st.booleans()) else [*values, 1.0]
        document = {"features": values} if draw(st.booleans()) else values
        lines.append(draw(JUNK_JSON) if mutation == "junk" else json.dumps(document))
    return draw(SEPARATORS).join(lines)


def assert_client_error(error: InferenceError) -> None:
    body = error.to_body()
    assert error.status in CLIENT_ERRORS, (error.status, body)
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]) <= {"code", "message", "field", "row"}
    assert len(json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")) < 2048


def assert_schema_valid(matrix: np.ndarray, columns: Columns) -> None:
    assert matrix.dtype == np.float32 and matrix.ndim == 2 and matrix.shape[1] == len(columns.names)
    assert 1 <= len(matrix) <= MAX_ROWS
    for column, feature in enumerate(columns.features):
        values = matrix[:, column]
        present = values[~np.isnan(values)]
        assert feature.missing or len(present) == len(values), feature.name
        assert np.isfinite(present).all()
        if feature.categories is not None:
            assert ((present == np.floor(present)) & (present >= 0) & (present < len(feature.categories))).all()
        else:
            assert (present >= np.float32(feature.minimum)).all() and (present <= np.float32(feature.maximum)).all()


def decoded_or_client_error(read: Callable[[str, Columns], np.ndarray], text: str, columns: Columns) -> None:
    try:
        matrix = read(text, columns)
    except InferenceError as error:
        assert_client_error(error)
        event(f"refused: {error.code}")
    else:
        assert_schema_valid(matrix, columns)
        event("decoded")


@each(DECODER_SCHEMAS)
@profiles.main(len(DECODER_SCHEMAS))
@given(data=st.data())
def test_any_libsvm_body_decodes_or_is_a_client_error(fuzzed: Fuzzed, data: st.DataObject) -> None:
    text = data.draw(mostly(libsvm_body(fuzzed.columns)), label="body")
    decoded_or_client_error(text_libsvm.read, text, fuzzed.columns)


@each(DECODER_SCHEMAS)
@profiles.main(len(DECODER_SCHEMAS))
@given(data=st.data())
def test_any_jsonlines_body_decodes_or_is_a_client_error(fuzzed: Fuzzed, data: st.DataObject) -> None:
    text = data.draw(mostly(jsonlines_body(fuzzed.columns)), label="body")
    decoded_or_client_error(application_jsonlines.read, text, fuzzed.columns)


@pytest.fixture(scope="module", **fixture_params(LAMBDA_SCHEMAS))
def served(request: pytest.FixtureRequest) -> tuple[Fuzzed, ModelBundle]:
    fuzzed: Fuzzed = request.param
    return fuzzed, ModelBundle.load(str(request.getfixturevalue(fuzzed.model_fixture)))


ODD_CONTENT_TYPES = st.sampled_from([None, "", "text/csv", "text/libsvm", "application/jsonlines", "application/json",
                                     "application/x-recordio-protobuf", "text/csv; label_size=0", " ; "]) | st.text(
    max_size=20)  # fmt: skip
ACCEPTS = st.sampled_from([None, "*/*", "text/csv", "application/json", "application/jsonlines"])
ODD_ACCEPTS = st.sampled_from(["", "text/html", "application/json;q=0", "a/b, */*;q=0.2", "text/csv;q=x",
                               "application/jsonlines;q=0.1, text/csv", "application/x-recordio-protobuf"]) | st.text(
    max_size=20)  # fmt: skip
DEFAULT_ACCEPTS = st.sampled_from([None] * 5 + ["application/json", "application/jsonlines", "", "text/libsvm"])
ODD_KEYS = st.sampled_from(["", "score", "predicted_score", "probability", "x,,y", " , "]) | st.text(max_size=15)


def requests_for(columns: Columns) -> st.SearchStrategy[tuple[bytes, str | None]]:
    """A body and its Content-Type: three times in four a body of that type (mostly valid), else anything."""
    csv_body = st.lists(values_for(columns), min_size=1, max_size=4).map(
        lambda rows: "\n".join(",".join("" if v is None else repr(v) for v in row) for row in rows)
    )
    matched = st.one_of(
        st.tuples(csv_body, st.sampled_from(["text/csv", None, "text/csv; charset=utf-8", "csv"])),
        st.tuples(libsvm_body(columns), st.sampled_from(["text/libsvm", "text/x-libsvm", "libsvm"])),
        st.tuples(jsonlines_body(columns), st.just("application/jsonlines")),
    ).map(lambda request: (request[0].encode(), request[1]))
    anything = st.tuples(st.text(max_size=60).map(str.encode) | st.binary(max_size=60), ODD_CONTENT_TYPES)
    return st.one_of(matched, matched, matched, anything)


def keys_for(objective: str) -> st.SearchStrategy[str | None]:
    chosen = st.lists(st.sampled_from(answers.valid_keys(objective)), min_size=1, max_size=4).map(",".join)
    return st.one_of(st.none(), chosen, chosen, ODD_KEYS)


@profiles.secondary(len(LAMBDA_SCHEMAS))
@given(data=st.data(), accept=st.one_of(ACCEPTS, ACCEPTS, ACCEPTS, ODD_ACCEPTS), default_accept=DEFAULT_ACCEPTS)
def test_any_request_is_answered_or_is_a_client_error(
    served: tuple[Fuzzed, ModelBundle], data: st.DataObject, accept: str | None, default_accept: str | None
) -> None:
    fuzzed, bundle = served
    body, content_type = data.draw(requests_for(fuzzed.columns), label="body, content_type")
    keys = data.draw(keys_for(bundle.ensemble.objective), label="keys")
    try:
        answer = invoke(bundle, body, content_type, accept, keys, default_accept)
    except InferenceError as error:
        assert_client_error(error)
        event(f"refused: {error.status}")
        return
    event(f"answered: {answer.status} {answer.content_type}")
    assert (answer.status == 204) == (body == b"")
    if answer.content_type == "application/json":
        json.loads(answer.body, parse_constant=_no_constants)
    elif answer.content_type == "application/jsonlines":
        assert all(json.loads(line, parse_constant=_no_constants) for line in answer.body.splitlines())
    elif answer.status == 200:
        assert answer.content_type == "text/csv; charset=utf-8" and b"nan" not in answer.body.lower()


def _no_constants(name: str) -> Any:
    raise AssertionError(f"{name} in a JSON answer")


@each(DECODER_SCHEMAS)
@profiles.secondary(len(DECODER_SCHEMAS))
@given(seed=st.integers(0, 10_000), count=st.integers(1, 30))
def test_valid_rows_decode_to_the_same_matrix_in_every_request_type(fuzzed: Fuzzed, seed: int, count: int) -> None:
    columns = fuzzed.columns
    rows = rows_for(fuzzed.schema, count, seed=seed, missing_share=0.3)
    cells = [["" if np.isnan(v) else repr(float(v)) for v in row] for row in rows]
    bodies = {
        text_csv.read_coded: "\n".join(",".join(row) for row in cells),
        text_libsvm.read: "\n".join(" ".join(f"{i}:{v}" for i, v in enumerate(row) if v) for row in cells),
        application_jsonlines.read: "\n".join(json.dumps([float(v) if v else None for v in row]) for row in cells),
    }
    for decode, text in bodies.items():
        np.testing.assert_array_equal(decode(text, columns), rows)
