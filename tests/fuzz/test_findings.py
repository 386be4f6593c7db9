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


def test_a_schema_whose_example_breaks_its_own_rules_is_refused() -> None:
    """Found by the schema.json fuzzer (``example.MedInc`` replaced by -1; also: an example that leaves out a
    required feature): the schema is refused with a SchemaError naming the key, so every schema that loads
    accepts its own example row."""
    document = json.loads(json.dumps(HOUSING_DOCUMENT))
    document["example"]["MedInc"] = -1
    with pytest.raises(SchemaError, match=r"example\.MedInc must be a finite number between 0 and 150, got -1"):
        Schema.from_document(document)
    del document["example"]["MedInc"]
    with pytest.raises(SchemaError, match="example leaves out MedInc, which may not be missing"):
        Schema.from_document(document)
    requests.read_payload({"instances": [HOUSING.example_values()]}, Columns(HOUSING))


def _serve(model_tarball: Path, directory: Path, document: dict[str, object]) -> Predictor:
    (directory / "schema.json").write_text(json.dumps(document), encoding="utf-8")
    (directory / "model.tar.gz").write_bytes(model_tarball.read_bytes())
    return Predictor(str(directory / "model.tar.gz"), retry_seconds=3600)


def test_a_huge_scale_is_refused_naming_the_key(model_tarball: Path, tmp_path: Path) -> None:
    """Found by reasoning from the schema.json fuzzer's ``scale`` replacements: a scale that turns every finite
    output into an infinite answer is refused when the schema loads (503 with the key), never answered."""
    document = json.loads(json.dumps(HOUSING_DOCUMENT))
    document["target"]["scale"] = 1.7976931348623157e308
    predictor = _serve(model_tarball, tmp_path, document)
    assert not predictor.ready
    assert "target.scale must be a non-zero number of magnitude at most 1e+12" in (predictor.load_error or "")
    document["target"]["scale"] = 1e12  # the largest allowed still answers finitely
    body = _serve(model_tarball, tmp_path, document).predict_payload({"instances": [a_valid_row(HOUSING)]})
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
    assert not predictor.ready  # 1e300 is no float32: refused when loaded, never answered as inf
    assert "leaf values that are not finite float32 numbers" in (predictor.load_error or "")
