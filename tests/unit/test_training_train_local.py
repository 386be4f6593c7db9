"""Local training writes what SageMaker's built-in XGBoost 3.x job writes, per task, behind the quality gate."""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
import warnings
from pathlib import Path

import numpy as np
import pytest

from inference.model.bundle import ModelBundle, load_forest
from inference.monitoring.baseline_document import baseline_of
from tests.unit.test_training_data import write_dataset
from training import train_local
from training.channels import CHANNEL_FILES, read_channel
from training.data import prepare
from training.local_run import GateMissedError, TrainingInputError, train_checked


def prepared(directory: Path, task: str, **options: object) -> tuple[Path, Path]:
    """(spec path, data directory) for the houses CSV."""
    spec_path = write_dataset(directory, task, **options)
    prepare(str(spec_path), directory / "data")
    return spec_path, directory / "data"


def booster_of(tarball: Path):  # type: ignore[no-untyped-def]
    import xgboost as xgb

    with tarfile.open(tarball, "r:gz") as tar:
        assert tar.getnames() == ["xgboost-model"]
        member = tar.extractfile("xgboost-model")
        assert member is not None
        raw = member.read()
    assert raw[:1] == b"{" and raw[1:2] not in (b'"', b" ", b"\n"), "UBJSON, not JSON text"
    booster = xgb.Booster()
    booster.load_model(bytearray(raw))
    return booster


