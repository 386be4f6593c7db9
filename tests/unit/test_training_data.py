"""Data preparation from a dataset spec: validation, encoding, the split and SageMaker's channel CSV format.

``write_dataset`` makes a small CSV of its own (a categorical column, missing values) and a spec for it,
per task; the other training tests use it too.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from inference.model.schema import Schema
from inference.monitoring.baseline_document import baseline_of
from training import data as data_cli
from training import spec
from training.channels import CHANNEL_FILES, channel_lines, read_channel
from training.data import prepare
from training.dataset import split_rows, stratified_split

COLOURS = ("blue", "green", "red")
TARGETS = {
    "regression": 'column = "price"\ntask = "regression"\nunit = "EUR"\nscale = 1000\ndecimals = 0',
    "binary": 'column = "bought"\ntask = "binary"\nlabels = ["no", "yes"]',
    "multiclass": 'column = "tier"\ntask = "multiclass"\nlabels = ["low", "mid", "high"]',
}
GATES = {"regression": ("rmse", 1e9), "binary": ("auc", 0.0), "multiclass": ("mlogloss", 1e9)}


def write_rows(path: Path, count: int = 400, seed: int = 3) -> Path:
    """Houses: size (8 % missing), colour (categorical, 10 % missing), age; price, bought and tier to predict."""
    rng = np.random.default_rng(seed)
    size, age = rng.uniform(20, 300, count), rng.integers(0, 80, count)
    colour = rng.choice(COLOURS, count)
    price = 100 + 1.5 * size + np.select([colour == "red", colour == "blue"], [50, -30], 0) - 0.5 * age
    tiers = np.digitize(price, np.quantile(price, [1 / 3, 2 / 3]))
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Size (m2)", "colour", "age", "price", "bought", "tier"])
        for i in range(count):
            writer.writerow([
                "" if i % 12 == 5 else f"{size[i]:.1f}",
                ("NA" if i % 2 else "") if i % 10 == 7 else colour[i],
                int(age[i]),
                f"{price[i] + rng.normal(0, 5):.2f}",
                "yes" if (size[i] > 160) != (colour[i] == "blue") else "no",
                ("low", "mid", "high")[tiers[i]],
            ])  # fmt: skip
    return path


def spec_text(
    task: str, csv_name: str = "houses.csv", *, rounds: int = 8, gate: tuple[str, float] | None = None
) -> str:
    metric, threshold = gate or GATES[task]
    return f"""name = "houses_{task}"
[source]
csv = "{csv_name}"
[target]
{TARGETS[task]}
[training]
seed = 7
[training.hyperparameters]
num_round = "{rounds}"
max_depth = "3"
eta = "0.3"
seed = "1"
[training.quality_gate]
metric = "{metric}"
threshold = {threshold}
[[features]]
name = "size"
column = "Size (m2)"
unit = "m²"
minimum = 0
maximum = 1000
missing = true
[[features]]
name = "colour"
categories = {json.dumps(list(COLOURS))}
missing = true
[[features]]
name = "age"
unit = "years"
minimum = 0
maximum = 150
[example]
size = 120.5
colour = "red"
age = 30
"""


def write_dataset(directory: Path, task: str = "binary", count: int = 400, **options: object) -> Path:
    """A CSV and its spec in ``directory``; returns the spec's path."""
    directory.mkdir(parents=True, exist_ok=True)
    write_rows(directory / "houses.csv", count)
    path = directory / f"houses_{task}.toml"
    path.write_text(spec_text(task, **options))  # type: ignore[arg-type]
    return path


def read_lines(directory: Path, channel: str) -> list[str]:
    return (directory / CHANNEL_FILES[channel]).read_text().splitlines()


def test_split_is_deterministic_disjoint_and_complete() -> None:
    first, again, other = split_rows(1000, seed=42), split_rows(1000, seed=42), split_rows(1000, seed=7)
    parts = [set(first.train.tolist()), set(first.validation.tolist()), set(first.test.tolist())]
    assert [len(part) for part in parts] == [700, 150, 150]
    assert parts[0].isdisjoint(parts[1]) and parts[0].isdisjoint(parts[2]) and parts[1].isdisjoint(parts[2])
    assert set().union(*parts) == set(range(1000))
    assert np.array_equal(first.train, again.train) and np.array_equal(first.test, again.test)
    assert not np.array_equal(first.train, other.train)


