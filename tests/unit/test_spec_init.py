"""``training.spec_init``: a starting spec from a user's CSV, which the loader, data preparation and training accept."""

from __future__ import annotations

import contextlib
import csv
import math
import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tests.unit.test_training_data import write_rows
from training import spec, spec_init
from training.csv_profile import ColumnProfile, ProfileError
from training.data import prepare
from training.local_run import train_checked
from training.spec_guess import guess_task, numeric_range


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def column(*values: str) -> ColumnProfile:
    numbers = []
    for value in values:
        with contextlib.suppress(ValueError):
            numbers.append(float(value))
    return ColumnProfile("c", len(values), 0, Counter(values), tuple(numbers))


def test_the_written_spec_round_trips_and_trains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = write_rows(tmp_path / "houses.csv")
    out = tmp_path / "specs" / "houses.toml"
    assert spec_init.main([str(csv_path), "--target", "bought", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"wrote {out}: 400 rows; 5 features (3 numeric, 2 categorical, 2 may be missing); "
                              "target bought: binary with labels no, yes (2 distinct texts); quality gate "
                              "validation:auc >= 0.7")  # fmt: skip
    loaded = spec.load(str(out))
    features = {feature.name: feature for feature in loaded.schema.features}
    assert list(features) == ["Size_m2", "colour", "age", "price", "tier"]
    assert loaded.columns == ("Size (m2)", "colour", "age", "price", "tier") and loaded.target_column == "bought"
    assert features["colour"].categories == ("blue", "green", "red") and features["colour"].missing
    assert features["tier"].categories == ("high", "low", "mid") and not features["tier"].missing
    assert features["Size_m2"].missing and not features["age"].missing
    assert (features["age"].minimum, features["age"].maximum) == (0, 87)
    assert (
        loaded.source == spec.Source("csv", str(csv_path))
        and loaded.schema.example["colour"] in features["colour"].categories
    )
    assert "rows.csv" not in out.read_text() and 'csv = "../houses.csv"' in out.read_text()
    manifest, _ = prepare(str(out), tmp_path / "data")
    assert manifest["rows"] == {"loaded": 400, "dropped": 0, "kept": 400}, "every row is inside the written ranges"
    result = train_checked(tmp_path / "data", tmp_path / "model", str(out))
    assert result.trained and result.metrics["test_auc"] > 0.8 and (tmp_path / "model" / "model.tar.gz").is_file()


@pytest.mark.parametrize(
    ("values", "task"),
    [(["1", "2", "10", "2"], "multiclass"), (["0", "1", "1"], "binary"), (["a", "b", "c"], "multiclass"),
     (["0.5", "1.5", "2"], "regression"), ([str(i) for i in range(11)], "regression")],
)  # fmt: skip
def test_the_task_is_guessed_from_the_target_column(values: list[str], task: str) -> None:
    assert guess_task(column(*values))[0] == task
    with pytest.raises(ProfileError, match="has 1 distinct value"):
        guess_task(column("7", "7"))


def test_ranges_are_widened_rounded_outwards_and_stay_non_negative() -> None:
    assert numeric_range(column("0.5", "15")) == (0, 17)
    assert numeric_range(column("32.54", "41.95")) == (31.5, 42.9)
    assert numeric_range(column("-3", "7")) == (-4, 8)
    assert numeric_range(column("1", "9")) == (0, 10), "integers get integer bounds"
    assert numeric_range(column("5", "5")) == (4, 6)


def test_integer_labels_sort_numerically_and_stray_texts_keep_a_column_numeric(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = [
        [f"{x:.2f}" if i % 50 else "?", "", int(x // 4) * 5 + (5 if x > 18 else 0)]
        for i, x in enumerate(rng.uniform(0, 20, 300))
    ]
    csv_path = write_csv(tmp_path / "levels.csv", ["reading", "notes", "level"], rows)
    out, _ = spec_init.write_spec(csv_path, "level", tmp_path / "levels.toml")
    text = out.read_text()
    document = tomllib.loads(text)
    assert (
        document["target"]["labels"] == ["0", "5", "10", "15", "20", "25"]
        and document["target"]["task"] == "multiclass"
    )
    assert [feature["name"] for feature in document["features"]] == ["reading"]
    assert "# The column 'notes' has no value in any row: it is left out." in text
    assert "# 1 distinct value(s) are not numbers ('?'): `make data` drops those rows" in text
    manifest, _ = prepare(str(out), tmp_path / "data")
    assert manifest["dropped"] == {"reading is not a number": 6}
    assert document["training"]["quality_gate"]["metric"] == "mlogloss"
    assert 0 < document["training"]["quality_gate"]["threshold"] < math.log(6), "better than guessing the shares"


def test_identifiers_are_left_out_and_the_word_none_is_flagged(tmp_path: Path) -> None:
    rows = [[f"C{i:04d}", ("none", "dsl", "fiber")[i % 3], i % 7, "yes" if i % 7 > 3 else "no"] for i in range(60)]
    csv_path = write_csv(tmp_path / "customers.csv", ["customer_id", "internet", "calls", "churn"], rows)
    out, what = spec_init.write_spec(csv_path, "churn", tmp_path / "customers.toml")
    text = out.read_text()
    assert [feature.name for feature in spec.load(str(out)).schema.features] == ["internet", "calls"]
    assert "# The column 'customer_id' has 60 distinct texts in 60 rows, like an identifier or free text" in text
    assert "# 20 of those are the text 'none', which is read as missing: if it is a value (a category)" in text
    assert what.startswith("60 rows; 2 features (1 numeric, 1 categorical, 1 may be missing)")


def test_a_regression_target_gets_an_rmse_gate_below_its_spread(tmp_path: Path) -> None:
    out, _ = spec_init.write_spec(write_rows(tmp_path / "houses.csv"), "price", tmp_path / "p.toml", name="prices")
    loaded = spec.load(str(out))
    assert loaded.name == "prices" and loaded.schema.task == "regression" and loaded.gate.metric == "rmse"
    prices = [float(row["price"]) for row in csv.DictReader((tmp_path / "houses.csv").open())]
    assert loaded.gate.threshold == pytest.approx(0.9 * np.std(prices), rel=1e-2)
    assert '# unit = "USD"' in out.read_text(), "the regression unit and scale are offered as comments"


def test_mistakes_are_refused_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = write_rows(tmp_path / "houses.csv")
    out = tmp_path / "houses.toml"
    assert spec_init.main([str(csv_path), "--target", "Price", "--out", str(out)]) == 2
    assert capsys.readouterr().err == (f"error: {csv_path} has no column 'Price'; its columns: Size (m2), colour, age, "
                                       "price, bought, tier\n")  # fmt: skip
    assert spec_init.main([str(csv_path), "--target", "colour", "--task", "regression", "--out", str(out)]) == 2
    assert "--task regression needs a numeric target; 'colour' holds text" in capsys.readouterr().err
    assert spec_init.main([str(csv_path), "--target", "tier", "--task", "binary", "--out", str(out)]) == 2
    assert "--task binary needs 2 distinct target values; 'tier' has 3" in capsys.readouterr().err
    assert not out.exists()
    assert spec_init.main([str(csv_path), "--target", "tier", "--out", str(out)]) == 0
    assert spec_init.main([str(csv_path), "--target", "tier", "--out", str(out)]) == 2
    assert f"{out} exists; pass --force to overwrite it" in capsys.readouterr().err
    assert spec_init.main([str(csv_path), "--target", "bought", "--out", str(out), "--force"]) == 0
    assert spec.load(str(out)).schema.task == "binary"
