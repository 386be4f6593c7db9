"""TreeSHAP speed and build cost against xgboost's own: ``python -m bench.measure_explain [--quick]``.

Two models trained on California Housing, cached under build/bench/: the shipped size (600 trees of depth 6,
eta 0.05, in build/bench/explain-shipped/) and the reference of ``make bench`` (1864 trees of depth 7, eta
0.02, build/bench/reference/). Training needs scikit-learn's California Housing cache (``SCIKIT_LEARN_DATA``;
``../shared/data/scikit_learn_data`` is used when it exists). For each model it prints:
- build: ``compile_model`` and ``TreeExplainer.from_ensemble`` (what the first explanation pays), in seconds,
  with the tables' size and the build's peak of traced allocations;
- one row per call: p50/p99 wall time of ``contributions`` over held-out rows (thread CPU p50 beside it,
  since the wall time on a shared machine includes waiting for a core), and xgboost's p50 for context;
- 100 rows per call: ours and ``pred_contribs`` with nthread=1 (OMP_NUM_THREADS=1), interleaved call by call;
- exactness: the largest difference from ``pred_contribs`` and from the margin on those rows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tarfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.environment import machine_info
from bench.models import HOLDOUT_FRACTION, ModelCase, california_housing, reference_model, save_like_sagemaker
from inference.explain.shap import TreeExplainer
from inference.model.artifact import model_document
from inference.trees.ensemble import compile_model

SHIPPED_ROUNDS = 600
SHIPPED_PARAMS = {"objective": "reg:squarederror", "max_depth": 6, "eta": 0.05, "seed": 0, "nthread": 2}
TARGET_MS = {"shipped": 1.5, "reference": 4.0}
BATCH_ROWS = 100
SHARED_SKLEARN_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "scikit_learn_data"


def shipped_model(cache: Path) -> ModelCase:
    """600 trees of depth 6 on the reference model's training split, trained once."""
    import xgboost as xgb

    case = ModelCase("shipped", cache / "model.tar.gz", cache / "holdout.npy")
    key = json.dumps({"rounds": SHIPPED_ROUNDS, "params": SHIPPED_PARAMS, "xgboost": xgb.__version__})
    stamp = cache / "settings.json"
    if case.tarball.is_file() and case.holdout.is_file() and stamp.is_file() and stamp.read_text() == key:
        return case
    features, target = california_housing()
    order = np.random.default_rng(0).permutation(len(target))  # the split reference_model uses
    cut = int(len(order) * (1 - HOLDOUT_FRACTION))
    print(f"training the shipped-size model ({SHIPPED_ROUNDS} trees, depth 6)...", flush=True)
    dtrain = xgb.DMatrix(features[order[:cut]], label=target[order[:cut]])
    save_like_sagemaker(xgb.train(SHIPPED_PARAMS, dtrain, SHIPPED_ROUNDS), case.tarball)
    np.save(case.holdout, features[order[cut:]], allow_pickle=False)
    stamp.write_text(key)
    return case


def booster_of(tarball: Path) -> Any:
    import xgboost as xgb

    with tarfile.open(tarball) as tar:
        member = tar.extractfile("xgboost-model")
        assert member is not None
        booster = xgb.Booster()
        booster.load_model(bytearray(member.read()))
    booster.set_param({"nthread": 1})
    return booster


def build_cost(tarball: Path) -> tuple[TreeExplainer, dict[str, float]]:
    document = model_document(tarball.read_bytes())
    started = time.perf_counter()
    ensemble = compile_model(document)
    compiled = time.perf_counter()
    tracemalloc.start()
    explainer = TreeExplainer.from_ensemble(ensemble)
    built = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return explainer, {"compile_s": compiled - started, "build_s": built - compiled,
                       "tables_mb": explainer.nbytes / 1e6, "build_peak_mb": peak / 1e6}  # fmt: skip


