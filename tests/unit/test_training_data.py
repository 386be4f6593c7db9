"""Data preparation: schema validation, the deterministic split and SageMaker's channel CSV format."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from inference.schema import FEATURE_NAMES, TARGET_NAME
from tests.support.models import synthetic_rows, synthetic_target
from training import data as data_cli
from training.channels import CHANNEL_FILES, channel_lines
from training.data import prepare
from training.dataset import split_rows
from training.sources import RAW_COLUMNS, MissingColumnsError, load_csv


def write_feature_csv(path: Path, count: int = 400) -> Path:
    rows = synthetic_rows(count, seed=3).astype(np.float64)
    target = synthetic_target(rows)
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([*FEATURE_NAMES, TARGET_NAME])
        writer.writerows([*map(float, row), float(label)] for row, label in zip(rows, target, strict=True))
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
    assert np.array_equal(np.loadtxt(lines, delimiter=",", dtype=np.float32), expected)
    assert parsed[:, 0].tolist() == [np.float32(4.526), np.float32(0.14999)]


def test_prepare_writes_disjoint_channels_and_a_manifest(tmp_path: Path) -> None:
    source = write_feature_csv(tmp_path / "houses.csv")
    manifest, written = prepare(tmp_path / "out", csv_path=source)
    out = tmp_path / "out"
    lines = {channel: read_lines(out, channel) for channel in CHANNEL_FILES}
    assert written and [len(lines[c]) for c in ("train", "validation", "test")] == [280, 60, 60]
    assert all(len(line.split(",")) == 1 + len(FEATURE_NAMES) for part in lines.values() for line in part)
    all_rows = [line for part in lines.values() for line in part]
    assert len(set(all_rows)) == 400, "every source row lands in exactly one channel"
    assert manifest["rows"] == {"loaded": 400, "dropped": 0, "kept": 400}
    assert manifest["columns"] == [TARGET_NAME, *FEATURE_NAMES] and manifest["label_column"] == 0
    assert manifest["source"] == {"kind": "csv", "name": "houses.csv", "sha256": manifest["source"]["sha256"]}
    assert json.loads((out / "manifest.json").read_text()) == manifest
    for name, entry in manifest["files"].items():
        assert entry["rows"] == len((out / name).read_text().splitlines())


def test_same_inputs_give_identical_files_and_a_different_seed_does_not(tmp_path: Path) -> None:
    source = write_feature_csv(tmp_path / "houses.csv")
    first, _ = prepare(tmp_path / "a", csv_path=source, seed=42)
    second, _ = prepare(tmp_path / "b", csv_path=source, seed=42)
    reseeded, _ = prepare(tmp_path / "c", csv_path=source, seed=1)
    assert first["files"] == second["files"] and first["data_sha256"] == second["data_sha256"]
    assert reseeded["data_sha256"] != first["data_sha256"]


def test_raw_census_columns_are_derived_and_incomplete_rows_dropped(tmp_path: Path) -> None:
    path = tmp_path / "census.csv"
    path.write_text(
        ",".join(RAW_COLUMNS) + "\n"
        "-122.23,37.88,41,880,129,322,126,8.3252,452600\n"
        "-122.22,37.86,21,7099,,2401,1138,8.3014,358500\n"
        "-122.24,37.85,52,1467,190,496,0,7.2574,352100\n"
        "-122.25,37.85,52,1274,235,558,219,5.6431,341300\n"
    )
    loaded = load_csv(path)
    assert loaded.dropped == {"missing value": 1, "households is not positive": 1}
    first = dict(zip(FEATURE_NAMES, loaded.features[0], strict=True))
    assert first["MedInc"] == 8.3252 and first["HouseAge"] == 41 and first["Population"] == 322
    assert first["AveRooms"] == pytest.approx(880 / 126) and first["AveBedrms"] == pytest.approx(129 / 126)
    assert first["AveOccup"] == pytest.approx(322 / 126)
    assert (first["Latitude"], first["Longitude"]) == (37.88, -122.23)
    assert loaded.target.tolist() == pytest.approx([4.526, 3.413])


def test_rows_outside_the_schema_ranges_are_dropped_and_counted(tmp_path: Path) -> None:
    path = write_feature_csv(tmp_path / "houses.csv", count=20)
    rows = path.read_text().splitlines()
    bad_latitude = rows[1].split(",")
    bad_latitude[FEATURE_NAMES.index("Latitude")] = "51.5"
    not_a_number = rows[2].split(",")
    not_a_number[FEATURE_NAMES.index("MedInc")] = "lots"
    path.write_text("\n".join([rows[0], ",".join(bad_latitude), ",".join(not_a_number), *rows[3:]]) + "\n")
    manifest, _ = prepare(tmp_path / "out", csv_path=path)
    assert manifest["dropped"] == {"Latitude outside [32, 42.5]": 1, "MedInc is not a number": 1}
    assert manifest["rows"] == {"loaded": 20, "dropped": 2, "kept": 18}


def test_a_missing_column_fails_with_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "partial.csv"
    path.write_text(",".join(name for name in RAW_COLUMNS if name != "households") + "\n1,2,3,4,5,6,7,8\n")
    with pytest.raises(MissingColumnsError, match=r"missing column\(s\) households\. A CSV needs"):
        load_csv(path)
    assert data_cli.main(["--out", str(tmp_path / "out"), "--csv", str(path)]) == 2
    assert "missing column(s) households" in capsys.readouterr().err
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_unchanged_inputs_rewrite_nothing_and_damaged_outputs_are_rebuilt(tmp_path: Path) -> None:
    source, out = write_feature_csv(tmp_path / "houses.csv"), tmp_path / "out"
    first, written = prepare(out, csv_path=source)
    train_file = out / CHANNEL_FILES["train"]
    stamp = train_file.stat().st_mtime_ns
    again, rewritten = prepare(out, csv_path=source)
    assert written and not rewritten and again == first and train_file.stat().st_mtime_ns == stamp
    train_file.write_text("0,0,0,0,0,0,0,0,0\n")
    repaired, rewritten = prepare(out, csv_path=source)
    assert rewritten and repaired["files"] == first["files"]


def test_cli_reports_counts_and_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--out", str(tmp_path / "out"), "--csv", str(write_feature_csv(tmp_path / "houses.csv"))]
    assert data_cli.main(args) == 0
    assert "train/train.csv 280, validation/validation.csv 60, test/test.csv 60" in capsys.readouterr().out
    assert data_cli.main(args) == 0
    assert capsys.readouterr().out.startswith("up to date, nothing rewritten")
