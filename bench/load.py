"""HTTP load on loopback: wrk, in its own process, against our Fargate server and the baseline Flask app.

Each server runs with one worker process on 127.0.0.1; wrk uses one thread (the machine has two cores:
one serves, one loads) and a bounded duration. Every request is a single held-out row as named JSON.
A run that saw any non-2xx answer or socket error is reported as failed, never as a speed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.coldstart import ROOT, child_environment
from bench.environment import image_environment
from bench.wrk import parse_wrk

Env = dict[str, str]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # loopback only
            return bool(answer.status == 200)
    except OSError:
        return False


@contextmanager
def serving(argv: list[str], environment: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """Start a server, wait until GET /ping answers 200, yield its base URL, then stop it (SIGTERM, by pid).

    Its output goes to ``log``, a file, as a container's log driver drains it: a pipe nobody reads fills up
    after a few hundred request log lines and then blocks the server (Flask logs every request to stderr).
    """
    with log.open("wb") as output:
        process = subprocess.Popen(argv, env=environment, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not _ready(base + "/ping"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{argv} did not become ready: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def check_answer(url: str, body: str) -> None:
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:  # loopback only
        predictions = json.loads(answer.read())["predictions"]
    if len(predictions) != 1:
        raise RuntimeError(f"{url} answered {predictions!r} for one row")


def run_wrk(url: str, bodies: Path, seconds: int, connections: int) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk (make bench does this)")
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
            "-s", str(ROOT / "bench" / "post.lua"), url]  # fmt: skip
    done = subprocess.run(argv, env={**os.environ, "BENCH_BODIES": str(bodies)}, capture_output=True, text=True,
                          timeout=seconds + 60, check=True)  # fmt: skip
    result = parse_wrk(done.stdout)
    result["failed"] = result["non_2xx"] > 0 or result["socket_errors"] > 0
    return result


def servers(model: Path, bench_python: Path, our_python: Path, port: int) -> dict[str, tuple[list[str], Env]]:
    """name -> (argv, environment): our Fargate server (1 worker) and the baseline Flask app (two thread settings)."""
    image = image_environment(ROOT / "fargate_image" / "Dockerfile")
    ours = child_environment({**image, "PYTHONPATH": str(ROOT), "MODEL_URI": str(model), "HOST": "127.0.0.1",
                              "PORT": str(port), "WEB_CONCURRENCY": "1"})  # fmt: skip
    baseline = child_environment({"MODEL_PATH": str(model), "PORT": str(port)})
    flask = [str(bench_python), "-W", "ignore", str(ROOT / "bench" / "baseline_flask.py")]
    return {
        "ours": ([str(our_python), "-m", "fargate_image.serve"], ours),
        "baseline": (flask, baseline),
        "baseline_1thread": (flask, {**baseline, "OMP_NUM_THREADS": "1"}),
    }


def measure_load(model: Path, bodies: Path, bench_python: Path, our_python: Path, *, port: int,
                 seconds: int = 10, connections: int = 32) -> dict[str, Any]:  # fmt: skip
    """wrk results for each server, one after the other on the same port; the faster baseline is "baseline"."""
    first_body = bodies.read_text().splitlines()[0]
    results = {}
    for name, (argv, environment) in servers(model, bench_python, our_python, port).items():
        with serving(argv, environment, port, bodies.with_name(f"{bodies.stem}-{name}-server.log")) as base:
            check_answer(base + "/predict", first_body)
            results[name] = run_wrk(base + "/predict", bodies, seconds, connections)
    variants = {name: results.pop(name) for name in ("baseline", "baseline_1thread")}
    fastest = max(variants, key=lambda name: (not variants[name]["failed"], variants[name]["requests_per_s"]))
    return {**results, "baseline": variants[fastest], "baseline_variant": fastest, "baseline_variants": variants}
