"""Local training writes what SageMaker's built-in XGBoost 3.x job writes, and skips unchanged work."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

from tests.unit.test_training_data import write_feature_csv
from training import train_local
from training.channels import CHANNEL_FILES
from training.data import prepare

TINY = {"objective": "reg:squarederror", "eval_metric": "rmse", "num_round": "12", "max_depth": "3"}
TINY |= {"eta": "0.3", "seed": "1"}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    prepare(tmp_path / "data", csv_path=write_feature_csv(tmp_path / "houses.csv", count=600))
    return tmp_path / "data"


@pytest.fixture
def tiny_hyperparameters(tmp_path: Path) -> Path:
    path = tmp_path / "hyperparameters.json"
    path.write_text(json.dumps(TINY))
    return path


def model_bytes(tarball: Path) -> tuple[list[str], bytes]:
    with tarfile.open(tarball, "r:gz") as tar:
        names = tar.getnames()
        member = tar.extractfile("xgboost-model")
        assert member is not None
        return names, member.read()


def test_artifact_is_one_ubjson_member_that_xgboost_loads(data_dir: Path, tiny_hyperparameters: Path) -> None:
    import xgboost as xgb

    out = data_dir.parent / "model"
    _, trained = train_local.run(data_dir, out, tiny_hyperparameters)
    names, raw = model_bytes(out / "model.tar.gz")
    assert trained and names == ["xgboost-model"]
    assert raw[:1] == b"{" and raw[1:2] not in (b'"', b" ", b"\n"), "UBJSON, not JSON text"
    with pytest.raises(ValueError):
        json.loads(raw)
    booster = xgb.Booster()
    booster.load_model(bytearray(raw))
    assert booster.num_boosted_rounds() == 12 and booster.num_features() == 8
    _, test_rows = train_local.read_channel(data_dir / CHANNEL_FILES["test"])
    assert np.all(np.isfinite(booster.inplace_predict(test_rows)))


def test_metrics_describe_the_held_out_test_set(data_dir: Path, tiny_hyperparameters: Path) -> None:
    out = data_dir.parent / "model"
    metrics, _ = train_local.run(data_dir, out, tiny_hyperparameters)
    assert json.loads((out / "metrics.json").read_text()) == metrics
    manifest = json.loads((data_dir / "manifest.json").read_text())
    assert metrics["data_sha256"] == manifest["data_sha256"] and metrics["hyperparameters"] == TINY
    assert metrics["xgboost_version"] == "3.2.0" and metrics["test_rows"] == 90
    assert (metrics["num_round"], metrics["trees"], metrics["max_depth"], metrics["eta"]) == (12, 12, 3, 0.3)
    assert metrics["test_rmse_usd"] == pytest.approx(metrics["test_rmse"] * 100_000)
    assert metrics["test_mae_usd"] == pytest.approx(metrics["test_mae"] * 100_000)
    assert 0 < metrics["test_mae"] <= metrics["test_rmse"] < 0.5 and 0.8 < metrics["test_r2"] <= 1
    assert 0 < metrics["train_rmse"] < metrics["validation_rmse"] < 0.5
    assert (out / "predicted_vs_actual.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unchanged_inputs_skip_training_and_changes_retrain(data_dir: Path, tiny_hyperparameters: Path) -> None:
    out = data_dir.parent / "model"
    first, trained = train_local.run(data_dir, out, tiny_hyperparameters)
    stamp = (out / "model.tar.gz").stat().st_mtime_ns
    again, retrained = train_local.run(data_dir, out, tiny_hyperparameters)
    assert trained and not retrained and again == first and (out / "model.tar.gz").stat().st_mtime_ns == stamp
    _, forced = train_local.run(data_dir, out, tiny_hyperparameters, force=True)
    assert forced and json.loads((out / "metrics.json").read_text())["model_sha256"] == first["model_sha256"]
    tiny_hyperparameters.write_text(json.dumps(TINY | {"num_round": "13"}))
    changed, retrained = train_local.run(data_dir, out, tiny_hyperparameters)
    assert retrained and changed["trees"] == 13 and changed["fingerprint"] != first["fingerprint"]
    (out / "model.tar.gz").write_bytes(b"damaged")
    _, repaired = train_local.run(data_dir, out, tiny_hyperparameters)
    assert repaired and model_bytes(out / "model.tar.gz")[0] == ["xgboost-model"]


def test_cli_trains_then_reports_up_to_date(
    data_dir: Path, tiny_hyperparameters: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--data", str(data_dir), "--out", str(data_dir.parent / "model")]
    assert train_local.main([*args, "--hyperparameters", str(tiny_hyperparameters)]) == 0
    output = capsys.readouterr().out
    assert "[0]\ttrain-rmse:" in output and "validation-rmse:" in output and "trained in" in output
    assert train_local.main([*args, "--hyperparameters", str(tiny_hyperparameters)]) == 0
    assert "up to date, not retrained; 12 trees of depth 3; test RMSE" in capsys.readouterr().out


def test_missing_data_or_bad_hyperparameters_fail_clearly(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train_local.main(["--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m")]) == 2
    assert "no data manifest" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(TINY | {"early_stopping_rounds": "5"}))
    args = ["--data", str(data_dir), "--out", str(tmp_path / "m"), "--hyperparameters", str(bad)]
    assert train_local.main(args) == 2
    assert "early_stopping_rounds is not used here" in capsys.readouterr().err
    assert not (tmp_path / "m" / "model.tar.gz").exists()
