"""Warm, in-process latency of a Lambda handler: ``python bench/measure_handler.py MODULE_FILE EVENTS OUT``.

Runs in whichever venv the handler needs (ours in .venv, the baseline in build/bench-venv), so it uses the
standard library only. It imports the handler module from its file (the model loads at import, as on
Lambda), answers every event once to warm up and to record the responses, then invokes the handler
``--repeats`` times over ``--invocations`` events (cycling through them), timing each call with
``perf_counter_ns``. Writes JSON to OUT: per-repeat p50/p90/p99/mean in microseconds, and the responses.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any


def load_handler(module_file: Path) -> Any:
    """Import the module by name from its folder, as the Lambda runtime imports ``handler.handler``."""
    sys.path.insert(0, str(module_file.parent))
    return importlib.import_module(module_file.stem).handler


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    return sorted_values[min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))]


def time_calls(handler: Any, events: list[Any], invocations: int) -> dict[str, float]:
    samples = []
    for i in range(invocations):
        event = events[i % len(events)]
        started = time.perf_counter_ns()
        handler(event, None)
        samples.append((time.perf_counter_ns() - started) / 1000)
    samples.sort()
    return {"p50_us": percentile(samples, 0.5), "p90_us": percentile(samples, 0.9),
            "p99_us": percentile(samples, 0.99), "mean_us": statistics.fmean(samples), "n": len(samples)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("module_file", type=Path)
    parser.add_argument("events", type=Path, help="JSON list of Lambda events")
    parser.add_argument("out", type=Path)
    parser.add_argument("--invocations", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    events = json.loads(args.events.read_text())
    handler = load_handler(args.module_file)
    responses = [handler(event, None) for event in events]
    repeats = [time_calls(handler, events, args.invocations) for _ in range(args.repeats)]
    args.out.write_text(json.dumps({"repeats": repeats, "responses": responses}))


if __name__ == "__main__":
    main()
