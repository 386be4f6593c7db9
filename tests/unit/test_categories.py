"""Categories: an unknown name is refused unless the spec opts into reading it as missing, in every reader;
SageMaker's formats take names as well as codes, and a cell that reads two ways is refused, never guessed."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest

from inference.errors import InvalidInput
from inference.model.columns import Columns
from inference.model.schema import Schema, SchemaError
from inference.protocols.formats import application_jsonlines, text_csv, text_libsvm
from inference.protocols.v2 import tensors
from tests.fuzz.schemas import OPEN
from tests.support.datasets import FRAUD, FRAUD_DOCUMENT
from training.rows import encode_rows

FRAUD_COLUMNS = Columns(FRAUD)


def fraud_with(**changes: object) -> Schema:
    document = json.loads(json.dumps(FRAUD_DOCUMENT))
    document["features"][1].update(changes)
    return Schema.from_document(document)


@pytest.mark.parametrize(
    ("read", "named", "coded"),
    [(text_csv.read_coded, "120.5,phone,30,4,0.1", "120.5,2,30,4,0.1"),
     (text_libsvm.read, "0:120.5 1:phone 2:30 3:4 4:0.1", "0:120.5 1:2 2:30 3:4 4:0.1"),
     (application_jsonlines.read, '[120.5, "phone", 30, 4, 0.1]', "[120.5, 2, 30, 4, 0.1]")],
)  # fmt: skip
def test_sagemaker_formats_take_a_category_by_name_or_code(read, named: str, coded: str) -> None:  # type: ignore[no-untyped-def]
    np.testing.assert_array_equal(read(named, FRAUD_COLUMNS), read(coded, FRAUD_COLUMNS))
    assert read(named, FRAUD_COLUMNS)[0, 1] == 2.0


@pytest.mark.parametrize("read", [text_csv.read_coded, text_libsvm.read, application_jsonlines.read])
def test_an_unknown_name_in_a_sagemaker_format_is_refused_listing_the_categories(read) -> None:  # type: ignore[no-untyped-def]
    body = {text_csv.read_coded: "120.5,kiosk,30,4,0.1", text_libsvm.read: "0:120.5 1:kiosk 2:30 3:4 4:0.1",
            application_jsonlines.read: '[120.5, "kiosk", 30, 4, 0.1]'}[read]  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        read(body, FRAUD_COLUMNS)
    assert (caught.value.code, caught.value.field, caught.value.row) == ("unknown_category", "channel", 0)
    assert "one of web, store, phone" in caught.value.message


@pytest.mark.parametrize(("cell", "read_as"), [("1", None), ("0", None), ("2", 2.0), ("n/a", 2.0), (" true ", 4.0),
                                              ("4", 4.0), ("", math.nan)])  # fmt: skip
def test_a_cell_that_reads_two_ways_is_refused_never_guessed(cell: str, read_as: float | None) -> None:
    """OPEN's ``level`` is called "1", "0", "n/a", "NaN", "true": "1" is category 0's name and category 1's code."""
    body = f"0.5,,{cell},-5"
    if read_as is None:
        with pytest.raises(InvalidInput) as caught:
            text_csv.read_coded(body, Columns(OPEN))
        assert (caught.value.code, caught.value.field) == ("ambiguous_category", "level")
        assert "both the name of category" in caught.value.message
        return
    value = text_csv.read_coded(body, Columns(OPEN))[0, 2]
    assert value == read_as or (math.isnan(read_as) and math.isnan(value))


def test_a_v2_tensor_of_names_refuses_an_unknown_one() -> None:
    inputs = [{"name": f.name, "shape": [1], "datatype": "BYTES" if f.categorical else "FP32",
               "data": ["kiosk" if f.categorical else 1.0]} for f in FRAUD.features if not f.missing]  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        tensors.read(json.dumps({"inputs": inputs}), FRAUD_COLUMNS)
    assert (caught.value.code, caught.value.field) == ("unknown_category", "channel")


def test_the_opt_in_reads_an_unknown_name_as_missing_in_every_reader() -> None:
    columns = Columns(fraud_with(missing=True, unknown_categories="missing"))
    for read, body in [(text_csv.read_coded, "120.5,kiosk,30,4,0.1"), (text_csv.read_named, "120.5,kiosk,30,4,0.1"),
                       (application_jsonlines.read, '[120.5, "kiosk", 30, 4, 0.1]')]:  # fmt: skip
        assert math.isnan(read(body, columns)[0, 1])
    dropped: Counter[str] = Counter()
    encoded = encode_rows(columns.schema, [np.array([120.5]), np.array(["kiosk"]), np.array([30.0]), np.array([4.0]),
                                           np.array([0.1])], np.array(["fraud"]), dropped)  # fmt: skip
    assert math.isnan(encoded.features[0, 1]) and not dropped  # training reads it as serving does
    refused: Counter[str] = Counter()
    encode_rows(FRAUD, [np.array([v]) for v in (120.5, "kiosk", 30.0, 4.0, 0.1)], np.array(["fraud"]), refused)
    assert refused == {"channel is not one of its categories": 1}


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"unknown_categories": "missing"}, 'unknown_categories = "missing" needs categories and missing = true'),
     ({"unknown_categories": "ignore", "missing": True}, 'unknown_categories must be "refuse" or "missing"')],
)  # fmt: skip
def test_the_opt_in_is_refused_where_it_cannot_apply(changes: dict[str, object], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        fraud_with(**changes)


def test_the_opt_in_is_carried_in_schema_json_only_when_taken() -> None:
    """A schema without it reads in every release; with it, a release that does not know the key refuses the
    schema (a 503 naming features[1].unknown_categories) rather than serve it with another meaning."""
    opted = fraud_with(missing=True, unknown_categories="missing")
    assert opted.to_document()["features"][1]["unknown_categories"] == "missing"
    assert Schema.from_document(opted.to_document()) == opted
    assert "unknown_categories" not in FRAUD.to_document()["features"][1]
