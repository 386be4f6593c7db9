"""``make bench``: ours against xgboost and a naive baseline, side by side, on the reference, project and classifier.

    python -m bench.run [--quick] [--models reference,project,classifier] [--no-footprint] [--readme README.md]
                        [--strict]

Prints the machine, then each measurement as it goes, then the goals table. Writes
bench/results/results.json, bench/results/latency.png, bench/results/table.md, and the table into the
README between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` (nothing else in the README changes).
``--quick`` (a smoke test of the harness) writes to build/bench/quick-results/ and leaves the README alone.
Exits 0 even when a goal is missed (the table says so), unless ``--strict``.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from pathlib import Path
from typing import Any

from bench.case import Interpreters, Settings, measure_case
from bench.coldstart import ROOT
from bench.environment import bench_venv, machine_info
from bench.footprint import measure_footprint
from bench.models import ModelCase, model_case
from bench.plot import plot
from bench.report import all_goals, goals_json, markdown, update_readme

BUILD = ROOT / "build" / "bench"
RESULTS = ROOT / "bench" / "results"
QUICK = Settings(our_invocations=300, baseline_invocations=50, repeats=1, cold_runs=1, load_seconds=2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def model_cases(names: list[str]) -> list[ModelCase]:
    """Each model trained (once), compiled beside its tarball and copied without its compiled form."""
    return [model_case(name, BUILD) for name in names]


def label_of(case: ModelCase, batch: dict[str, Any]) -> str:
    task = f", {case.schema.name}" if case.schema is not None and case.schema.task != "regression" else ""
    return f"{case.name} ({batch['trees']} trees, depth {batch['depth']}{task})"


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    machine = machine_info()
    print("machine: " + ", ".join(f"{key} {value}" for key, value in machine.items()), flush=True)
    interpreters = Interpreters(ours=Path(sys.executable), baseline=bench_venv(ROOT / "build" / "bench-venv"),
                                port=free_port())  # fmt: skip
    settings = QUICK if args.quick else Settings()
    results: dict[str, Any] = {"machine": machine, "settings": vars(settings), "models": {}, "model_labels": {}}
    for case in model_cases(args.models.split(",")):
        measured = measure_case(case, BUILD / "work", interpreters, settings)
        results["models"][case.name] = measured
        results["model_labels"][case.name] = label_of(case, measured["batch"])
    if not args.no_footprint:
        print("wheel footprint per image and architecture (pip download, cached in build/bench/wheels)...")
        results["footprint"] = measure_footprint(BUILD / "wheels")
    results["goals"] = goals_json(all_goals(results))
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs, to check the harness works")
    parser.add_argument("--models", default="reference,project,classifier")
    parser.add_argument("--no-footprint", action="store_true")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    results = run(args)
    table = markdown(results, all_goals(results))
    out = BUILD / "quick-results" if args.quick else RESULTS  # a smoke test never replaces published numbers
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "table.md").write_text(table + "\n")
    plot(results, out / "latency.png")
    print("\n" + table + "\n")
    if args.quick:
        print("--quick: the README is left untouched")
    elif update_readme(args.readme, table):
        print(f"updated the benchmark section of {args.readme}")
    else:
        print(f"{args.readme} has no <!-- bench:start --> / <!-- bench:end --> markers: left untouched")
    missed = [f"{g['goal']} ({g['model']}): {g['ratio']:.3g}, target {g['target']}" for g in results["goals"]
              if not g["met"] and g["target"] != "context"]  # fmt: skip
    print("\n".join(["missed:", *missed]) if missed else "every goal met")
    print(f"done in {results['seconds']} s; results in {out.relative_to(ROOT)}/")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