def test_regression_writes_the_artifact_schema_metrics_and_plot(tmp_path: Path) -> None:
    spec_path, data = prepared(tmp_path, "regression", rounds=12)
    out = tmp_path / "model"
    result = train_checked(data, out, str(spec_path))
    metrics = result.metrics
    assert result.trained and json.loads((out / "metrics.json").read_text()) == metrics
    assert (out / "schema.json").read_bytes() == (data / "schema.json").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == [
        "baseline.json",
        "metrics.json",
        "model.compiled.npz",
        "model.tar.gz",
        "predicted_vs_actual.png",
        "schema.json",
    ]
    served = load_forest(str(out / "model.tar.gz"))  # the compiled form beside it is what is served
    assert served.feature_names == ModelBundle.load(str(out / "model.tar.gz")).schema.names  # only an archive has them
    assert metrics["compiled_sha256"] == hashlib.sha256((out / "model.compiled.npz").read_bytes()).hexdigest()
    rows = np.random.default_rng(3).uniform(0, 10, size=(40, 3)).astype(np.float32)
    plain = load_forest(str(out / "model.tar.gz"), compiled_uri="none")
    assert plain.feature_names is None
    np.testing.assert_array_equal(served.forest.predict(rows), plain.forest.predict(rows))
    booster = booster_of(out / "model.tar.gz")
    assert booster.num_boosted_rounds() == 12 and booster.num_features() == 3
    assert (metrics["num_round"], metrics["trees"], metrics["max_depth"], metrics["eta"]) == (12, 12, 3, 0.3)
    assert metrics["test_rows"] == 60 and metrics["xgboost_version"] == "3.2.0" and metrics["unit_suffix"] == "eur"
    assert metrics["test_rmse_eur"] == pytest.approx(metrics["test_rmse"] * 1000)
    assert metrics["test_mae_eur"] == pytest.approx(metrics["test_mae"] * 1000)
    assert 0 < metrics["test_mae"] <= metrics["test_rmse"] < 40 and 0.8 < metrics["test_r2"] <= 1
    assert 0 < metrics["train_rmse"] < 40 and 0 < metrics["validation_rmse"] == metrics["quality_gate"]["value"] < 40
    assert metrics["hyperparameters"]["eval_metric"] == "rmse"
    assert (out / "predicted_vs_actual.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_baseline_beside_the_model_adds_its_answers_and_the_validation_metric(tmp_path: Path) -> None:
    spec_path, data = prepared(tmp_path, "binary", rounds=10)
    out = tmp_path / "model"
    metrics = train_checked(data, out, str(spec_path)).metrics
    baseline = baseline_of(json.loads((out / "baseline.json").read_text()))
    assert baseline.features == baseline_of(json.loads((data / "baseline.json").read_text())).features
    answers = baseline.answers
    assert answers is not None and (answers.kind, answers.metric, answers.rows) == ("probability", "auc", 60)
    assert answers.validation == pytest.approx(metrics["validation_auc"], abs=1e-6)  # the monitor's AUC, xgboost's
    _, features = read_channel(data / CHANNEL_FILES["validation"], 3)
    served = ModelBundle.load(str(out / "model.tar.gz")).ensemble.predict(features)  # the validation rows' answers
    assert served == pytest.approx(booster_of(out / "model.tar.gz").inplace_predict(features), abs=1e-6)
    assert answers.bins.count(served).tolist()[:-2] == [round(s * 60) for s in answers.bins.shares[:-2]]
    assert metrics["baseline_sha256"] == hashlib.sha256((out / "baseline.json").read_bytes()).hexdigest()


@pytest.mark.parametrize(("task", "labels"), [("binary", ["no", "yes"]), ("multiclass", ["low", "mid", "high"])])
def test_classification_reports_log_loss_auc_accuracy_and_the_confusion_matrix(
    tmp_path: Path, task: str, labels: list[str]
) -> None:
    spec_path, data = prepared(tmp_path, task, rounds=10)
    out = tmp_path / "model"
    metrics = train_checked(data, out, str(spec_path)).metrics
    matrix = metrics["test_confusion_matrix"]
    assert matrix["labels"] == labels and metrics["labels"] == labels
    counts = np.array(matrix["rows_actual_columns_predicted"])
    actual, features = read_channel(data / CHANNEL_FILES["test"], 3)
    assert counts.shape == (len(labels), len(labels)) and counts.sum() == metrics["test_rows"] == 60
    assert counts.sum(axis=1).tolist() == np.bincount(actual.astype(int), minlength=len(labels)).tolist()
    assert metrics["test_accuracy"] == pytest.approx(np.trace(counts) / 60) and metrics["test_accuracy"] > 0.7
    assert 0 < metrics["test_logloss"] < 0.8 and 0.8 < metrics["test_auc"] <= 1
    booster = booster_of(out / "model.tar.gz")
    predicted = booster.inplace_predict(features)
    if task == "binary":
        assert predicted.shape == (60,) and metrics["trees"] == 10
    else:
        assert predicted.shape == (60, 3) and metrics["trees"] == 30
        assert metrics["hyperparameters"]["num_class"] == "3"
    assert (out / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (out / "predicted_vs_actual.png").exists()


def test_missing_values_train_like_the_container_reads_them(tmp_path: Path) -> None:
    import xgboost as xgb

    spec_path, data = prepared(tmp_path, "binary")
    train_checked(data, tmp_path / "model", str(spec_path))
    booster = booster_of(tmp_path / "model" / "model.tar.gz")
    _, features = read_channel(data / CHANNEL_FILES["test"], 3)
    assert np.isnan(features).any()
    with warnings.catch_warnings():  # the container's text-file reader is deprecated since xgboost 3.1 (once a process)
        warnings.simplefilter("ignore", UserWarning)
        container = xgb.DMatrix(f"{data / CHANNEL_FILES['test']}?format=csv&label_column=0")
    assert np.array_equal(booster.predict(container), booster.inplace_predict(features))


def test_unchanged_inputs_skip_training_and_changes_retrain(tmp_path: Path) -> None:
    spec_path, data = prepared(tmp_path, "binary")
    out = tmp_path / "model"
    first = train_checked(data, out, str(spec_path))
    stamp = (out / "model.tar.gz").stat().st_mtime_ns
    again = train_checked(data, out, str(spec_path))
    assert not again.trained and again.metrics == first.metrics and (out / "model.tar.gz").stat().st_mtime_ns == stamp
    assert again.verdict == first.verdict
    forced = train_checked(data, out, str(spec_path), force=True)
    assert forced.trained and forced.metrics["model_sha256"] == first.metrics["model_sha256"], "deterministic"
    spec_path.write_text(spec_path.read_text().replace('num_round = "8"', 'num_round = "9"'))
    with pytest.raises(TrainingInputError, match=r"was prepared from another spec than .* \(or from an older version"):
        train_checked(data, out, str(spec_path))
    prepare(str(spec_path), data)
    changed = train_checked(data, out, str(spec_path))
    assert (
        changed.trained
        and changed.metrics["trees"] == 9
        and changed.metrics["fingerprint"] != first.metrics["fingerprint"]
    )
    (out / "model.tar.gz").write_bytes(b"damaged")
    assert train_checked(data, out, str(spec_path)).trained


def test_a_model_that_misses_the_gate_never_reaches_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec_path, data = prepared(tmp_path, "binary", gate=("auc", 0.999))
    args = ["--data", str(data), "--out", str(tmp_path / "model"), "--dataset", str(spec_path)]
    assert train_local.main(args) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: validation:auc = ") and "MISSES the quality gate (>= 0.999)" in error
    assert f"nothing new was written to {tmp_path / 'model'}" in error and "[training.quality_gate]" in error
    assert not (tmp_path / "model").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "houses.csv", "houses_binary.toml"], "no staging left"


def test_a_missing_gate_leaves_the_previous_model_untouched(tmp_path: Path) -> None:
    spec_path, data = prepared(tmp_path, "binary")
    out = tmp_path / "model"
    train_checked(data, out, str(spec_path))
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    spec_path.write_text(spec_path.read_text().replace("threshold = 0.0", "threshold = 0.999"))
    prepare(str(spec_path), data)
    with pytest.raises(GateMissedError):
        train_checked(data, out, str(spec_path), force=True)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


def test_cli_trains_then_reports_up_to_date_with_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec_path, data = prepared(tmp_path, "regression", rounds=12)
    args = ["--data", str(data), "--out", str(tmp_path / "model"), "--dataset", str(spec_path)]
    assert train_local.main(args) == 0
    output = capsys.readouterr().out
    assert "[0]\ttrain-rmse:" in output and "validation-rmse:" in output and "trained in" in output
    assert train_local.main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        f"{tmp_path / 'model' / 'model.tar.gz'}: up to date, not retrained; 12 trees of depth 3;"
    )
    assert re.search(r"; test RMSE [\d,]+ EUR, MAE [\d,]+ EUR, R² 0\.\d{4} on 60 held-out rows$", lines[0]), lines[0]
    assert lines[1].startswith("validation:rmse = ") and lines[1].endswith("passes the quality gate (<= 1e+09)")


def test_missing_data_or_another_spec_fail_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert train_local.main(["--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m")]) == 2
    assert "no data manifest in" in capsys.readouterr().err
    _, data = prepared(tmp_path, "binary")
    assert train_local.main(["--data", str(data), "--out", str(tmp_path / "m")]) == 2
    assert "prepared from the spec 'houses_binary', which is not bundled: pass --dataset" in capsys.readouterr().err
    assert train_local.main(["--data", str(data), "--out", str(tmp_path / "m"), "--dataset", "iris"]) == 2
    assert "was prepared from another spec than" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
