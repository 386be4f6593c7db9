"""What the schema-driven fuzzers found in ``inference/``, kept as regression tests now that each is fixed.

Only the first was triggered by a client (on a schema with an unbounded feature, a number past float32's
range reached the trees as inf); the others needed a schema or a model that the operator wrote: an example
row outside the schema, a scale that overflows every answer, leaves past float32's range.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference import Predictor
from inference.errors import InvalidInput
from inference.model.columns import Columns
from inference.model.schema import Schema, SchemaError
from inference.protocols.api import requests
from tests.fuzz.contract import assert_prediction_body
from tests.fuzz.schemas import OPEN
from tests.fuzz.strategies import a_valid_row
from tests.support.datasets import HOUSING, HOUSING_DOCUMENT


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize(("value", "where"), [(1e300, "json"), ("1e300", "csv"), (-1e39, "json")])
def test_numbers_past_float32_are_refused(value: object, where: str) -> None:
    """Found by the ``open`` schema's decoder fuzzing: ``x`` has no bounds, so 1e300 passes the float64 range
    check and the float32 matrix holds inf, which xgboost's DMatrix refuses ("Input data contains `inf`")."""
    columns = Columns(OPEN)
    body = json.dumps({"instances": [[value, None, None, -5.0]]}) if where == "json" else f"{value},,,-5"
    with pytest.raises(InvalidInput) as refused:
        matrix = requests.read_body(body, "text/csv" if where == "csv" else None, columns)
        raise AssertionError(f"decoded to {matrix.tolist()}")
    assert refused.value.field == "x"


def test_a_schema_that_loads_accepts_its_own_example_row() -> None:
    """Found by the schema.json fuzzer (``example.MedInc`` replaced by -1; also: an example that leaves out a
    required feature). Either the schema is refused (SchemaError naming the key) or its example decodes."""
    document = json.loads(json.dumps(HOUSING_DOCUMENT))
    document["example"]["MedInc"] = -1
    try:
        schema = Schema.from_document(document)
    except SchemaError:
        return
    requests.read_payload({"instances": [schema.example_values()]}, Columns(schema))


def _serve(model_tarball: Path, directory: Path, document: dict[str, object]) -> Predictor:
    (directory / "schema.json").write_text(json.dumps(document), encoding="utf-8")
    (directory / "model.tar.gz").write_bytes(model_tarball.read_bytes())
    return Predictor(str(directory / "model.tar.gz"), retry_seconds=3600)


def test_a_huge_scale_is_refused_or_answered_finitely(model_tarball: Path, tmp_path: Path) -> None:
    """Found by reasoning from the schema.json fuzzer's ``scale`` replacements: any finite non-zero scale loads."""
    document = json.loads(json.dumps(HOUSING_DOCUMENT))
    document["target"]["scale"] = 1.7976931348623157e308
    predictor = _serve(model_tarball, tmp_path, document)
    if predictor.ready:
        body = predictor.predict_payload({"instances": [a_valid_row(HOUSING)]})
        assert_prediction_body(HOUSING, body)  # finite, so JSON-encodable as Starlette's JSONResponse needs


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_leaves_past_float32_are_refused_or_answered_finitely(booster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    booster.save_model(str(tmp_path / "model.json"))
    document = json.loads((tmp_path / "model.json").read_text())
    for tree in document["learner"]["gradient_booster"]["model"]["trees"]:
        tree["base_weights"] = [1e300] * len(tree["base_weights"])
        tree["split_conditions"] = [1e300 if left == -1 else condition for condition, left
                                    in zip(tree["split_conditions"], tree["left_children"], strict=True)]  # fmt: skip
    (tmp_path / "model").write_text(json.dumps(document), encoding="utf-8")
    (tmp_path / "schema.json").write_text(json.dumps(HOUSING_DOCUMENT), encoding="utf-8")
    predictor = Predictor(str(tmp_path / "model"), retry_seconds=3600)
    if predictor.ready:
        assert_prediction_body(HOUSING, predictor.predict_payload({"instances": [a_valid_row(HOUSING)]}))
