"""Every accepted request shape decodes to the same row; every error class names its field and row."""

from __future__ import annotations

import json

import numpy as np
import pytest

from inference.errors import InferenceError
from inference.model.columns import Columns
from inference.protocols.api import requests
from tests.support.datasets import HOUSING
from tests.support.requests import BAD_BODIES, CSV_LINE, ORDERED, ROW

COLUMNS = Columns(HOUSING)

EXPECTED = np.array([ORDERED], dtype=np.float32)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (json.dumps({"instances": [ROW]}), "application/json"),
        (json.dumps({"instances": [dict(reversed(list(ROW.items())))]}), "application/json; charset=utf-8"),
        (json.dumps({"instances": [ORDERED]}), "application/json"),
        (json.dumps({"instances": [ORDERED]}).encode(), None),
        (CSV_LINE + "\r\n", "text/csv"),
        ("\ufeff" + CSV_LINE, "TEXT/CSV"),
        (json.dumps({"pred_x_csv": CSV_LINE}), "application/json"),
        (json.dumps({"instances": [[int(v) if v == int(v) else v for v in ORDERED]]}), "application/json"),
    ],
)
def test_accepted_shapes_decode_to_the_same_row(body, content_type) -> None:
    np.testing.assert_array_equal(requests.read_body(body, content_type, COLUMNS), EXPECTED)


def test_batches_keep_their_order() -> None:
    rows = [ORDERED, [*ORDERED[:6], 34.0, -118.0]]
    matrix = requests.read_body(json.dumps({"instances": rows}), "application/json", COLUMNS)
    np.testing.assert_array_equal(matrix, np.array(rows, dtype=np.float32))


def test_query_decodes_one_row() -> None:
    params = {name: [str(value)] for name, value in ROW.items()}
    np.testing.assert_array_equal(requests.read_query(params, COLUMNS), EXPECTED)


@pytest.mark.parametrize(("what", "body", "content_type", "status", "code", "field", "row"), BAD_BODIES,
                         ids=[case[0] for case in BAD_BODIES])  # fmt: skip
def test_each_error_class_names_its_field(what, body, content_type, status, code, field, row) -> None:
    with pytest.raises(InferenceError) as caught:
        requests.read_body(body, content_type, COLUMNS)
    assert (caught.value.status, caught.value.code, caught.value.field, caught.value.row) == (
        status,
        code,
        field,
        row,
    )
    assert caught.value.to_body()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({**{k: [str(v)] for k, v in ROW.items()}, "MedInc": ["1", "2"]}, "duplicate_feature", "MedInc"),
        ({k: [str(v)] for k, v in ROW.items() if k != "AveOccup"}, "missing_feature", "AveOccup"),
        ({**{k: [str(v)] for k, v in ROW.items()}, "debug": ["1"]}, "unknown_feature", "debug"),
        ({**{k: [str(v)] for k, v in ROW.items()}, "HouseAge": [""]}, "missing_feature", "HouseAge"),
        ({**{k: [str(v)] for k, v in ROW.items()}, "HouseAge": ["1_000"]}, "not_a_number", "HouseAge"),
        ({**{k: [str(v)] for k, v in ROW.items()}, "HouseAge": ["-1"]}, "out_of_range", "HouseAge"),
    ],
)
def test_query_errors(params, code: str, field: str) -> None:
    with pytest.raises(InferenceError) as caught:
        requests.read_query(params, COLUMNS)
    assert (caught.value.status, caught.value.code, caught.value.field) == (400, code, field)


def test_oversized_body_is_413_before_parsing() -> None:
    with pytest.raises(InferenceError) as caught:
        requests.read_body(b"{" * (1024 * 1024 + 1), "application/json", COLUMNS)
    assert (caught.value.status, caught.value.code, caught.value.field) == (413, "body_too_large", "body")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("[" * 100_000, "malformed_json"),
        (b"\xff\xfe\x00", "malformed_body"),
        ('{"instances": {"MedInc": 1}}', "malformed_json"),
        ('{"instances": [7]}', "malformed_json"),
        ('{"pred_x_csv": 5}', "malformed_csv"),
        ('{"instances": [[1,2,3,4,5,6,7,8]], "instances": []}', "duplicate_field"),
    ],
)
def test_malformed_documents_are_400(body, code: str) -> None:
    with pytest.raises(InferenceError) as caught:
        requests.read_body(body, "application/json", COLUMNS)
    assert (caught.value.status, caught.value.code) == (400, code)
