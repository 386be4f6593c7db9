"""Train locally and write exactly what SageMaker's built-in XGBoost 3.x job writes.

    python -m training.train_local --data build/training-data --out build/model \\
        [--hyperparameters training/hyperparameters.json] [--force]

Reads the channel CSVs (label in column 0, no header) and the hyperparameters file, trains with the
same xgboost version as the 3.2-0 container, and writes ``model.tar.gz`` (one member, ``xgboost-model``,
UBJSON), ``metrics.json`` (held-out test metrics) and ``predicted_vs_actual.png``. When the artifact
was already trained from the same data and hyperparameters, it is kept and nothing is retrained.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from inference.schema import FEATURE_NAMES
from training import artifact, hyperparameters
from training.channels import CHANNEL_FILES, read_manifest
from training.evaluation import booster_facts, plot_predicted_vs_actual, regression_metrics


class TrainingInputError(ValueError):
    """The data directory or the hyperparameters cannot be used for training."""


def read_channel(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(labels, features) from a channel CSV, as float32 like the container's DMatrix."""
    if not path.is_file():
        raise TrainingInputError(f"channel file not found: {path} (run `python -m training.data` first)")
    table = np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2)
    if table.shape[1] != 1 + len(FEATURE_NAMES) or len(table) == 0:
        raise TrainingInputError(f"{path}: expected rows of label + {len(FEATURE_NAMES)} features")
    return table[:, 0], table[:, 1:]


def train(data: Path, num_round: int, params: dict[str, Any], log_every: int) -> tuple[Any, dict[str, Any]]:
    """Boost ``num_round`` rounds on the train channel, logging train/validation metrics as it goes."""
    import xgboost as xgb

    train_labels, train_features = read_channel(data / CHANNEL_FILES["train"])
    validation_labels, validation_features = read_channel(data / CHANNEL_FILES["validation"])
    dtrain = xgb.DMatrix(train_features, label=train_labels)
    dvalidation = xgb.DMatrix(validation_features, label=validation_labels)
    history: dict[str, Any] = {}
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=num_round,
        evals=[(dtrain, "train"), (dvalidation, "validation")],
        evals_result=history,
        verbose_eval=log_every,
    )
    return booster, history


def final_metric(history: dict[str, Any], channel: str) -> float | None:
    """The last logged value of the first eval metric on ``channel`` (e.g. validation rmse)."""
    metrics = history.get(channel, {})
    return float(next(iter(metrics.values()))[-1]) if metrics else None


def evaluate(booster: Any, data: Path, out: Path) -> dict[str, Any]:
    """Held-out test metrics; draws the predicted-vs-actual plot on the way."""
    test_labels, test_features = read_channel(data / CHANNEL_FILES["test"])
    predicted = booster.inplace_predict(test_features)
    scores = regression_metrics(test_labels, predicted)
    plot_predicted_vs_actual(test_labels, predicted, scores["rmse_usd"], out / artifact.PLOT_NAME)
    return {"test_rows": len(test_labels), **{f"test_{name}": value for name, value in scores.items()}}


def run(data: Path, out: Path, hyperparameters_path: Path, *, force: bool = False) -> tuple[dict[str, Any], bool]:
    """Train unless ``out`` already holds a model from the same inputs; returns (metrics, trained)."""
    manifest = read_manifest(data)
    if manifest is None or "data_sha256" not in manifest:
        raise TrainingInputError(f"no data manifest in {data} (run `python -m training.data --out {data}`)")
    strings = hyperparameters.load_strings(hyperparameters_path)
    num_round, params = hyperparameters.parse(strings)
    version = artifact.xgboost_version()
    expected = artifact.fingerprint(manifest["data_sha256"], strings, version)
    if not force and artifact.is_up_to_date(out, expected):
        return json.loads((out / artifact.METRICS_NAME).read_text(encoding="utf-8")), False
    out.mkdir(parents=True, exist_ok=True)
    booster, history = train(data, num_round, params, log_every=max(1, num_round // 10))
    tarball = artifact.write_model_tarball(booster, out)
    metrics = {
        "fingerprint": expected,
        "data_sha256": manifest["data_sha256"],
        "hyperparameters": strings,
        "xgboost_version": version,
        "num_round": num_round,
        **booster_facts(booster),
        "train_rmse": final_metric(history, "train"),
        "validation_rmse": final_metric(history, "validation"),
        **evaluate(booster, data, out),
        "model_sha256": artifact.sha256_bytes_of(tarball),
    }
    metrics_text = json.dumps(metrics, indent=2) + "\n"
    (out / artifact.METRICS_NAME).write_text(metrics_text, encoding="utf-8")
    return metrics, True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.train_local", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="directory written by training.data")
    parser.add_argument("--out", type=Path, required=True, help="output directory for model.tar.gz")
    parser.add_argument("--hyperparameters", type=Path, default=hyperparameters.DEFAULT_PATH)
    parser.add_argument("--force", action="store_true", help="train even when the model is up to date")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        metrics, trained = run(args.data, args.out, args.hyperparameters, force=args.force)
    except (TrainingInputError, hyperparameters.HyperparameterError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    verb = f"trained in {time.perf_counter() - started:.1f} s" if trained else "up to date, not retrained"
    print(
        f"{args.out / artifact.ARTIFACT_NAME}: {verb}; {metrics['trees']} trees of depth {metrics['max_depth']}; "
        f"test RMSE {metrics['test_rmse_usd']:,.0f} USD, MAE {metrics['test_mae_usd']:,.0f} USD, "
        f"R² {metrics['test_r2']:.4f} on {metrics['test_rows']} held-out rows"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
