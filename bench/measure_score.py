"""``make score`` against the plain pandas + xgboost script, side by side on 1,000,000 CSV rows; peak memory on a
1 GB input; one worker's rows per second on one core; from it, 100 million rows on AWS on paper.

    python -m bench.measure_score [--model build/models/california_housing/model.tar.gz]
        [--repeats 3] [--no-large] [--readme README.md]

Runs alternate (ours, the script, ours, ...) so machine noise hits both alike; medians with min-max spread.
Writes bench/results/score.json and the table between ``<!-- score-bench:start -->`` and ``<!-- score-bench:end -->``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.coldstart import ROOT
from bench.environment import bench_venv, machine_info
from bench.process_memory import run_measured
from bench.report import update_readme
from bench.score_report import markdown

WORK = ROOT / "build" / "bench" / "score"
ROWS, LARGE_BYTES, TOLERANCE = 1_000_000, 1_000_000_000, 1e-5
MARKERS = ("<!-- score-bench:start -->", "<!-- score-bench:end -->")


def write_input(path: Path, rows: int) -> Path:
    """California Housing's features (as scikit-learn ships them), repeated to ``rows``, written as pandas does."""
    if not path.is_file():
        import pandas as pd

        from bench.models import california_housing

        features, _ = california_housing()
        pd.DataFrame(np.resize(features, (rows, features.shape[1]))).to_csv(path, header=False, index=False)
    return path


def side_by_side(model: Path, source: Path, repeats: int) -> dict[str, Any]:
    ours_cmd = [sys.executable, "-m", "inference.batch", str(source), str(WORK / "ours.csv"), "--model", str(model)]
    base_cmd = [str(bench_venv(ROOT / "build" / "bench-venv")), str(ROOT / "bench" / "baseline_score.py"), str(model),
                str(source), str(WORK / "baseline.csv")]  # fmt: skip
    runs: dict[str, list[Any]] = {"ours": [], "baseline": []}
    for _ in range(repeats):
        for name, command in (("ours", ours_cmd), ("baseline", base_cmd)):
            measured = run_measured(command, cwd=ROOT)
            assert measured.returncode == 0, measured.stderr
            runs[name].append(measured)
            print(f"  {name}: {measured.seconds:.2f} s, CPU {measured.cpu_seconds:.2f} s, "
                  f"peak {measured.peak_mb:.0f} MB", flush=True)  # fmt: skip
    ours = np.loadtxt(WORK / "ours.csv", dtype=np.float64)
    baseline = np.loadtxt(WORK / "baseline.csv", dtype=np.float64)
    summary = {name: _spread(measured) for name, measured in runs.items()}
    for key, field in (("speedup", "seconds"), ("cpu_ratio", "cpu_seconds")):
        ratios = [getattr(b, field) / getattr(o, field) for o, b in zip(runs["ours"], runs["baseline"], strict=True)]
        summary[key] = {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}
    equal = bool(np.allclose(ours, baseline, rtol=TOLERANCE, atol=TOLERANCE))
    summary["equal"] = {"rows": len(ours), "max_abs_diff": float(np.max(np.abs(ours - baseline))),
                        "within_float32_tolerance": equal}  # fmt: skip
    return summary


def _spread(runs: list[Any]) -> dict[str, Any]:
    seconds, cpu = [run.seconds for run in runs], [run.cpu_seconds for run in runs]
    return {"seconds": statistics.median(seconds), "seconds_min": min(seconds), "seconds_max": max(seconds),
            "cpu_seconds": statistics.median(cpu), "cpu_min": min(cpu), "cpu_max": max(cpu),
            "rows_per_second": ROWS / statistics.median(seconds),
            "peak_mb": max(run.peak_mb for run in runs)}  # fmt: skip


def worker_rate(model: Path, source: Path, repeats: int) -> dict[str, Any]:
    """One range scored in this process (one core): rows per second of ``score_stream`` alone, no I/O."""
    from inference.batch.options import Options
    from inference.batch.scorer import Scorer
    from inference.batch.stream import score_stream
    from inference.model.bundle import ModelBundle

    scorer = Scorer(ModelBundle.load(str(model)), Options())
    data = source.read_bytes()
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        counts = score_stream(scorer, (data[i : i + (1 << 20)] for i in range(0, len(data), 1 << 20)), io.BytesIO(),
                              io.BytesIO(), at_start=True)  # fmt: skip
        rates.append(counts.rows / (time.perf_counter() - started))
    return {"rows": counts.rows, "bytes": len(data), "rows_per_second": statistics.median(rates),
            "min": min(rates), "max": max(rates)}  # fmt: skip


def large_input(model: Path, source: Path) -> dict[str, Any]:
    """``make score`` on ~1 GB (the 1M-row file repeated): the peak memory of all its processes."""
    large = WORK / "in-1gb.csv"
    chunk = source.read_bytes()
    with large.open("wb") as handle:
        for _ in range(-(-LARGE_BYTES // len(chunk))):
            handle.write(chunk)
    try:
        measured = run_measured([sys.executable, "-m", "inference.batch", str(large), str(WORK / "large.csv"),
                                 "--model", str(model)], cwd=ROOT)  # fmt: skip
        assert measured.returncode == 0, measured.stderr
        return {
            "bytes": large.stat().st_size,
            "seconds": measured.seconds,
            "cpu_seconds": measured.cpu_seconds,
            "peak_mb": measured.peak_mb,
        }
    finally:
        large.unlink()
        (WORK / "large.csv").unlink(missing_ok=True)
        (WORK / "large.csv.errors.jsonl").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.measure_score", description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "build" / "models" / "california_housing" / "model.tar.gz")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-large", action="store_true", help="skip the 1 GB run")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    results: dict[str, Any] = {"machine": machine_info(), "repeats": args.repeats, "model": str(args.model)}
    print("machine: " + ", ".join(f"{k} {v}" for k, v in results["machine"].items()), flush=True)
    source = write_input(WORK / "in-1m.csv", ROWS)
    print(f"{ROWS:,} rows, side by side:", flush=True)
    results["side_by_side"] = side_by_side(args.model, source, args.repeats)
    results["worker"] = worker_rate(args.model, source, args.repeats)
    if not args.no_large:
        print("about 1 GB of rows, peak memory...", flush=True)
        results["large"] = large_input(args.model, source)
    (ROOT / "bench" / "results" / "score.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    print("\n" + table)
    if update_readme(args.readme, table, MARKERS):
        print(f"updated the batch scoring numbers in {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
