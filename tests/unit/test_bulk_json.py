"""The msgspec paths for large bodies answer exactly as the standard library's: every accepted body decodes to
the same float32 bits, every refused one is the same error (status, code, field, row, message), and a long
list of values is written byte for byte as ``json.dumps`` writes it."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.model.columns import Columns
from inference.protocols.formats import application_json, bulk_json
from tests.support import decoding
from tests.support.datasets import FRAUD, HOUSING, SPECIES, rows_for
from tests.support.decoding import NUMBER_LITERALS, Decoder, general, row_text, served
from tests.support.requests import BAD_BODIES, ORDERED, ROW

COLUMNS = Columns(HOUSING)
PAD = " " * (application_json.BULK_BYTES + 1)
"""Leading whitespace is valid JSON: any document padded with it is decoded as a large body."""


def outcome(decode: Decoder, text: str, columns: Columns = COLUMNS) -> tuple[Any, ...]:
    return decoding.outcome(decode, text, columns)


def instances(*rows: str) -> str:
    return PAD + '{"instances": [' + ", ".join(rows) + "]}"


def named_row(**literals: str) -> str:
    """A named row as JSON text, any value replaced by a literal written as is."""
    values = {name: json.dumps(value) for name, value in ROW.items()} | literals
    return "{" + ", ".join(f"{json.dumps(name)}: {value}" for name, value in values.items()) + "}"


PLAIN = named_row()
BATCH = [named_row(MedInc=repr(round(1 + i / 7, 6))) for i in range(150)]
TRICKY = {
    "named rows": instances(*BATCH),
    "ordered rows": instances(*(json.dumps(ORDERED) for _ in range(150))),
    "integers": instances(named_row(HouseAge="41", Population="322")),
    "exponents": instances(named_row(HouseAge="4.1E1", Population="3220e-1")),
    "minus zero integer": instances(named_row(HouseAge="-0")),
    "minus zero float": instances(named_row(HouseAge="-0.0")),
    "minus zero below a minimum": instances(named_row(Latitude="-0")),
    "minus zero float below a minimum": instances(named_row(Latitude="-0.0")),
    "integer past 64 bits": instances(named_row(Population="123456789012345678901234567890")),
    "integer past float range": instances(named_row(Population="1" + "0" * 400)),
    "1e400": instances(named_row(Population="1e400")),
    "-1e400": instances(named_row(Longitude="-1e400")),
    "1e-400": instances(named_row(HouseAge="1e-400")),
    "past float32": instances(named_row(Population="3.5e38")),
    "NaN literal": instances(named_row(Population="NaN")),
    "Infinity literal": instances(named_row(Population="Infinity")),
    "-Infinity literal": instances(named_row(Longitude="-Infinity")),
    "leading zero": instances(named_row(HouseAge="041")),
    "bare fraction": instances(named_row(HouseAge=".5")),
    "plus sign": instances(named_row(HouseAge="+41")),
    "true": instances(named_row(HouseAge="true")),
    "null": instances(named_row(HouseAge="null")),
    "string number": instances(named_row(HouseAge='"41"')),
    "nested object": instances(named_row(HouseAge='{"years": 41}')),
    "nested array": instances(named_row(HouseAge="[41]")),
    "duplicate key": instances(PLAIN[:-1] + ', "MedInc": 2}'),
    "duplicate key, same value": instances(PLAIN[:-1] + ', "MedInc": 8.3252}'),
    "duplicate instances": PAD + '{"instances": [' + PLAIN + '], "instances": [' + PLAIN + "]}",
    "colon in a key": instances(PLAIN[:-1] + ', "a:b": 1}'),
    "colon in a key replacing one": instances(PLAIN.replace('"MedInc"', '"Med:Inc"')),
    "escaped key": instances(PLAIN.replace('"MedInc"', '"\\u004dedInc"')),
    "escaped colon key": instances(PLAIN.replace('"MedInc"', '"Med\\u003aInc"')),
    "non-ASCII key": instances(PLAIN.replace('"MedInc"', '"MédInc"')),
    "lone surrogate key": instances(PLAIN.replace('"MedInc"', '"\\ud800"')),
    "control character in a key": instances(PLAIN.replace('"MedInc"', '"Med\x01Inc"')),
    "missing key": instances(PLAIN.replace('"MedInc": 8.3252, ', "")),
    "unknown key": instances(PLAIN[:-1] + ', "Rooms": 3}'),
    "mixed row kinds": instances(PLAIN, json.dumps(ORDERED)),
    "short ordered row": instances(json.dumps(ORDERED[:7])),
    "long ordered row": instances(json.dumps([*ORDERED, 1.0])),
    "out of range in row 120": instances(*BATCH[:120], named_row(Latitude="0.5"), *BATCH[:5]),
    "empty batch": instances(),
    "too many rows": instances(*([json.dumps(ORDERED)] * 1001)),
    "BOM": "\ufeff" + instances(PLAIN),
    "two BOMs": "\ufeff\ufeff" + instances(PLAIN),
    "tabs and newlines": instances(PLAIN).replace(", ", ",\n\t"),
    "form feed": instances(PLAIN) + "\x0c",
    "trailing comma": instances(PLAIN, "")[:-2] + "]}",
    "trailing text": instances(PLAIN) + " x",
    "pred_x_csv": PAD + json.dumps({"pred_x_csv": "\n".join([",".join(map(str, ORDERED))] * 150)}),
    "extra top-level key": PAD + '{"instances": [' + PLAIN + '], "extra": 1}',
    "not an object": PAD + "[" + PLAIN + "]",
    "deep nesting": PAD + '{"instances": ' + "[" * 50_000,
}


@pytest.mark.parametrize("text", TRICKY.values(), ids=TRICKY.keys())
def test_a_large_body_answers_as_the_general_path(text: str) -> None:
    assert outcome(served, text) == outcome(general, text)


@pytest.mark.parametrize("what", ["named rows", "ordered rows", "integers", "minus zero float", "escaped key"])
def test_plain_large_bodies_take_the_msgspec_path(what: str) -> None:
    assert bulk_json.plain_matrix(TRICKY[what], COLUMNS) is not None


@pytest.mark.parametrize("what", ["duplicate key, same value", "colon in a key replacing one", "NaN literal",
                                  "true", "lone surrogate key", "mixed row kinds"])  # fmt: skip
def test_what_msgspec_cannot_prove_goes_the_general_path(what: str) -> None:
    assert bulk_json.plain_matrix(TRICKY[what], COLUMNS) is None


JSON_BAD_BODIES = [case for case in BAD_BODIES if case[2] == "application/json"]


@pytest.mark.parametrize("case", JSON_BAD_BODIES, ids=[case[0] for case in JSON_BAD_BODIES])
def test_every_refusal_of_a_padded_body_is_the_general_paths(case: tuple[Any, ...]) -> None:
    text = PAD + case[1]
    assert outcome(served, text) == outcome(general, text)
    assert outcome(served, text)[3] == case[4]  # and still the class the small body gets


@pytest.mark.parametrize("schema", [FRAUD, SPECIES], ids=["fraud", "species"])
def test_schemas_with_categories_or_missing_values_take_the_general_path(schema) -> None:  # type: ignore[no-untyped-def]
    columns = Columns(schema)
    rows = rows_for(schema, 150)
    body = {"instances": [[None if np.isnan(v) else float(v) for v in row] for row in rows.tolist()]}
    text = PAD + json.dumps(body)
    assert bulk_json.plain_matrix(text, columns) is None
    assert outcome(served, text, columns) == outcome(general, text, columns)


@settings(max_examples=300, deadline=None)
@given(st.lists(NUMBER_LITERALS, min_size=8, max_size=8), st.booleans())
def test_any_numbers_decode_as_the_general_path_decodes_them(literals: list[str], named: bool) -> None:
    row = row_text(HOUSING.names, literals, named=named)
    text = instances(row, row)
    assert outcome(served, text) == outcome(general, text)


VALUES = st.lists(st.floats() | st.floats(min_value=-1e17, max_value=1e17) | st.floats(min_value=-1, max_value=1),
                  min_size=1, max_size=50)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(VALUES)
def test_float_lists_are_written_as_json_dumps_writes_them_or_not_at_all(values: list[float]) -> None:
    written = bulk_json.float_list(values)
    assert written is None or written == json.dumps(values)


def test_house_prices_to_the_cent_take_the_msgspec_path() -> None:
    values = [*np.round(np.random.default_rng(0).uniform(-5e5, 5e6, 5000), 2).tolist(), 0.0, -0.0, 1e-4]
    assert bulk_json.float_list(values) == json.dumps(values)


@pytest.mark.parametrize("values", [[float("nan")], [float("inf")], [1e16], [9.9e-5], [1e-300], [1, 2.0], ["a"]])
def test_values_msgspec_would_write_otherwise_are_left_to_json_dumps(values: list[Any]) -> None:
    assert bulk_json.float_list(values * 100) is None


ANSWERS = {
    "regression": {"predictions": [123456.78 + i for i in range(1000)], "unit": "USD", "model_version": "v1",
                   "count": 1000},
    "non-ASCII unit": {"predictions": [0.25] * 100, "unit": "€ / m²", "model_version": "v:1, \"q\"", "count": 100},
    "only predictions": {"predictions": [1.5] * 100},
    "a NaN among them": {"predictions": [1.5] * 99 + [float("nan")], "unit": "", "count": 100},
    "one row": {"predictions": [123456.78], "unit": "USD", "model_version": "v1", "count": 1},
    "classes": {"predictions": [{"label": "a", "probability": 0.5, "probabilities": {"a": 0.5, "b": 0.5}}] * 100,
                "model_version": "v1", "count": 100},
    "predictions not first": {"count": 100, "predictions": [1.5] * 100},
    "error": {"error": {"code": "out_of_range", "message": "MedInc must be ...", "field": "MedInc", "row": 3}},
}  # fmt: skip


@pytest.mark.parametrize("body", ANSWERS.values(), ids=ANSWERS.keys())
def test_answers_are_written_byte_for_byte_as_json_dumps_writes_them(body: dict[str, Any]) -> None:
    assert application_json.write_document(body) == json.dumps(body)