def per_call(call: Callable[[np.ndarray], object], rows: np.ndarray) -> dict[str, float]:
    """Wall and thread-CPU milliseconds of one call per row."""
    call(rows[:1])
    wall, cpu = [], []
    for i in range(len(rows)):
        started, started_cpu = time.perf_counter(), time.thread_time()
        call(rows[i : i + 1])
        cpu.append(time.thread_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    wall.sort()
    return {"p50_ms": 1e3 * wall[len(wall) // 2], "p99_ms": 1e3 * wall[int(0.99 * (len(wall) - 1))],
            "cpu_p50_ms": 1e3 * statistics.median(cpu)}  # fmt: skip


def interleaved(ours: Callable[[], object], theirs: Callable[[], object], repeats: int) -> dict[str, float]:
    """Wall and thread-CPU seconds per call of each, alternating call by call (xgboost with nthread=1 works in
    the calling thread); the speed-up is the median of the per-pair wall-time ratios."""
    ours(), theirs()
    pairs = []
    for _ in range(repeats):
        pair = []
        for call in (ours, theirs):
            started, started_cpu = time.perf_counter(), time.thread_time()
            call()
            pair += [time.perf_counter() - started, time.thread_time() - started_cpu]
        pairs.append(pair)
    wall, cpu, theirs_wall, theirs_cpu = (statistics.median(pair[i] for pair in pairs) for i in range(4))
    return {"ours_s": wall, "ours_cpu_s": cpu, "xgboost_s": theirs_wall, "xgboost_cpu_s": theirs_cpu,
            "speedup": statistics.median(pair[2] / pair[0] for pair in pairs)}  # fmt: skip


def measure(case: ModelCase, single_rows: int, repeats: int) -> dict[str, Any]:
    import xgboost as xgb

    explainer, cost = build_cost(case.tarball)
    booster = booster_of(case.tarball)
    rows = np.load(case.holdout)
    batch = rows[:BATCH_ROWS]
    matrix = xgb.DMatrix(batch)
    theirs = booster.predict(matrix, pred_contribs=True)
    ours = explainer.contributions(batch)[:, 0]
    margin = booster.predict(matrix, output_margin=True)
    contribs = lambda part: booster.predict(xgb.DMatrix(part), pred_contribs=True)  # noqa: E731
    return {
        "trees": booster.num_boosted_rounds(), **cost,
        "single": per_call(explainer.contributions, rows[:single_rows]),
        "xgboost_single": per_call(contribs, rows[: max(5, single_rows // 20)]),
        "batch": interleaved(lambda: explainer.contributions(batch),
                             lambda: booster.predict(matrix, pred_contribs=True), repeats),
        "max_abs_diff": float(np.abs(ours - theirs).max()),
        "max_margin_diff": float(np.abs(ours.sum(1) - margin).max()),
    }  # fmt: skip


def report(name: str, result: dict[str, Any]) -> None:
    single, batch, target = result["single"], result["batch"], TARGET_MS[name]
    print(f"\n{name}: {result['trees']} trees")
    print(
        f"  build: compile {result['compile_s']:.3f} s + explainer {result['build_s']:.3f} s; tables "
        f"{result['tables_mb']:.1f} MB, peak during build {result['build_peak_mb']:.1f} MB"
    )
    met = "met" if single["p50_ms"] <= target else "MISSED"
    print(f"  one row: p50 {single['p50_ms']:.3f} ms (target <= {target} ms: {met}), "
          f"p99 {single['p99_ms']:.3f} ms, CPU p50 {single['cpu_p50_ms']:.3f} ms; "
          f"xgboost pred_contribs p50 {result['xgboost_single']['p50_ms']:.2f} ms")  # fmt: skip
    met = "met" if batch["speedup"] >= 1 else "MISSED"
    ours_ms, theirs_ms = batch["ours_s"] * 1e3, batch["xgboost_s"] * 1e3
    print(f"  {BATCH_ROWS} rows: ours {ours_ms:.1f} ms (CPU {batch['ours_cpu_s'] * 1e3:.1f}), xgboost nthread=1 "
          f"{theirs_ms:.1f} ms (CPU {batch['xgboost_cpu_s'] * 1e3:.1f}): {batch['speedup']:.1f}x faster "
          f"(target >= 1x: {met})")  # fmt: skip
    print(
        f"  exactness: max |ours - pred_contribs| {result['max_abs_diff']:.2e}, "
        f"max |sum - margin| {result['max_margin_diff']:.2e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and repeats (a smoke run)")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"  # before xgboost starts its OpenMP pool (it is imported lazily)
    if SHARED_SKLEARN_DATA.is_dir():  # the offline copy beside the project, when there is one
        os.environ.setdefault("SCIKIT_LEARN_DATA", str(SHARED_SKLEARN_DATA))
    cases = {"shipped": shipped_model(Path("build/bench/explain-shipped")),
             "reference": reference_model(Path("build/bench/reference"))}  # fmt: skip
    print(json.dumps(machine_info()))
    for name, case in cases.items():
        report(name, measure(case, single_rows=50 if args.quick else 500, repeats=1 if args.quick else 5))


if __name__ == "__main__":
    main()
