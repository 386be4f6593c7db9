"""Compare a few hyperparameter sets on held-out accuracy and on serving cost.

    python -m training.compare_hyperparameters --data build/training-data/california_housing

Every candidate trains on the train channel for all of its rounds (no early stopping, as in production),
and is scored on the validation channel (used to choose) and on the test channel (reported), averaged over
a few training seeds (the seed only matters when rows or columns are subsampled). Serving cost
is the median time of one single-row ``inplace_predict`` call with one thread: the server evaluates every
tree for every request, so it grows with trees x depth. Prints a Markdown table. It is how California
Housing's hyperparameters were chosen (``training/HYPERPARAMETERS.md``); it works for any regression data
directory, reporting RMSE in the schema's unit (model units x ``scale``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from inference.model.schema import Schema
from training.channels import CHANNEL_FILES, SCHEMA_NAME, read_channel

BASE = {"objective": "reg:squarederror", "eval_metric": "rmse", "tree_method": "hist"}
SAMPLED = {"subsample": 0.8, "colsample_bytree": 0.8}
CANDIDATES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("depth 6, eta 0.3, 100 rounds", {"max_depth": 6, "eta": 0.3, "num_round": 100}),
    ("depth 6, eta 0.1, 300 rounds", {"max_depth": 6, "eta": 0.1, "num_round": 300}),
    ("depth 7, eta 0.1, 300 rounds", {"max_depth": 7, "eta": 0.1, "num_round": 300}),
    ("depth 8, eta 0.1, 300 rounds", {"max_depth": 8, "eta": 0.1, "num_round": 300}),
    ("depth 6, eta 0.05, 600 rounds", {"max_depth": 6, "eta": 0.05, "num_round": 600}),
    ("depth 8, eta 0.05, 600 rounds", {"max_depth": 8, "eta": 0.05, "num_round": 600}),
    ("depth 6, eta 0.1, 300 rounds, sampled", {"max_depth": 6, "eta": 0.1, "num_round": 300, **SAMPLED}),
    ("depth 7, eta 0.1, 300 rounds, sampled", {"max_depth": 7, "eta": 0.1, "num_round": 300, **SAMPLED}),
    ("depth 6, eta 0.05, 600 rounds, sampled", {"max_depth": 6, "eta": 0.05, "num_round": 600, **SAMPLED}),
    ("reference: depth 7, eta 0.02, 1864 rounds", {"max_depth": 7, "eta": 0.02, "num_round": 1864}),
    ("reference, sampled", {"max_depth": 7, "eta": 0.02, "num_round": 1864, **SAMPLED}),
)
"""Name -> hyperparameters. "sampled" adds subsample 0.8 and colsample_bytree 0.8 (then the seed matters)."""
TIMED_CALLS = 300
Channels = dict[str, tuple[np.ndarray, np.ndarray]]


def single_row_predict_us(booster: Any, rows: np.ndarray) -> float:
    """Median microseconds of one ``inplace_predict`` call on one row (one thread)."""
    booster.set_param({"nthread": 1})
    for row in rows[:20]:
        booster.inplace_predict(row.reshape(1, -1))
    timings = []
    for index in range(TIMED_CALLS):
        row = rows[index % len(rows)].reshape(1, -1)
        started = time.perf_counter()
        booster.inplace_predict(row)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1e6


def train_and_score(params: dict[str, Any], seed: int, data: Channels, scale: float) -> tuple[Any, dict[str, float]]:
    """Train one candidate with one seed; RMSE in the target's unit on validation and test, and training seconds."""
    import xgboost as xgb

    booster_params = {**BASE, **params, "seed": seed}
    num_round = booster_params.pop("num_round")
    labels, features = data["train"]
    started = time.perf_counter()
    booster = xgb.train(booster_params, xgb.DMatrix(features, label=labels), num_boost_round=num_round)
    scores = {"train_s": time.perf_counter() - started}
    for channel in ("validation", "test"):
        actual, rows = data[channel]
        errors = booster.inplace_predict(rows).astype(np.float64) - actual.astype(np.float64)
        scores[f"{channel}_rmse_scaled"] = float(np.sqrt(np.mean(errors**2))) * scale
    return booster, scores


def evaluate_candidate(params: dict[str, Any], seeds: list[int], data: Channels, scale: float) -> dict[str, Any]:
    """Scores averaged over ``seeds`` (with the test spread); cost measured on the first seed's model."""
    runs = [train_and_score(params, seed, data, scale) for seed in seeds]
    booster = runs[0][0]
    tests = [scores["test_rmse_scaled"] for _, scores in runs]
    return {
        "trees": booster.num_boosted_rounds(),
        "depth": params["max_depth"],
        "validation_rmse_scaled": statistics.mean(scores["validation_rmse_scaled"] for _, scores in runs),
        "test_rmse_scaled": statistics.mean(tests),
        "test_spread": max(tests) - min(tests),
        "predict_us": single_row_predict_us(booster, data["test"][1]),
        "model_kb": len(booster.save_raw("ubj")) / 1024,
        "train_s": statistics.mean(scores["train_s"] for _, scores in runs),
    }


def markdown_table(results: list[tuple[str, dict[str, Any]]], unit: str) -> str:
    unit = f" ({unit})" if unit else ""
    lines = [
        f"| candidate | trees x depth | validation RMSE{unit} | test RMSE{unit} | test spread over seeds{unit} "
        "| single-row predict (µs) | model (KiB) | train (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in results:
        lines.append(
            f"| {name} | {row['trees']} x {row['depth']} | {row['validation_rmse_scaled']:,.0f} "
            f"| {row['test_rmse_scaled']:,.0f} | {row['test_spread']:,.0f} | {row['predict_us']:,.0f} "
            f"| {row['model_kb']:,.0f} | {row['train_s']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("build/training-data/california_housing"))
    parser.add_argument("--seeds", default="42,43,44", help="comma-separated training seeds")
    args = parser.parse_args(argv)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    schema = Schema.from_document(json.loads((args.data / SCHEMA_NAME).read_text(encoding="utf-8")))
    if schema.task != "regression":
        parser.error(f"{args.data} holds {schema.name}, a {schema.task} task: this comparison is for regression")
    count = len(schema.features)
    data = {channel: read_channel(args.data / path, count) for channel, path in CHANNEL_FILES.items()}
    results = []
    for name, params in CANDIDATES:
        results.append((name, evaluate_candidate(params, seeds, data, abs(schema.target.scale))))
        print(f"done: {name}", flush=True)
    print(markdown_table(results, schema.target.unit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