def test_tiny_split_keeps_every_part_non_empty() -> None:
    split = split_rows(3)
    assert (len(split.train), len(split.validation), len(split.test)) == (1, 1, 1)
    with pytest.raises(ValueError, match="at least 3 valid rows"):
        split_rows(2)
    tiny = stratified_split(np.array([0.0, 1.0, 1.0, 0.0]))
    assert sorted([*tiny.train, *tiny.validation, *tiny.test]) == [0, 1, 2, 3] and len(tiny.test) > 0


def test_stratified_split_keeps_the_class_shares_in_every_part() -> None:
    classes = np.array([0.0] * 600 + [1.0] * 300 + [2.0] * 100)
    split = stratified_split(classes, seed=5)
    shares = {name: np.bincount(classes[rows].astype(int)).tolist() for name, rows in vars(split).items()}
    assert shares == {"train": [420, 210, 70], "validation": [90, 45, 15], "test": [90, 45, 15]}
    everything = np.concatenate([split.train, split.validation, split.test])
    assert sorted(everything.tolist()) == list(range(1000))
    assert np.array_equal(stratified_split(classes, seed=5).test, split.test)
    assert not np.array_equal(np.sort(split.train[:20]), split.train[:20]), "rows are shuffled, not grouped"


def test_channel_lines_put_the_label_first_and_round_trip_float32() -> None:
    features = np.array([[0.1, 1e-7, 123456.79, -124.35, 3.4028235e38, 1 / 3, 41.95, 5.00001]] * 2)
    target = np.array([4.526, 0.14999])
    text = channel_lines(target, features)
    lines = text.splitlines()
    assert len(lines) == 2 and text.endswith("\n")
    assert not any(char.isalpha() and char != "e" for char in text), "no header, numbers only"
    parsed = np.array([[np.float32(float(value)) for value in line.split(",")] for line in lines])
    expected = np.column_stack([target, features]).astype(np.float32)
    assert np.array_equal(parsed, expected)
    assert parsed[:, 0].tolist() == [np.float32(4.526), np.float32(0.14999)]


def test_a_missing_value_is_an_empty_field_that_xgboost_reads_as_missing(tmp_path: Path) -> None:
    import xgboost as xgb

    features = np.array([[np.nan, 2.5, 1.0], [3.0, np.nan, np.nan], [1.0, 2.0, 3.0]])
    path = tmp_path / "train.csv"
    path.write_text(channel_lines(np.array([1.0, 0.0, 1.0]), features))
    assert path.read_text() == "1.0,,2.5,1.0\n0.0,3.0,,\n1.0,1.0,2.0,3.0\n"
    labels, read = read_channel(path, 3)
    assert labels.tolist() == [1, 0, 1] and np.array_equal(read, features.astype(np.float32), equal_nan=True)
    with warnings.catch_warnings():  # the container's text-file reader is deprecated since xgboost 3.1 (once a process)
        warnings.simplefilter("ignore", UserWarning)
        container = xgb.DMatrix(f"{path}?format=csv&label_column=0")
    stored = container.get_data()  # missing cells are the absent entries of the sparse matrix
    assert stored.nnz == 6 and np.array_equal(stored.toarray() != 0, ~np.isnan(features))


def test_prepare_encodes_categories_and_missing_values_and_writes_the_schema(tmp_path: Path) -> None:
    spec_path = write_dataset(tmp_path, "binary")
    manifest, written = prepare(str(spec_path), tmp_path / "out")
    out = tmp_path / "out"
    lines = {channel: read_lines(out, channel) for channel in CHANNEL_FILES}
    assert written and [len(lines[c]) for c in ("train", "validation", "test")] == [280, 60, 60]
    assert manifest["rows"] == {"loaded": 400, "dropped": 0, "kept": 400} and manifest["dataset"] == "houses_binary"
    assert manifest["columns"] == ["bought", "size", "colour", "age"] and manifest["stratified"]
    cells = [line.split(",") for part in lines.values() for line in part]
    assert {row[0] for row in cells} == {"0.0", "1.0"} and {row[2] for row in cells} == {"0.0", "1.0", "2.0", ""}
    assert sum(row[1] == "" for row in cells) == 33 and sum(row[2] == "" for row in cells) == 40
    schema_document = json.loads((out / "schema.json").read_text())
    loaded = spec.load(str(spec_path))
    assert Schema.from_document(schema_document) == dataclasses.replace(loaded.schema, data=schema_document["data"])
    counts = {"loaded": 400, "dropped": 0, "kept": 400, "train": 280, "validation": 60, "test": 60}
    provenance = {
        "sha256": manifest["data_sha256"],
        "source": manifest["source"],
        "spec_sha256": manifest["spec_sha256"],
    }
    assert schema_document["data"] == {"rows": counts, **provenance}
    assert manifest["source"] == {"kind": "csv", "name": "houses.csv", "sha256": manifest["source"]["sha256"]}
    assert manifest["spec_sha256"] == hashlib.sha256(spec_path.read_bytes()).hexdigest()
    assert json.loads((out / "manifest.json").read_text()) == manifest
    for name, entry in manifest["files"].items():
        assert entry["rows"] == len((out / name).read_text().splitlines())


