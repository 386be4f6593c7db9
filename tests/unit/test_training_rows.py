"""Row validation against the schema: every reason a row is dropped, counted; what the model sees of the others."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from inference.model.schema import Feature, Schema, Target
from tests.unit.test_training_data import write_dataset
from training import data as data_cli
from training.data import prepare
from training.rows import encode_rows
from training.sources import MissingColumnsError

GOOD = "120.0,red,30,250.00,yes,mid"


def with_rows(spec_path: Path, *rows: str) -> Path:
    csv_path = spec_path.parent / "houses.csv"
    lines = csv_path.read_text().splitlines()
    csv_path.write_text("\n".join([lines[0], *rows, *lines[1:]]) + "\n")
    return spec_path


def test_every_bad_row_is_dropped_and_counted_under_its_first_reason(tmp_path: Path) -> None:
    spec_path = with_rows(
        write_dataset(tmp_path, "binary"),
        "120.0,purple,30,250.00,yes,mid",
        "120.0,red,,250.00,yes,mid",
        "5000,red,30,250.00,yes,mid",
        "-1,red,30,250.00,yes,mid",
        "lots,red,30,250.00,yes,mid",
        "inf,red,30,250.00,yes,mid",
        "lots,red,30,250.00,maybe,mid",
        "120.0,red,30,250.00,,mid",
        "120.0,red,30",
        "",
        GOOD,
    )
    manifest, _ = prepare(str(spec_path), tmp_path / "out")
    assert manifest["dropped"] == {
        "age is missing (the spec does not allow it)": 1,
        "bought is missing": 1,
        "bought is not one of the labels (no, yes)": 1,
        "colour is not one of its categories": 1,
        "row has 3 fields, the header has 6": 1,
        "size is not a number": 1,
        "size is not finite": 1,
        "size outside [0, 1000]": 2,
    }
    assert manifest["rows"] == {"loaded": 410, "dropped": 9, "kept": 401}


def test_missing_tokens_become_nan_where_the_spec_allows_it(tmp_path: Path) -> None:
    spec_path = with_rows(write_dataset(tmp_path, "binary"), "null,None,1,2,no,low", " NaN ,na,2,2,no,low")
    manifest, _ = prepare(str(spec_path), tmp_path / "out")
    assert manifest["dropped"] == {} and manifest["rows"]["kept"] == 402


def test_regression_targets_must_be_finite_numbers(tmp_path: Path) -> None:
    spec_path = with_rows(write_dataset(tmp_path, "regression"), "1,red,1,abc,no,low", "1,red,1,-inf,no,low")
    manifest, _ = prepare(str(spec_path), tmp_path / "out")
    assert manifest["dropped"] == {"price is not a number": 1, "price is not finite": 1}


def test_numbers_categories_and_labels_are_encoded_as_the_model_sees_them() -> None:
    schema = Schema(
        "t",
        (Feature("x", minimum=0.0), Feature("y", maximum=1.0), Feature("c", categories=("a", "b"), missing=True)),
        Target("label", "multiclass", "multi:softprob", labels=("p", "q", "r")),
    )
    columns = [np.array([1.0, -2.0, 3.0, 4.0]), np.array([0.5, 0.5, 7.0, 1.0]), np.array(["b", "a", "a", ""])]
    dropped: Counter[str] = Counter()
    rows = encode_rows(schema, columns, np.array(["r", "p", "q", "p"], dtype=object), dropped)
    assert dropped == {"x below 0": 1, "y above 1": 1}
    assert rows.target.tolist() == [2.0, 0.0]
    assert np.array_equal(rows.features, np.array([[1.0, 0.5, 1.0], [4.0, 1.0, np.nan]]), equal_nan=True)


def test_a_missing_column_fails_with_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec_path = write_dataset(tmp_path, "binary")
    spec_path.write_text(spec_path.read_text().replace('column = "Size (m2)"', 'column = "Size (sq ft)"'))
    with pytest.raises(MissingColumnsError) as error:
        prepare(str(spec_path), tmp_path / "out")
    assert str(error.value) == (
        f"{tmp_path / 'houses.csv'}: missing column(s) Size (sq ft); it has Size (m2), colour, age, price, bought, "
        "tier. Fix the spec's features[].column or target.column."
    )
    assert data_cli.main(["--dataset", str(spec_path), "--out", str(tmp_path / "out")]) == 2
    assert "missing column(s) Size (sq ft)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_too_few_valid_rows_say_why(tmp_path: Path) -> None:
    spec_path = write_dataset(tmp_path, "binary", count=2)
    text = spec_path.read_text().replace("minimum = 0\nmaximum = 150", "minimum = 151\nmaximum = 152")
    spec_path.write_text(text.replace("age = 30", "age = 151"))  # the example row must fit the spec too
    with pytest.raises(
        ValueError, match=r"need at least 3 valid rows to split, got 0 \(dropped: 2 age outside \[151, 152\]\)"
    ):
        prepare(str(spec_path), tmp_path / "out")
