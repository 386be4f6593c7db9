"""/invocations: the container's request types, Accept negotiation, output keys and every refusal."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from inference.errors import InferenceError
from inference.model.bundle import ModelBundle
from inference.model.schema import Schema
from inference.protocols.limits import MAX_BODY_BYTES, MAX_ROWS
from inference.protocols.sagemaker.invocations import Invocation, NotAcceptable, invoke, negotiate, requested_output
from tests.support.datasets import FRAUD, HOUSING, SPECIES, train_for
from tests.support.models import save_like_sagemaker

FRAUD_ROW = "120.5,0,37,14,0.2"  # amount, channel (code 0 = web), age, hour, risk


def with_objective(schema: Schema, objective: str) -> Schema:
    document = schema.to_document()
    document["target"]["objective"] = objective
    return Schema.from_document(document)


def trained_bundle(schema: Schema, directory: Path) -> ModelBundle:
    """A small model trained for ``schema`` (its objective), saved as SageMaker saves it, loaded as we serve it."""
    save_like_sagemaker(train_for(schema), directory, schema)
    return ModelBundle.load(str(directory / "model.tar.gz"))


@pytest.fixture(scope="module")
def fraud(tmp_path_factory: pytest.TempPathFactory) -> ModelBundle:
    return trained_bundle(FRAUD, tmp_path_factory.mktemp("fraud"))


@pytest.fixture(scope="module")
def softmax(tmp_path_factory: pytest.TempPathFactory) -> ModelBundle:
    return trained_bundle(with_objective(SPECIES, "multi:softmax"), tmp_path_factory.mktemp("softmax"))


@pytest.fixture(scope="module")
def species(tmp_path_factory: pytest.TempPathFactory) -> ModelBundle:
    return trained_bundle(SPECIES, tmp_path_factory.mktemp("species"))


def answer(bundle: ModelBundle, body: str | bytes, content_type: str | None = "text/csv", accept: str | None = None,
           keys: str | None = None, default_accept: str | None = None) -> Invocation:  # fmt: skip
    data = body.encode() if isinstance(body, str) else body
    return invoke(bundle, data, content_type, accept, keys, default_accept)


def refusal(bundle: ModelBundle, body: str | bytes, content_type: str | None = "text/csv", **options: Any) -> Any:
    with pytest.raises(InferenceError) as caught:
        answer(bundle, body, content_type, **options)
    error = caught.value
    body_json = error.to_body()
    json.dumps(body_json, allow_nan=False)
    assert set(body_json) == {"error"} and {"code", "message"} <= set(body_json["error"])
    return error


def scores(invocation: Invocation) -> list[float]:
    return [float(line) for line in invocation.body.decode().splitlines()]


def test_the_same_rows_in_every_request_type_get_the_same_answer(fraud: ModelBundle) -> None:
    csv = answer(fraud, f"{FRAUD_ROW}\n10,2,,3,\n")
    assert csv.status == 200 and csv.content_type == "text/csv; charset=utf-8"
    libsvm = "0:120.5 1:0 2:37 3:14 4:0.2\n1 0:10 1:2 3:3\n"  # second row: a leading label, age and risk absent
    jsonlines = '[120.5, 0, 37, 14, 0.2]\n{"features": [10, 2, null, 3, null]}\n'
    for body, content_type in ((libsvm, "text/libsvm"), (libsvm, "text/x-libsvm"), (jsonlines, "application/jsonlines"),
                               (f"{FRAUD_ROW}\r\n\r\n10,2,nan,3,NaN", "CSV; charset=utf-8; label_size=1")):  # fmt: skip
        assert answer(fraud, body, content_type) == csv


def test_no_content_type_reads_csv_and_an_empty_body_answers_204_once_its_headers_are_answered(
    fraud: ModelBundle,
) -> None:
    assert answer(fraud, FRAUD_ROW, None) == answer(fraud, FRAUD_ROW)
    assert answer(fraud, b"", "text/csv", "application/json") == Invocation(204, None, b"")
    with pytest.raises(InferenceError) as refused:  # the container answers 204 whatever the headers say
        answer(fraud, b"", "application/x-recordio-protobuf", "text/html")
    assert refused.value.status == 415


@pytest.mark.parametrize(
    ("accept", "default_accept", "expected"),
    [(None, None, "text/csv"), ("*/*", None, "text/csv"), (None, "application/json", "application/json"),
     ("*/*", " Application/JSONLines; x=1", "application/jsonlines"), ("application/json; verbose=True", None,
     "application/json"), ("text/html, application/jsonlines;q=0.5, application/json;q=0.9", None, "application/json"),
     ("image/png, */*;q=0.1", "application/json", "application/json"), ("TEXT/CSV", None, "text/csv")],
)  # fmt: skip
def test_accept_negotiation(accept: str | None, default_accept: str | None, expected: str) -> None:
    assert negotiate(accept, default_accept).media_type == expected


@pytest.mark.parametrize(
    ("accept", "default_accept", "says"),
    [("text/libsvm", None, "not produced"), ("application/x-recordio-protobuf", None, "recordio-protobuf is not"),
     ("application/json;q=0", None, "not produced"), (None, "text/libsvm", "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT")],
)  # fmt: skip
def test_unproduced_answer_types_are_406s(accept: str | None, default_accept: str | None, says: str) -> None:
    with pytest.raises(NotAcceptable, match=says) as caught:
        negotiate(accept, default_accept)
    assert caught.value.status == 406 and caught.value.to_body()["error"]["field"] == "Accept"


@pytest.mark.parametrize(
    ("content_type", "says"),
    [("application/x-recordio-protobuf", "recordio-protobuf is not read"), ("application/json", "JSON to /predict"),
     ("application/x-parquet", "text/libsvm"), ("text/csv; label_size=2", "label_size=1"), ("text/plain", "text/csv")],
)  # fmt: skip
def test_a_request_type_that_is_not_read_is_a_415(fraud: ModelBundle, content_type: str, says: str) -> None:
    error = refusal(fraud, FRAUD_ROW, content_type)
    assert error.status == 415 and says in error.message


INVALID_ROWS = [
    ("MedInc,channel,age,hour,risk", "text/csv", "not_a_number", 0),  # a header
    ("1,0,30,4", "text/csv", "wrong_row_length", 0),
    (f"{FRAUD_ROW}\n5,1.5,30,4,0.1", "text/csv", "unknown_category", 1),
    ("5,3,30,4,0.1", "text/csv", "unknown_category", 0),
    (",0,30,4,0.1", "text/csv", "missing_feature", 0),
    ("5,0,30,24,0.1", "text/csv", "out_of_range", 0),
    ("inf,0,30,4,0.1", "text/csv", "not_finite", 0),
    ("\n \n", "text/csv", "empty_batch", None),
    (b"\xff\xfe1", "text/csv", "malformed_body", None),
    ("1:0 3:4", "text/libsvm", "missing_feature", 0),
    ("0:1 1:0 3:4 0:2", "text/libsvm", "duplicate_feature", 0),
    ("0:1 1:0 3:4 5:1", "text/libsvm", "unknown_feature", 0),
    ("0:1 1:0 3:4 99999999999999999999:1", "text/libsvm", "unknown_feature", 0),
    ("0:1 x 3:4", "text/libsvm", "malformed_libsvm", 0),
    ("0:1 1:0 3:", "text/libsvm", "malformed_libsvm", 0),
    ("0:1 1:0 -3:4", "text/libsvm", "malformed_libsvm", 0),
    ("0:1 1:0 \u0663:4", "text/libsvm", "malformed_libsvm", 0),  # int() reads Arabic-Indic digits; we do not
    ("\u0661,0,30,4,0.1", "text/csv", "not_a_number", 0),  # nor does float() for us
    ('[1, "kiosk", 30, 4, 0.1]', "application/jsonlines", "unknown_category", 0),
    ("[1, true, 30, 4, 0.1]", "application/jsonlines", "not_a_number", 0),
    ("[1, 0, NaN, 4, 0.1]", "application/jsonlines", "malformed_json", 0),
    (f'[{FRAUD_ROW}]\n{{"features": [1, 0, 30, 4, 0.1], "x": 1}}', "application/jsonlines", "malformed_json", 1),
    ('{"features": [], "features": [1]}', "application/jsonlines", "duplicate_field", 0),
    ("[1e400, 0, 30, 4, 0.1]", "application/jsonlines", "not_finite", 0),
    (f"[{10**400}, 0, 30, 4, 0.1]", "application/jsonlines", "not_finite", 0),
    ("[" * 100_000, "application/jsonlines", "malformed_json", 0),
]


@pytest.mark.parametrize(("body", "content_type", "code", "row"), INVALID_ROWS)
def test_invalid_rows_are_400s_naming_the_row(fraud: ModelBundle, body: str | bytes, content_type: str, code: str,
                                              row: int | None) -> None:  # fmt: skip
    error = refusal(fraud, body, content_type)
    assert (error.status, error.code, error.row) == (400, code, row)


def test_size_limits_are_413s(fraud: ModelBundle) -> None:
    assert refusal(fraud, "\n".join([FRAUD_ROW] * (MAX_ROWS + 1))).code == "too_many_rows"
    assert refusal(fraud, "1" * (MAX_BODY_BYTES + 1)).code == "body_too_large"
    assert len(scores(answer(fraud, "\n".join([FRAUD_ROW] * MAX_ROWS) + "\n" * 100_000))) == MAX_ROWS


def test_selected_keys_are_case_insensitive_and_csv_keeps_their_order_and_repeats(fraud: ModelBundle) -> None:
    listed = answer(fraud, FRAUD_ROW, keys=" Probability ,PREDICTED_LABEL,probability,").body.decode()
    probability, label, again = listed.split(",")
    assert probability == again and label == str(int(float(probability) > 0.5))
    as_json = json.loads(answer(fraud, FRAUD_ROW, accept="application/json", keys="probability,predicted_label").body)
    assert list(as_json["predictions"][0]) == ["predicted_label", "probability"]  # the container's fixed key order


@pytest.mark.parametrize(
    ("keys", "says"),
    [("probability", "not available for multi:softmax models"), ("score", "not an output key"),
     ("predicted_score", "predicted_label, labels, raw_score, raw_scores")],
)  # fmt: skip
def test_a_key_the_objective_has_not_is_a_400_not_a_nan(softmax: ModelBundle, keys: str, says: str) -> None:
    error = refusal(softmax, "5,3,1,40", keys=keys)
    assert (error.status, error.code, error.field) == (400, "invalid_output_key", "output") and says in error.message


def test_every_regression_objective_answers_predicted_score(tmp_path: Path) -> None:
    bundle = trained_bundle(with_objective(HOUSING, "count:poisson"), tmp_path)  # the container answers 500 here
    row = "8.3,41,6.9,1.0,322,2.5,37.8,-122.2"
    default = scores(answer(bundle, row))
    selected = json.loads(answer(bundle, row, accept="application/json", keys="predicted_score").body)
    assert selected == {"predictions": [{"predicted_score": default[0]}]} and default[0] > 0


def test_a_request_chooses_its_own_output_keys() -> None:
    assert requested_output(None, None, "predicted_label") == "predicted_label"
    assert requested_output("probability", None, "predicted_label") == "probability"
    assert requested_output(None, "labels", "predicted_label") == "labels"
    assert requested_output("", None, "predicted_label") == ""  # empty: the default answer
    assert requested_output("Labels, probability", "labels,PROBABILITY", None) == "Labels, probability"
    with pytest.raises(InferenceError, match="disagree") as caught:
        requested_output("labels", "probability", None)
    assert caught.value.status == 400


def test_an_empty_key_list_gives_the_default_answer(species: ModelBundle) -> None:
    row = "5,3,1,40"
    assert answer(species, row, keys=" , ") == answer(species, row) == answer(species, row, keys="")


def test_multiclass_default_answers_carry_one_probability_per_class(species: ModelBundle) -> None:
    csv = answer(species, "5,3,1,40\n9,9,2,")
    rows = [[float(v) for v in line.split(",")] for line in csv.body.decode().splitlines()]
    assert csv.body.endswith(b"\n") and [len(row) for row in rows] == [3, 3]
    assert all(math.isclose(sum(row), 1.0, rel_tol=1e-6) for row in rows)
    as_json = json.loads(answer(species, "5,3,1,40\n9,9,2,", accept="application/json").body)
    assert as_json == {"predictions": [{"score": row} for row in rows]}
    lines = answer(species, "5,3,1,40\n9,9,2,", accept="application/jsonlines").body.decode().splitlines()
    assert [json.loads(line) for line in lines] == as_json["predictions"]


def test_values_are_float32_predictions_written_in_full(fraud: ModelBundle) -> None:
    value = scores(answer(fraud, FRAUD_ROW))[0]
    assert float(np.float32(value)) == value  # a float32 widened to a double, as Booster.predict(...).tolist() gives
