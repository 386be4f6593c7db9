"""Every measurement for one model: warm latency, batch, exactness, cold start and HTTP load."""

from __future__ import annotations

import json
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.coldstart import ROOT, child_environment, measure_cold_starts
from bench.decompress import measure_gunzip
from bench.environment import image_environment
from bench.events import decimals, http_api_event, predict_body, predictions_of, single_row_events
from bench.load import measure_load
from bench.models import ModelCase

DISTINCT_ROWS = 200
"""Single-row requests cycle through this many held-out rows."""
CHILD_TIMEOUT_SECONDS = 300
"""No measuring process may hang the run: each one takes seconds."""


@dataclass(frozen=True)
class Settings:
    our_invocations: int = 3000
    baseline_invocations: int = 300
    repeats: int = 3
    cold_runs: int = 5
    load_seconds: int = 10
    connections: int = 32


@dataclass(frozen=True)
class Interpreters:
    ours: Path
    baseline: Path
    port: int


def handler_latency(python: Path, module: Path, environment: dict[str, str], events: Path, out: Path,
                    invocations: int, repeats: int) -> dict[str, Any]:  # fmt: skip
    """Run bench/measure_handler.py in ``python``; medians over repeats of p50/p90/p99 (microseconds)."""
    argv = [str(python), "-W", "ignore", str(ROOT / "bench" / "measure_handler.py"), str(module), str(events),
            str(out), "--invocations", str(invocations), "--repeats", str(repeats)]  # fmt: skip
    subprocess.run(argv, env=child_environment(environment), cwd=ROOT, stdout=subprocess.DEVNULL, check=True,
                   timeout=CHILD_TIMEOUT_SECONDS)  # fmt: skip
    measured = json.loads(out.read_text())
    summary = {key: statistics.median(r[key] for r in measured["repeats"]) for key in ("p50_us", "p90_us", "p99_us")}
    return {**summary, "repeats": measured["repeats"], "responses": measured["responses"]}


ONE_THREAD = {"OMP_NUM_THREADS": "1"}
"""The baseline also runs with xgboost on one OpenMP thread: on a busy machine its default thread pool can
wait tens of milliseconds for a descheduled thread. The faster of the two is the baseline (the stricter test)."""


def contenders(case: ModelCase) -> dict[str, tuple[Path, dict[str, str]]]:
    """name -> (handler module file, environment): ours, and the baseline with default and with one thread."""
    ours = {**image_environment(ROOT / "lambda_image" / "Dockerfile"), "PYTHONPATH": str(ROOT),
            "MODEL_URI": str(case.tarball)}  # fmt: skip
    baseline = {"MODEL_PATH": str(case.tarball)}
    return {
        "ours": (ROOT / "lambda_image" / "handler.py", ours),
        "baseline": (ROOT / "bench" / "baseline_handler.py", baseline),
        "baseline_1thread": (ROOT / "bench" / "baseline_handler.py", {**baseline, **ONE_THREAD}),
    }


def warm_latency(
    case: ModelCase, rows: np.ndarray, work: Path, python: Interpreters, settings: Settings
) -> dict[str, Any]:
    """p50/p90/p99 of each handler over the same single-row events, and how far apart their answers are."""
    events = work / f"{case.name}-single-row-events.json"
    events.write_text(json.dumps(single_row_events(rows, DISTINCT_ROWS, _names(case))))
    results: dict[str, Any] = {}
    for name, (module, environment) in contenders(case).items():
        ours = name == "ours"
        interpreter = python.ours if ours else python.baseline
        count = settings.our_invocations if ours else settings.baseline_invocations
        out = work / f"{case.name}-{name}-latency.json"
        results[name] = handler_latency(interpreter, module, environment, events, out, count, settings.repeats)
    answers = {name: np.array([predictions_of(r, case.schema)[0] for r in results[name].pop("responses")])
               for name in results}  # fmt: skip
    results["max_abs_diff_vs_baseline"] = float(np.max(np.abs(answers["ours"] - answers["baseline"])))
    variants = {name: results.pop(name) for name in ("baseline", "baseline_1thread")}
    fastest = min(variants, key=lambda name: variants[name]["p50_us"])
    return {**results, "baseline": variants[fastest], "baseline_variant": fastest, "baseline_variants": variants}


def batch(case: ModelCase, rows: np.ndarray, work: Path, python: Interpreters) -> dict[str, Any]:
    """Ours alone (raw and adapter), ours against xgboost in one process, then the baseline handler."""
    results: dict[str, Any] = {}
    for mode, extra in (("ours", {}), ("versus", ONE_THREAD)):
        out = work / f"{case.name}-batch-{mode}.json"
        argv = [str(python.ours), "-m", "bench.measure_batch", mode, str(case.tarball), str(case.holdout), str(out)]
        environment = child_environment({**image_environment(ROOT / "lambda_image" / "Dockerfile"),
                                         "PYTHONPATH": str(ROOT), **extra})  # fmt: skip
        subprocess.run(argv, env=environment, cwd=ROOT, stdout=subprocess.DEVNULL, check=True,
                       timeout=CHILD_TIMEOUT_SECONDS)  # fmt: skip
        results.update(json.loads(out.read_text()))
    events = work / f"{case.name}-batch-event.json"
    batch_rows = np.resize(rows, (results["rows"], rows.shape[1]))
    events.write_text(json.dumps([http_api_event(predict_body(batch_rows, _names(case)))]))
    module, environment = contenders(case)["baseline"]
    measured = handler_latency(python.baseline, module, environment, events, work / "baseline-batch.json", 3, 3)
    results["baseline_handler_rows_per_s"] = results["rows"] / (measured["p50_us"] / 1e6)
    return results


def _names(case: ModelCase) -> tuple[str, ...]:
    assert case.schema is not None
    return case.schema.names


def measure_case(case: ModelCase, work: Path, python: Interpreters, settings: Settings) -> dict[str, Any]:
    rows = np.load(case.holdout)
    work.mkdir(parents=True, exist_ok=True)
    bodies = work / f"{case.name}-bodies.txt"
    bodies.write_text("".join(predict_body(row[None, :], _names(case)) + "\n" for row in rows[:DISTINCT_ROWS]))
    print(f"[{case.name}] warm single-row latency through the Lambda handlers...", flush=True)
    results: dict[str, Any] = {"task": case.schema.task if case.schema else "regression"}
    results["latency"] = warm_latency(case, rows, work, python, settings)
    print(f"[{case.name}] 1000-row batch against xgboost, and exactness on {len(rows)} held-out rows...", flush=True)
    results["batch"] = batch(case, rows, work, python)
    print(f"[{case.name}] cold starts ({settings.cold_runs} runs each) and the model load alone...", flush=True)
    assert case.plain is not None
    first_event = http_api_event(predict_body(rows[:1], _names(case)))
    first_row = [float("nan") if value is None else value for value in decimals(rows[0])]
    results["cold_start"] = measure_cold_starts(case.tarball, case.plain, first_event, first_row, python.baseline,
                                                python.ours, runs=settings.cold_runs)  # fmt: skip
    results["cold_start"]["gunzip"] = measure_gunzip(case.tarball, python.baseline)
    print(f"[{case.name}] HTTP load with wrk ({settings.load_seconds} s, {settings.connections} connections)...")
    results["load"] = measure_load(case.tarball, bodies, python.baseline, python.ours, port=python.port,
                                   seconds=settings.load_seconds, connections=settings.connections)  # fmt: skip
    return results
