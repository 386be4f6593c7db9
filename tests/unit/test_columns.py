"""Decoding for any schema: category names, missing values, optional features, and errors that name the field."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from inference.errors import InvalidInput
from inference.model.columns import Columns
from inference.model.schema import Schema
from inference.protocols.api import requests
from tests.support.datasets import FRAUD, FRAUD_DOCUMENT, SPECIES

COLUMNS = Columns(FRAUD)
ROW = {"amount": 120.5, "channel": "store", "age": 37, "hour": 14, "risk": 0.25}
EXPECTED = [120.5, 1.0, 37.0, 14.0, 0.25]  # "store" is category 1


def decoded(body: str, content_type: str = "application/json") -> list[float]:
    return requests.read_body(body, content_type, COLUMNS)[0].tolist()


def same(values: list[float], expected: list[float]) -> bool:
    pairs = zip(values, expected, strict=True)
    return all((math.isnan(a) and math.isnan(b)) or a == pytest.approx(b) for a, b in pairs)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (json.dumps({"instances": [ROW]}), "application/json"),
        (json.dumps({"instances": [list(ROW.values())]}), "application/json"),
        ("120.5,store,37,14,0.25\n", "text/csv"),
        (json.dumps({"pred_x_csv": "120.5, store ,37,14,0.25"}), "application/json"),
    ],
)
def test_categories_are_sent_by_name_and_reach_the_model_as_their_code(body, content_type) -> None:
    assert same(decoded(body, content_type), EXPECTED)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (json.dumps({"instances": [{**ROW, "age": None, "risk": None}]}), "application/json"),
        (json.dumps({"instances": [{"amount": 120.5, "channel": "store", "hour": 14}]}), "application/json"),
        (json.dumps({"instances": [[120.5, "store", None, 14, None]]}), "application/json"),
        ("120.5,store,,14,\n", "text/csv"),
    ],
)
def test_optional_features_may_be_null_absent_or_empty(body, content_type) -> None:
    assert same(decoded(body, content_type), [120.5, 1.0, math.nan, 14.0, math.nan])


def test_query_leaves_optional_features_out() -> None:
    params = {"amount": ["120.5"], "channel": ["phone"], "hour": ["3"]}
    assert same(requests.read_query(params, COLUMNS)[0].tolist(), [120.5, 2.0, math.nan, 3.0, math.nan])


def with_channel(**changes: object) -> Columns:
    document = json.loads(json.dumps(FRAUD_DOCUMENT))
    document["features"][1].update(changes)
    return Columns(Schema.from_document(document))


@pytest.mark.parametrize("value", ["kiosk", "Web", "", " web "])
def test_an_unknown_category_is_refused_even_where_the_feature_may_be_missing(value: str) -> None:
    """A typo answered as if the value were missing is a confident wrong answer: refused, listing the categories."""
    columns = with_channel(missing=True)
    with pytest.raises(InvalidInput) as caught:
        requests.read_payload({"instances": [{**ROW, "channel": value}]}, columns)
    assert (caught.value.code, caught.value.field) == ("unknown_category", "channel")
    assert caught.value.message.endswith("is not a category of channel: it must be one of web, store, phone")
    assert math.isnan(requests.read_payload({"instances": [{**ROW, "channel": None}]}, columns)[0][1])


def test_the_spec_may_opt_into_reading_unknown_categories_as_missing() -> None:
    columns = with_channel(missing=True, unknown_categories="missing")
    row = requests.read_payload({"instances": [{**ROW, "channel": "kiosk"}]}, columns)[0]
    assert math.isnan(row[1])
    assert math.isnan(requests.read_query({**{k: [str(v)] for k, v in ROW.items()}, "channel": ["kiosk"]},
                                          columns)[0][1])  # fmt: skip


@pytest.mark.parametrize(
    ("row", "code", "field", "message"),
    [
        ({**ROW, "channel": "kiosk"}, "unknown_category", "channel",
         "'kiosk' is not a category of channel: it must be one of web, store, phone"),
        ({**ROW, "channel": 1}, "not_a_category", "channel", "channel must be a category name (a string), got int"),
        ({**ROW, "channel": None}, "missing_feature", "channel",
         "channel may not be missing (its spec says missing = false): send one of web, store, phone"),
        ({**ROW, "amount": None}, "missing_feature", "amount",
         "amount may not be missing (its spec says missing = false): send a number between 0 and 10000"),
        ({k: v for k, v in ROW.items() if k != "hour"}, "missing_feature", "hour", "hour is missing"),
        ({**ROW, "age": 12}, "out_of_range", "age", "age must be between 18 and 120 (years), got 12"),
        ({**ROW, "colour": "red"}, "unknown_feature", "colour",
         "'colour' is not a feature; expected amount, channel, age, hour, risk"),
    ],
)  # fmt: skip
def test_each_refusal_names_the_field(row, code, field, message) -> None:
    with pytest.raises(InvalidInput) as caught:
        requests.read_payload({"instances": [ROW, row]}, COLUMNS)
    assert (caught.value.code, caught.value.field, caught.value.row, caught.value.message) == (code, field, 1, message)


def test_an_empty_csv_field_of_a_required_feature_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        decoded(",store,37,14,0.25", "text/csv")
    assert (caught.value.code, caught.value.field, caught.value.row) == ("missing_feature", "amount", 0)


def test_a_multiclass_schema_decodes_batches_in_order() -> None:
    columns = Columns(SPECIES)
    rows = [{"length": 5.1, "width": 3.5, "soil": "peat"}, [6.0, 2.2, "sand", 40]]
    matrix = requests.read_payload({"instances": rows}, columns)
    np.testing.assert_array_equal(matrix[1], np.array([6.0, 2.2, 0.0, 40.0], dtype=np.float32))
    assert matrix[0][2] == 3.0 and math.isnan(matrix[0][3])
