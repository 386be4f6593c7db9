"""Batch throughput and exactness in fresh .venv processes: ``python -m bench.measure_batch MODE MODEL HOLDOUT OUT``.

MODE ``ours`` (xgboost is never imported, as in the image: its threads and heap would disturb the timing):
- raw predictor: ``TreeEnsemble.predict`` on a prepared float32 array of 1000 rows;
- our Lambda adapter: one HTTP API event carrying the same 1000 rows as named JSON (the goal), and,
  for context, as ordered JSON rows and as CSV.
The two alternate call by call; the goal's ratio is the median of the per-pair ratios.

MODE ``xgboost``: ``inplace_predict`` on the same rows with 1 thread and every core (context), and
exactness: the compiled ensemble and the adapter against xgboost on every held-out row.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.events import csv_body, http_api_event, ordered_body, predict_body, predictions_of
from inference import LoadedModel
from inference.schema import MAX_ROWS, USD_PER_TARGET_UNIT

BATCH_ROWS = 1000
REPEATS = 15
TOLERANCE = 1e-5
"""rtol and atol: float32 has 24 bits of mantissa (6e-8); sums over ~2000 trees in another order drift ~1e-6."""


def timings(calls: dict[str, Callable[[], object]], repeats: int = REPEATS) -> dict[str, list[float]]:
    """Seconds per call, ``repeats`` times each; the calls alternate so machine noise hits them alike."""
    for call in calls.values():
        call()  # warm-up
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            seconds[name].append(time.perf_counter() - started)
    return seconds


def lambda_handler(tarball: Path) -> Any:
    os.environ["MODEL_URI"] = str(tarball)  # the handler logs one line per request to stdout, as on Lambda
    sys.path.insert(0, "lambda_image")
    from handler import handler  # the model loads at import, as on Lambda

    return handler


def measure_ours(tarball: Path, batch: np.ndarray) -> dict[str, Any]:
    """Raw predictor against the adapter with named JSON rows (the goal), ordered JSON rows and CSV."""
    handler, ensemble = lambda_handler(tarball), LoadedModel.load(str(tarball)).ensemble
    events = {"adapter": http_api_event(predict_body(batch)), "adapter_ordered": http_api_event(ordered_body(batch)),
              "adapter_csv": http_api_event(csv_body(batch), content_type="text/csv")}  # fmt: skip
    calls = {name: (lambda event=event: handler(event, None)) for name, event in events.items()}
    seconds = timings({"raw": lambda: ensemble.predict(batch), **calls})
    results: dict[str, Any] = {"rows": len(batch), "trees": ensemble.num_trees, "depth": ensemble.depth}
    for name, values in seconds.items():
        results[f"{name}_rows_per_s"] = len(batch) / statistics.median(values)
        if name != "raw":
            paired = [raw / value for raw, value in zip(seconds["raw"], values, strict=True)]
            results[f"{name}_vs_raw"] = statistics.median(paired)
    return results


def xgboost_booster(tarball: Path) -> Any:
    import xgboost as xgb

    with tempfile.TemporaryDirectory() as directory, tarfile.open(tarball) as tar:
        tar.extractall(directory, filter="data")
        return xgb.Booster(model_file=str(Path(directory) / "xgboost-model"))


def measure_xgboost(tarball: Path, batch: np.ndarray, holdout: np.ndarray) -> dict[str, Any]:
    booster = xgboost_booster(tarball)
    results: dict[str, Any] = {}
    for threads, name in ((1, "xgboost_1thread_rows_per_s"), (os.cpu_count() or 1, "xgboost_all_cores_rows_per_s")):
        booster.set_param({"nthread": threads})
        results[name] = len(batch) / statistics.median(timings({name: lambda: booster.inplace_predict(batch)})[name])
    expected = booster.inplace_predict(holdout).astype(np.float64)
    ours = LoadedModel.load(str(tarball)).ensemble.predict(holdout)
    handler = lambda_handler(tarball)
    chunks = [holdout[start : start + MAX_ROWS] for start in range(0, len(holdout), MAX_ROWS)]
    usd = np.concatenate([predictions_of(handler(http_api_event(predict_body(c)), None)) for c in chunks])
    results["exactness"] = {
        "holdout_rows": len(holdout),
        "max_abs_diff": float(np.max(np.abs(ours - expected))),
        # np.allclose's test, |a - b| <= atol + rtol * |b|, as the largest share of that bound any row uses.
        "tolerance_used": float(np.max(np.abs(ours - expected) / (TOLERANCE + TOLERANCE * np.abs(expected)))),
        "adapter_max_abs_diff_usd": float(np.max(np.abs(usd - expected * USD_PER_TARGET_UNIT))),
        "within_float32_tolerance": bool(np.allclose(ours, expected, rtol=TOLERANCE, atol=TOLERANCE)),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("ours", "xgboost"))
    parser.add_argument("model", type=Path)
    parser.add_argument("holdout", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    holdout = np.load(args.holdout)
    batch = np.resize(holdout, (BATCH_ROWS, holdout.shape[1]))
    measured = measure_ours(args.model, batch) if args.mode == "ours" else measure_xgboost(args.model, batch, holdout)
    args.out.write_text(json.dumps(measured, indent=2))


if __name__ == "__main__":
    main()
