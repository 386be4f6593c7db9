"""This tree against another checkout (a base commit), alternating on one machine: the Lambda handler's warm
single-row p50 and its cold start to the first answer, each with its spread over rounds.

    python -m bench.compare_trees --base /path/to/base-worktree [--rounds 5]
        [--model build/models/california_housing/model.tar.gz]

Each tree runs with the Lambda image's environment (its Dockerfile's ``ENV``, so this tree's ``METRICS=emf``)
and the deployed log level (INFO, stdout discarded), so what a request writes is measured. Rounds alternate
base and head, so a change in the machine's load falls on both.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.environment import image_environment

ROOT = Path(__file__).resolve().parent.parent
EVENT = ROOT / "tests" / "events" / "http_api_v2_post_named.json"
FIRST_ANSWER = ("import json, sys; sys.path.insert(0, 'lambda_image'); import handler; "
                "handler.handler(json.loads(sys.argv[1]), None)")  # fmt: skip


def environment(tree: Path, model: Path) -> dict[str, str]:
    image = image_environment(tree / "lambda_image" / "Dockerfile")
    return {**image, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree), "MODEL_URI": str(model), "LOG_LEVEL": "INFO",
            "BACKEND_NAME": "lambda-x86"}  # fmt: skip


def warm_p50_us(tree: Path, model: Path, invocations: int) -> float:
    with tempfile.TemporaryDirectory() as work:
        events, out = Path(work) / "events.json", Path(work) / "out.json"
        events.write_text(json.dumps([json.loads(EVENT.read_text())]))
        argv = [sys.executable, str(ROOT / "bench" / "measure_handler.py"), str(tree / "lambda_image" / "handler.py"),
                str(events), str(out), "--invocations", str(invocations), "--repeats", "3"]  # fmt: skip
        subprocess.run(argv, cwd=tree, env=environment(tree, model), stdout=subprocess.DEVNULL, check=True)
        return statistics.median(r["p50_us"] for r in json.loads(out.read_text())["repeats"])


def cold_start_ms(tree: Path, model: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system: what a busy machine's other load changes least) to the first answer."""
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run([sys.executable, "-c", FIRST_ANSWER, EVENT.read_text()], cwd=tree,
                   env=environment(tree, model), stdout=subprocess.DEVNULL, check=True)  # fmt: skip
    wall, after = (time.perf_counter() - started) * 1000, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} (min {min(values):.1f}, max {max(values):.1f}, n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=ROOT / "build" / "models" / "california_housing" / "model.tar.gz")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--invocations", type=int, default=3000)
    parser.add_argument("--cold", type=int, default=4, help="cold starts per tree per round")
    args = parser.parse_args()
    trees = {"base": args.base.resolve(), "head": ROOT}
    warm: dict[str, list[float]] = {name: [] for name in trees}
    cold: dict[str, list[float]] = {name: [] for name in trees}
    cpu: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            warm[name].append(warm_p50_us(tree, args.model.resolve(), args.invocations))
            for wall, used in (cold_start_ms(tree, args.model.resolve()) for _ in range(args.cold)):
                cold[name].append(wall)
                cpu[name].append(used)
    for name in trees:
        print(
            f"{name}: warm single-row p50 us {spread(warm[name])}; cold start ms {spread(cold[name])}; "
            f"its CPU ms {spread(cpu[name])}"
        )
    ratio = statistics.median(warm["head"]) / statistics.median(warm["base"])
    delta = statistics.median(cold["head"]) - statistics.median(cold["base"])
    delta_cpu = statistics.median(cpu["head"]) - statistics.median(cpu["base"])
    print(f"head/base warm p50 {ratio:.3f}; cold start head - base {delta:+.1f} ms (CPU {delta_cpu:+.1f} ms)")


if __name__ == "__main__":
    main()