def test_prepare_writes_the_train_channels_baseline_with_the_specs_thresholds(tmp_path: Path) -> None:
    text = spec_text("binary").replace('name = "age"', 'name = "age"\ndrift_threshold = 0.35')
    spec_path = write_dataset(tmp_path, "binary")
    spec_path.write_text(text + "[monitoring]\npsi_threshold = 0.25\n")
    manifest, _ = prepare(str(spec_path), tmp_path / "out")
    baseline = baseline_of(json.loads((tmp_path / "out" / "baseline.json").read_text()))
    _, train = read_channel(tmp_path / "out" / CHANNEL_FILES["train"], 3)
    assert baseline.rows == len(train) == 280 and manifest["baseline_sha256"]
    size, colour, age = baseline.features
    assert [f.threshold for f in baseline.features] == [0.25, 0.25, 0.35]
    assert size.bins.missing == pytest.approx(np.isnan(train[:, 0]).mean(), abs=1e-6)
    assert colour.bins.categories == COLOURS
    shares = [np.mean(train[:, 1] == code) for code in range(len(COLOURS))]
    assert colour.bins.shares[: len(COLOURS)] == pytest.approx(shares, abs=1e-6)
    assert age.bins.count(train[:, 2]).tolist()[:-2] == [round(s * 280) for s in age.bins.shares[:-2]]


@pytest.mark.parametrize(("task", "labels"), [("regression", None), ("multiclass", {"0.0", "1.0", "2.0"})])
def test_prepare_writes_regression_and_multiclass_labels(tmp_path: Path, task: str, labels: set[str] | None) -> None:
    manifest, _ = prepare(str(write_dataset(tmp_path, task)), tmp_path / "out")
    first_column = {line.split(",")[0] for c in CHANNEL_FILES for line in read_lines(tmp_path / "out", c)}
    assert manifest["task"] == task and manifest["stratified"] == (task != "regression")
    if labels is None:
        assert len(first_column) > 300 and all(float(value) > 0 for value in first_column), "prices, as given"
    else:
        assert first_column == labels


def test_same_inputs_rewrite_nothing_and_any_change_of_input_rewrites(tmp_path: Path) -> None:
    spec_path, out = write_dataset(tmp_path), tmp_path / "out"
    first, written = prepare(str(spec_path), out)
    stamps = {path: path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()}
    again, rewritten = prepare(str(spec_path), out)
    assert written and not rewritten and again == first
    assert stamps == {path: path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()}
    reseeded, rewritten = prepare(str(spec_path), out, seed=1)
    assert rewritten and reseeded["data_sha256"] != first["data_sha256"] and reseeded["seed"] == 1
    spec_path.write_text(spec_path.read_text().replace('name = "size"', 'name = "size"\ndescription = "floor area"'))
    described, rewritten = prepare(str(spec_path), out)
    assert rewritten and described["spec_sha256"] != first["spec_sha256"]
    assert json.loads((out / "schema.json").read_text())["features"][0]["description"] == "floor area"
    (out / "schema.json").write_text("{}")
    repaired, rewritten = prepare(str(spec_path), out)
    assert rewritten and repaired == described
    (out / CHANNEL_FILES["train"]).write_text("0,0,0,0\n")
    _, rewritten = prepare(str(spec_path), out)
    assert rewritten and read_lines(out, "train") != ["0,0,0,0"]


def test_cli_reports_counts_and_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--dataset", str(write_dataset(tmp_path, "multiclass")), "--out", str(tmp_path / "out")]
    assert data_cli.main(args) == 0
    output = capsys.readouterr().out
    assert "train/train.csv 280, validation/validation.csv 60, test/test.csv 60" in output
    assert "houses_multiclass (multiclass) from csv houses.csv: 400 rows, 0 dropped, 400 kept; seed 7" in output
    assert data_cli.main(args) == 0
    assert capsys.readouterr().out.startswith("up to date, nothing rewritten")


def test_cli_refuses_an_unknown_dataset_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert data_cli.main(["--dataset", "housing", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        "error: dataset 'housing' is neither a bundled data set (breast_cancer, california_housing, iris) "
        "nor a path to a .toml spec\n"
    )
    assert not (tmp_path / "out").exists()
