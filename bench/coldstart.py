"""Cold start: process start to first answer, in a fresh ``python -c`` process each run.

Contenders, each a new interpreter timed from spawn to exit by this process (wall time, the goal, and the
child's CPU time, which machine load disturbs less):

- ``ours``: the Lambda handler module (its import loads the model, as Lambda's init phase does) answering
  one HTTP API event, with ``model.compiled.npz`` beside ``model.tar.gz``, as the deployed pipeline serves;
- ``ours_plain``: the same with ``MODEL_URI`` on a directory holding SageMaker's ``model.tar.gz`` alone;
- ``lean``: a lean xgboost script (import xgboost, read the artifact, predict one row), with xgboost's
  default threads and with one OpenMP thread; the faster is the baseline (the stricter test);
- ``baseline``: the naive handler (xgboost + pandas), for context.

Contenders alternate run by run so machine noise hits all alike; one untimed run each first warms the OS
file cache and writes the bytecode caches (the Lambda image ships them). ``load_alone`` times
``ModelBundle.load`` (fetch, decode, compile) inside fresh processes, imports excluded.
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
LEAN_XGBOOST = """
import json, sys, tarfile
import numpy as np
import xgboost as xgb
with tarfile.open(sys.argv[2]) as tar:
    model = tar.extractfile("xgboost-model").read()
booster = xgb.Booster()
booster.load_model(bytearray(model))
print(booster.inplace_predict(np.array([json.loads(sys.argv[1])], dtype=np.float32)))
"""
LOAD_ALONE = """
import sys, time
from inference.model.bundle import ModelBundle
started = time.perf_counter()
ModelBundle.load(sys.argv[1])
print(time.perf_counter() - started)
"""


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """A small, explicit environment: nothing of the caller's PYTHONPATH or AWS settings leaks in."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    return {**keep, **extra}


def contenders(tarball: Path, plain: Path, bench_python: Path, our_python: Path,
               event: dict[str, Any], row: list[float]) -> dict[str, tuple[list[str], dict[str, str]]]:  # fmt: skip
    """name -> (argv, environment) of every contender."""
    ours = [str(our_python), "-c", FIRST_PREDICTION.format(module="handler"), json.dumps(event)]
    image = {**image_environment(ROOT / "lambda_image" / "Dockerfile"), "PYTHONPATH": f"{ROOT / 'lambda_image'}:{ROOT}"}
    lean = [str(bench_python), "-W", "ignore", "-c", LEAN_XGBOOST, json.dumps(row), str(plain)]
    baseline = [str(bench_python), "-W", "ignore", "-c", FIRST_PREDICTION.format(module="baseline_handler"),
                json.dumps(event)]  # fmt: skip
    return {
        "ours": (ours, child_environment({**image, "MODEL_URI": str(tarball)})),
        "ours_plain": (ours, child_environment({**image, "MODEL_URI": str(plain)})),
        "lean": (lean, child_environment({})),
        "lean_1thread": (lean, child_environment({"OMP_NUM_THREADS": "1"})),
        "baseline": (baseline, child_environment({"PYTHONPATH": str(ROOT / "bench"), "MODEL_PATH": str(plain)})),
    }


def run_once(argv: list[str], environment: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, standard output) of one child process, from spawn to exit."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(argv, env=environment, cwd=ROOT, capture_output=True, check=False, timeout=120)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold start of {argv[0]} failed: {done.stderr.decode()[-2000:]}")
    return elapsed, _children_cpu() - cpu_before, done.stdout.decode()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_cold_starts(tarball: Path, plain: Path, event: dict[str, Any], row: list[float], bench_python: Path,
                        our_python: Path, runs: int = 5) -> dict[str, Any]:  # fmt: skip
    """Medians and every run's seconds per contender; the faster lean variant is ``lean``."""
    commands = contenders(tarball, plain, bench_python, our_python, event, row)
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for argv, environment in commands.values():
        run_once(argv, environment)
    for _ in range(runs):
        for name, (argv, environment) in commands.items():
            seconds, cpu_seconds, _ = run_once(argv, environment)
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
    medians = {name: statistics.median(values) for name, values in wall.items()}
    lean = min(("lean", "lean_1thread"), key=medians.__getitem__)
    results = {f"{name}_s": medians[name] for name in ("ours", "ours_plain", "baseline")}
    results |= {f"{name}_cpu_s": statistics.median(cpu[name]) for name in ("ours", "ours_plain", "baseline")}
    results |= {"lean_s": medians[lean], "lean_cpu_s": statistics.median(cpu[lean]), "lean_variant": lean}
    bare = [run_once([str(our_python), "-c", "pass"], child_environment({}))[0] for _ in range(runs)]
    return {**results, "runs": wall, "interpreter_alone_s": statistics.median(bare),
            "load_alone": load_alone(tarball, plain, our_python, runs)}  # fmt: skip


def load_alone(tarball: Path, plain: Path, our_python: Path, runs: int) -> dict[str, float]:
    """Median seconds of ``ModelBundle.load`` in fresh processes: the compiled form, and the tarball alone."""
    environment = child_environment(
        {**image_environment(ROOT / "lambda_image" / "Dockerfile"), "PYTHONPATH": str(ROOT)}
    )
    seconds: dict[str, list[float]] = {"compiled_s": [], "plain_s": []}
    for _ in range(runs):
        for name, uri in (("compiled_s", tarball), ("plain_s", plain)):
            seconds[name].append(float(run_once([str(our_python), "-c", LOAD_ALONE, str(uri)], environment)[2]))
    return {name: statistics.median(values) for name, values in seconds.items()}
