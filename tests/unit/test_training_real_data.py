"""The real California Housing data (../shared/data), when present: counts, unchanged channels and accuracy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import california_data_home
from training import train_local
from training.data import prepare
from training.spec import DATASETS_DIR

pytestmark = pytest.mark.real_data

CHANNELS_BEFORE_SPECS = "d097dc27961c09b68d68d94a3c289f97ab74f2ae471d2695966d12c88e83a94e"
"""data_sha256 of the channels the California-only preparation wrote: the spec must give the same bytes."""
RealData = tuple[Path, dict[str, Any]]


@pytest.fixture(scope="module")
def real_data(tmp_path_factory: pytest.TempPathFactory) -> RealData:
    out = tmp_path_factory.mktemp("real") / "data"
    manifest, _ = prepare("california_housing", out, data_home=california_data_home())
    return out, manifest


def test_scikit_learn_source_keeps_every_row_and_the_same_channels(real_data: RealData) -> None:
    out, manifest = real_data
    assert manifest["rows"] == {"loaded": 20640, "dropped": 0, "kept": 20640}
    counts = {name: entry["rows"] for name, entry in manifest["files"].items()}
    assert counts == {"train/train.csv": 14448, "validation/validation.csv": 3096, "test/test.csv": 3096}
    assert manifest["data_sha256"] == CHANNELS_BEFORE_SPECS and not manifest["stratified"]
    target = json.loads((out / "schema.json").read_text())["target"]
    assert (target["name"], target["unit"], target["scale"], target["decimals"]) == ("MedHouseVal", "USD", 100000, 2)


def test_a_short_training_run_reaches_a_sane_held_out_rmse(
    real_data: RealData, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (DATASETS_DIR / "california_housing.toml").read_text()
    hyperparameters = 'hyperparameters = { num_round = "60", max_depth = "6", eta = "0.3", seed = "1" }'
    short = tmp_path / "california_short.toml"
    short.write_text(text.replace('hyperparameters = "../training/hyperparameters.json"', hyperparameters))
    prepare(str(short), tmp_path / "data", data_home=california_data_home())
    args = ["--data", str(tmp_path / "data"), "--out", str(tmp_path / "model"), "--dataset", str(short)]
    assert train_local.main(args) == 0
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["data_sha256"] == real_data[1]["data_sha256"]
    assert 35_000 < metrics["test_rmse_usd"] < 55_000 and metrics["test_r2"] > 0.75
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2].endswith(
        f"; 60 trees of depth 6; test RMSE {metrics['test_rmse_usd']:,.0f} USD, "
        f"MAE {metrics['test_mae_usd']:,.0f} USD, R² {metrics['test_r2']:.4f} on 3096 held-out rows"
    )
    assert lines[-1].startswith("validation:rmse = ") and lines[-1].endswith("passes the quality gate (<= 0.6)")
