"""``GET /ping`` while expensive requests are in flight: does the server keep answering its health check?

    python -m bench.ping_under_load [--model DIR] [--runs N] [--seconds S] [--explainers 8] [--rows 1000]

Our Fargate server (one worker, as the task runs it) serves the bench model; ``--explainers`` threads keep one
``POST /explain`` of ``--rows`` held-out rows each in flight (a new one as soon as the last is answered, or
after Retry-After when it is refused with 503) while
one more thread sends ``GET /ping`` on a fresh connection every 50 ms, as the target group's health check does.
Each run reports the ping latencies (p50, p99, max) and what the explanations got (200, or 503 with
Retry-After); the runs give the spread. Issue 22: 8 x 1000 rows made /ping take 8.0 s (the health check's
timeout is 5 s); the target is a p99 under 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from bench.coldstart import ROOT, child_environment
from bench.environment import image_environment
from bench.load import serving
from tests.conftest import free_port

PING_EVERY = 0.05


def explain_body(model_dir: Path, rows: int) -> str:
    holdout = np.load(model_dir / "holdout.npy")
    picked = np.resize(holdout, (rows, holdout.shape[1]))  # repeats the held-out rows when there are fewer
    return json.dumps({"instances": picked.astype(float).tolist()})


def _explainer(port: int, body: str, stop: threading.Event, statuses: Counter[str]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        try:
            connection.request("POST", "/explain", body, {"content-type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            retry_after = answer.getheader("retry-after")
            key = str(answer.status) + ("+retry-after" if retry_after else "")
            if retry_after:  # as a client should: wait as told, then send it again
                stop.wait(float(retry_after))
        except OSError as error:
            key = type(error).__name__
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        statuses[key] += 1
    connection.close()


def _pinger(port: int, stop: threading.Event, latencies: list[float], failures: Counter[str]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", "/ping")
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                failures[str(answer.status)] += 1
        except OSError as error:
            failures[type(error).__name__] += 1
        finally:
            connection.close()
        latencies.append(time.perf_counter() - started)
        stop.wait(max(0.0, PING_EVERY - (time.perf_counter() - started)))


def one_run(port: int, body: str, explainers: int, seconds: float) -> dict[str, object]:
    stop, statuses, failures, latencies = threading.Event(), Counter[str](), Counter[str](), []
    threads = [threading.Thread(target=_explainer, args=(port, body, stop, statuses)) for _ in range(explainers)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # every explanation in flight before the pings are counted
    pinger = threading.Thread(target=_pinger, args=(port, stop, latencies, failures))
    pinger.start()
    time.sleep(seconds)
    stop.set()
    for thread in [*threads, pinger]:
        thread.join()
    milliseconds = sorted(latency * 1000 for latency in latencies)
    return {"pings": len(milliseconds), "p50_ms": statistics.median(milliseconds),
            "p99_ms": milliseconds[min(len(milliseconds) - 1, int(0.99 * len(milliseconds)))],
            "max_ms": milliseconds[-1], "ping_failures": dict(failures), "explain": dict(statuses)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "build" / "bench" / "project")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--explainers", type=int, default=8)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server (EXPLAIN_QUEUE=4...)")
    args = parser.parse_args(argv)
    port, body = free_port(), explain_body(args.model, args.rows)
    image = image_environment(ROOT / "fargate_image" / "Dockerfile")
    environment = child_environment({**image, "PYTHONPATH": str(ROOT), "HOST": "127.0.0.1", "PORT": str(port),
                                     "MODEL_URI": str(args.model / "model.tar.gz"), "WEB_CONCURRENCY": "1",
                                     **dict(setting.split("=", 1) for setting in args.env)})  # fmt: skip
    log = ROOT / "build" / "bench" / "ping-under-load-server.log"
    with serving([sys.executable, "-m", "fargate_image.serve"], environment, port, log):
        print(f"model {args.model.name}, {args.explainers} x POST /explain of {args.rows} rows, {args.seconds:g} s "
              f"a run, server settings {args.env or 'default'}, "
              f"load average {os.getloadavg()[0]:.2f} before")  # fmt: skip
        runs = []
        for number in range(args.runs):
            run = one_run(port, body, args.explainers, args.seconds)
            runs.append(run)
            print(f"run {number + 1}: /ping p50 {run['p50_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms, max "
                  f"{run['max_ms']:.1f} ms over {run['pings']} pings (failed: {run['ping_failures'] or 'none'}); "
                  f"/explain answers {run['explain']}; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    p99 = [float(run["p99_ms"]) for run in runs]  # type: ignore[arg-type]
    print(f"/ping p99 over {len(runs)} runs: median {statistics.median(p99):.1f} ms, {min(p99):.1f}-{max(p99):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
