"""Batch throughput and exactness in fresh .venv processes: ``python -m bench.measure_batch MODE MODEL HOLDOUT OUT``.

MODE ``ours`` (xgboost is never imported, as in the image): the raw predictor (the served model's
``predict`` on a prepared float32 array of 1000 rows) against our Lambda adapter answering one HTTP API
event with the same rows as named JSON (the goal), and, for context, as ordered JSON rows and as CSV.

MODE ``versus``, with ``OMP_NUM_THREADS=1``: the raw predictor against xgboost's ``inplace_predict`` on one
thread, on the same rows in the same process, then xgboost on every core (context), and exactness: the
served model and the adapter against xgboost on every held-out row.

Calls alternate so machine noise hits them alike; a ratio is the median of the per-pair ratios.
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
from inference.protocols.limits import MAX_ROWS

SAFE_EXTRACT = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
"""tarfile's data filter where it exists (Python 3.11.4 on; Debian 12's python3 is 3.11.2)."""

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


def paired(seconds: dict[str, list[float]], faster: str, slower: str) -> float:
    """Median of per-pair speed ratios: how many times faster ``faster`` went than ``slower``."""
    return statistics.median(s / f for f, s in zip(seconds[faster], seconds[slower], strict=True))


def lambda_handler(tarball: Path) -> Any:
    os.environ["MODEL_URI"] = str(tarball)  # the handler logs one line per request to stdout, as on Lambda
    sys.path.insert(0, "lambda_image")
    import handler  # the model loads at import, as on Lambda

    return handler


def measure_ours(tarball: Path, batch: np.ndarray) -> dict[str, Any]:
    """Raw predictor against the adapter with named JSON rows (the goal), ordered JSON rows and CSV."""
    module = lambda_handler(tarball)
    bundle = module.PREDICTOR.bundle
    names = bundle.schema.names
    events = {"adapter": http_api_event(predict_body(batch, names)),
              "adapter_ordered": http_api_event(ordered_body(batch)),
              "adapter_csv": http_api_event(csv_body(batch), content_type="text/csv")}  # fmt: skip
    calls = {name: (lambda event=event: module.handler(event, None)) for name, event in events.items()}
    seconds = timings({"raw": lambda: bundle.ensemble.predict(batch), **calls})
    results: dict[str, Any] = {"rows": len(batch), "trees": bundle.ensemble.num_trees, "depth": bundle.ensemble.depth}
    for name, values in seconds.items():
        results[f"{name}_rows_per_s"] = len(batch) / statistics.median(values)
        if name != "raw":
            results[f"{name}_vs_raw"] = paired(seconds, name, "raw")
    return results


def xgboost_booster(tarball: Path) -> Any:
    import xgboost as xgb

    with tempfile.TemporaryDirectory() as directory, tarfile.open(tarball) as tar:
        tar.extractall(directory, **SAFE_EXTRACT)
        # The file has no extension: from bytes, xgboost reads its format without the "Unknown file format" warning.
        return xgb.Booster(model_file=bytearray((Path(directory) / "xgboost-model").read_bytes()))


def measure_versus(tarball: Path, batch: np.ndarray, holdout: np.ndarray) -> dict[str, Any]:
    module = lambda_handler(tarball)
    bundle, booster = module.PREDICTOR.bundle, xgboost_booster(tarball)
    booster.set_param({"nthread": 1})
    seconds = timings(
        {"raw": lambda: bundle.ensemble.predict(batch), "xgboost": lambda: booster.inplace_predict(batch)}
    )
    results: dict[str, Any] = {
        "raw_vs_xgboost_1thread": paired(seconds, "raw", "xgboost"),
        "versus_raw_rows_per_s": len(batch) / statistics.median(seconds["raw"]),
        "xgboost_1thread_rows_per_s": len(batch) / statistics.median(seconds["xgboost"]),
    }
    booster.set_param({"nthread": os.cpu_count() or 1})
    every_core = timings({"xgboost": lambda: booster.inplace_predict(batch)})["xgboost"]
    results["xgboost_all_cores_rows_per_s"] = len(batch) / statistics.median(every_core)
    results["exactness"] = exactness(module, bundle, booster.inplace_predict(holdout).astype(np.float64), holdout)
    return results


def exactness(module: Any, bundle: Any, expected: np.ndarray, holdout: np.ndarray) -> dict[str, Any]:
    """The served model and the adapter's answers against xgboost on every held-out row."""
    ours = bundle.ensemble.predict(holdout)
    chunks = [holdout[start : start + MAX_ROWS] for start in range(0, len(holdout), MAX_ROWS)]
    events = [http_api_event(predict_body(chunk, bundle.schema.names)) for chunk in chunks]
    answered = np.concatenate([predictions_of(module.handler(event, None), bundle.schema) for event in events])
    target = bundle.schema.target
    scale = target.scale if bundle.schema.task == "regression" else 1.0
    return {
        "holdout_rows": len(holdout),
        "max_abs_diff": float(np.max(np.abs(ours - expected))),
        # np.allclose's test, |a - b| <= atol + rtol * |b|, as the largest share of that bound any row uses.
        "tolerance_used": float(np.max(np.abs(ours - expected) / (TOLERANCE + TOLERANCE * np.abs(expected)))),
        "adapter_max_abs_diff": float(np.max(np.abs(answered - expected * scale))),
        "adapter_unit": target.unit if bundle.schema.task == "regression" else "probability",
        "within_float32_tolerance": bool(np.allclose(ours, expected, rtol=TOLERANCE, atol=TOLERANCE)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("ours", "versus"))
    parser.add_argument("model", type=Path)
    parser.add_argument("holdout", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    holdout = np.load(args.holdout)
    batch = np.resize(holdout, (BATCH_ROWS, holdout.shape[1]))
    measured = measure_ours(args.model, batch) if args.mode == "ours" else measure_versus(args.model, batch, holdout)
    args.out.write_text(json.dumps(measured, indent=2))


if __name__ == "__main__":
    main()
