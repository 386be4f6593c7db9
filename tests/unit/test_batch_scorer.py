"""Each line scored as ``/invocations`` answers it alone: the same answer line, or the same error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference.batch.options import Options
from inference.batch.scorer import Scorer
from inference.errors import InferenceError
from inference.model.bundle import ModelBundle
from inference.protocols.sagemaker.invocations import invoke
from tests.support.batch import housing_rows

GOOD = housing_rows(6)[1]
CSV_LINES = [GOOD[0], b"", b"1,2,3", GOOD[1] + b"\r", b"\xff\xfe,1", b"   ", GOOD[2], b"nan,1,2,3,4,5,6,7",
             b"1e999," + GOOD[3].split(b",", 1)[1], GOOD[4]]  # fmt: skip
LIBSVM_LINES = [b"0:8.3 1:41 2:6.9 3:1.0 4:322 5:2.5 6:37.9 7:-122.2", b"9:1", b"", b"x:1",
                b"1.5 0:8.3 1:41 2:6.9 3:1.0 4:322 5:2.5 6:37.9 7:-122.2"]  # fmt: skip
JSONL_LINES = [b"[8.3, 41, 6.9, 1.0, 322, 2.5, 37.9, -122.2]", b"[1]", b'{"features": [8.3, 41, 6.9, 1.0, 322, 2.5, '
               b'37.9, -122.2]}', b"{", b"[8.3, 41, 6.9, 1.0, 322, 2.5, 37.9, NaN]"]  # fmt: skip


@pytest.fixture(scope="module")
def bundle(model_tarball: Path) -> ModelBundle:
    return ModelBundle.load(str(model_tarball))


def alone(bundle: ModelBundle, line: bytes, options: Options) -> tuple[bytes, dict[str, object] | None]:
    """What /invocations answers for ``line`` as its whole body: (answer line, None) or (b"", error record)."""
    if not line.strip():
        return b"", None
    try:
        answered = invoke(bundle, line, options.content_type, options.accept, options.output_keys, None)
    except InferenceError as error:
        return b"", {"status": error.status, **error.to_body()["error"]}
    return answered.body.rstrip(b"\n"), None


@pytest.mark.parametrize(("lines", "options"), [
    (CSV_LINES, Options()),
    (CSV_LINES, Options(accept="application/jsonlines", output_keys="predicted_score")),
    (CSV_LINES, Options(accept="application/json")),
    (LIBSVM_LINES, Options(content_type="text/libsvm", accept="text/csv")),
    (JSONL_LINES, Options(content_type="application/jsonlines", accept="application/jsonlines")),
])  # fmt: skip
def test_each_line_is_answered_as_invocations_answers_it_alone(bundle: ModelBundle, lines: list[bytes],
                                                               options: Options) -> None:  # fmt: skip
    scored = Scorer(bundle, options).score(lines)
    errors = {index: {"status": error.status, **error.to_body()["error"]} for index, error in scored.errors}
    for index, line in enumerate(lines):
        answer, error = alone(bundle, line.removesuffix(b"\r"), options)
        assert scored.answers[index] == answer, (index, line)
        assert errors.get(index) == error, (index, line)
    assert scored.blank == sum(1 for line in lines if not line.strip())


def test_a_chunk_of_good_lines_equals_the_answer_to_one_request(bundle: ModelBundle) -> None:
    lines = housing_rows(1000, seed=3)[1]
    scored = Scorer(bundle, Options()).score(lines)
    assert scored.errors == [] and b"\n".join(scored.answers) + b"\n" == invoke(
        bundle, b"\n".join(lines), "text/csv", None, None, None).body  # fmt: skip


def test_a_header_finds_features_by_name_and_a_join_keeps_chosen_columns(bundle: ModelBundle) -> None:
    names = list(bundle.schema.names)
    header = ",".join(["id", *reversed(names), "comment"])
    rows = [b",".join([b"a-1", *reversed(GOOD[0].split(b",")), b'"x, y"']), b"a-2,1,2", b""]
    scorer = Scorer(bundle, Options(header=True, join="id,comment"), header)
    scored = scorer.score(rows)
    assert scorer.header_line() == b"id,comment,score"
    assert scored.answers[0] == b'a-1,"x, y",' + alone(bundle, GOOD[0], Options())[0]
    assert scored.answers[1:] == [b"", b""] and [i for i, _ in scored.errors] == [1]
    assert "the header names 10 columns" in scored.errors[0][1].message


def test_join_input_puts_the_line_first_for_csv_and_under_sagemakeroutput_for_json(bundle: ModelBundle) -> None:
    answer = alone(bundle, GOOD[0], Options())[0]
    assert Scorer(bundle, Options(join="input")).score([GOOD[0]]).answers == [GOOD[0] + b"," + answer]
    jsonl = Options(content_type="application/jsonlines", accept="application/jsonlines", join="input")
    line = b'{"features": [8.3, 41, 6.9, 1.0, 322, 2.5, 37.9, -122.2], "id": 7}'
    [joined] = Scorer(bundle, jsonl).score([b"[8.3, 41, 6.9, 1.0, 322, 2.5, 37.9, -122.2]"]).answers
    assert set(json.loads(joined)) == {"SageMakerInput", "SageMakerOutput"}
    assert Scorer(bundle, jsonl).score([line]).errors  # an object with other keys is not a row the reader takes


@pytest.mark.parametrize(("options", "header", "status", "field"), [
    (Options(content_type="application/x-recordio-protobuf"), None, 415, "Content-Type"),
    (Options(accept="image/png"), None, 406, "Accept"),
    (Options(output_keys="probability"), None, 400, "output_keys"),
    (Options(header=True), "id,MedInc", 400, "header"),
])  # fmt: skip
def test_options_the_model_or_the_formats_refuse_fail_the_job_at_once(bundle: ModelBundle, options: Options,
                                                                      header: str | None, status: int,
                                                                      field: str) -> None:  # fmt: skip
    with pytest.raises(InferenceError) as raised:
        Scorer(bundle, options, header)
    assert (raised.value.status, raised.value.field) == (status, field)


@pytest.mark.parametrize(("document", "field"), [({"header": True, "content_type": "text/libsvm"}, "header"),
                                                 ({"join": "id"}, "join"), ({"colour": "red"}, "colour"),
                                                 ({"header": "yes"}, "header"), ([], "options")])  # fmt: skip
def test_bad_options_are_refused_by_name(document: object, field: str) -> None:
    with pytest.raises(InferenceError) as raised:
        Options.from_document(document)
    assert (raised.value.status, raised.value.field) == (400, field)


def test_more_lines_than_a_request_carries_are_read_a_request_at_a_time(bundle: ModelBundle) -> None:
    lines = housing_rows(2500, seed=5)[1]
    lines[1500], lines[2100] = b"", b"1,2,3"
    scored = Scorer(bundle, Options()).score(lines)
    assert [index for index, _ in scored.errors] == [2100] and scored.blank == 1
    assert scored.answers[1500] == scored.answers[2100] == b""
    for index in (0, 999, 1000, 1499, 1501, 2099, 2101, 2499):
        assert scored.answers[index] == alone(bundle, lines[index], Options())[0]
    clean = housing_rows(2500, seed=6)[1]
    assert b"\n".join(Scorer(bundle, Options()).score(clean).answers) == b"\n".join(
        alone(bundle, line, Options())[0] for line in clean)  # fmt: skip
