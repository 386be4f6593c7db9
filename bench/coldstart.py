"""Cold-start proxy: process start to first prediction answered, in a fresh ``python -c`` process each run.

Each run spawns a new interpreter that imports the handler module (which loads the model, as Lambda's
init phase does), answers one HTTP API event and exits; the time is measured by this process around the
whole child: wall time (the goal) and the child's CPU time (which machine load disturbs less). Ours
and the baseline alternate run by run so machine noise hits both alike; one untimed
run each first warms the OS file cache and writes the bytecode caches (the Lambda image ships them).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.environment import image_environment

ROOT = Path(__file__).resolve().parent.parent
FIRST_PREDICTION = """
import json, sys
import {module} as handler_module
response = handler_module.handler(json.loads(sys.argv[1]), None)
assert response["statusCode"] == 200, response
"""


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """A small, explicit environment: nothing of the caller's PYTHONPATH or AWS settings leaks in."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    return {**keep, **extra}


def contenders(model: Path, bench_python: Path, our_python: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """name -> (argv without the event, environment) for ours (with its image's ENV) and the baseline."""
    ours = [str(our_python), "-c", FIRST_PREDICTION.format(module="handler")]
    our_environment = {**image_environment(ROOT / "lambda_image" / "Dockerfile"),
                       "PYTHONPATH": f"{ROOT / 'lambda_image'}:{ROOT}", "MODEL_URI": str(model)}  # fmt: skip
    baseline = [str(bench_python), "-W", "ignore", "-c", FIRST_PREDICTION.format(module="baseline_handler")]
    baseline_environment = {"PYTHONPATH": str(ROOT / "bench"), "MODEL_PATH": str(model)}
    return {
        "ours": (ours, child_environment(our_environment)),
        "baseline": (baseline, child_environment(baseline_environment)),
    }


def run_once(argv: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one child process, from spawn to exit."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(argv, env=environment, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False, timeout=120)  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold start of {argv[0]} failed: {done.stderr.decode()[-2000:]}")
    return elapsed, _children_cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_cold_starts(model: Path, event: dict[str, Any], bench_python: Path, our_python: Path,
                        runs: int = 5) -> dict[str, Any]:  # fmt: skip
    """Median and every run's seconds for each contender, plus the bare interpreter's start for context."""
    event_json = json.dumps(event)
    commands = contenders(model, bench_python, our_python)
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for argv, environment in commands.values():
        run_once([*argv, event_json], environment)
    for _ in range(runs):
        for name, (argv, environment) in commands.items():
            seconds, cpu_seconds = run_once([*argv, event_json], environment)
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
    bare = [run_once([str(our_python), "-c", "pass"], child_environment({}))[0] for _ in range(runs)]
    return {
        **{f"{name}_s": statistics.median(values) for name, values in wall.items()},
        **{f"{name}_cpu_s": statistics.median(values) for name, values in cpu.items()},
        "runs": wall,
        "interpreter_alone_s": statistics.median(bare),
    }
