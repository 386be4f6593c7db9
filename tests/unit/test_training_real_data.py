"""The real California Housing data (../shared/data), when present: counts, derivation and accuracy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED_DATA
from training import train_local
from training.data import prepare

pytestmark = pytest.mark.real_data

SKLEARN_HOME = SHARED_DATA / "scikit_learn_data"
RAW_CSV = SHARED_DATA / "california_housing.csv"
RealData = tuple[Path, dict[str, Any]]


@pytest.fixture(scope="module")
def real_data(tmp_path_factory: pytest.TempPathFactory) -> RealData:
    if not (SKLEARN_HOME / "cal_housing_py3.pkz").is_file():
        pytest.skip(f"real data absent: {SKLEARN_HOME}/cal_housing_py3.pkz not found (needs ../shared/data)")
    out = tmp_path_factory.mktemp("real") / "data"
    manifest, _ = prepare(out, data_home=SKLEARN_HOME)
    return out, manifest


def test_scikit_learn_source_keeps_every_row_and_splits_70_15_15(real_data: RealData) -> None:
    _, manifest = real_data
    assert manifest["rows"] == {"loaded": 20640, "dropped": 0, "kept": 20640}
    counts = {name: entry["rows"] for name, entry in manifest["files"].items()}
    assert counts == {"train/train.csv": 14448, "validation/validation.csv": 3096, "test/test.csv": 3096}


def test_raw_census_csv_derives_the_same_features_as_scikit_learn(real_data: RealData, tmp_path: Path) -> None:
    if not RAW_CSV.is_file():
        pytest.skip(f"real data absent: {RAW_CSV} not found")
    from_csv, _ = prepare(tmp_path / "csv", csv_path=RAW_CSV)
    assert from_csv["data_sha256"] == real_data[1]["data_sha256"], "derived columns match scikit-learn's"


def test_a_short_training_run_reaches_a_sane_held_out_rmse(real_data: RealData, tmp_path: Path) -> None:
    hyperparameters = tmp_path / "hp.json"
    hyperparameters.write_text(json.dumps({"num_round": "60", "max_depth": "6", "eta": "0.3", "seed": "1"}))
    metrics, _ = train_local.run(real_data[0], tmp_path / "model", hyperparameters)
    assert 35_000 < metrics["test_rmse_usd"] < 55_000 and metrics["test_r2"] > 0.75
