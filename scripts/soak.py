"""make soak: a bounded loopback load on the real Fargate server, then a verdict.

Starts ``python -m fargate_image.serve`` with a model, warms it up, runs wrk (Debian's package) for
``--duration`` seconds on ``--connections`` connections with a mix of JSON, CSV and query requests, and samples
the resident memory (VmRSS from /proc/<pid>/status) of the server process and its workers. Passes when wrk saw
zero errors and zero non-2xx answers and the RSS after the run is within ``--max-growth`` of the RSS after warm-up.
Prints the figures (requests, rate, p50/p90/p99 latency, RSS) and writes them to build/soak/report.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# run as `python -m scripts.soak` from the repository root, so these import
from bench.wrk import parse_wrk
from inference.model.bundle import default_schema_uri, load_schema
from inference.model.schema import Schema

REPO_ROOT = Path(__file__).resolve().parent.parent


def wrk_script(schema: Schema) -> str:
    """Lua for wrk: cycle through a one-row JSON, a 100-row CSV and a GET with query parameters, all of them
    the schema's example row."""
    example = {name: value for name, value in schema.example.items() if value is not None}
    csv = "\\n".join([",".join("" if v is None else str(v) for v in schema.example_values())] * 100)
    query = "&".join(f"{k}={v}" for k, v in example.items())
    named = json.dumps({"instances": [example]})
    return f"""local requests = {{
  wrk.format("POST", "/predict", {{["Content-Type"] = "application/json"}}, '{named}'),
  wrk.format("POST", "/predict", {{["Content-Type"] = "text/csv"}}, "{csv}"),
  wrk.format("GET", "/predict?{query}"),
}}
local i = 0
request = function() i = i % #requests + 1; return requests[i] end
"""


def process_tree(pid: int) -> list[int]:
    """``pid`` and every descendant (uvicorn's worker processes), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        parents[int(stat.parent.name)] = int(fields[1])
    tree = [pid]
    for candidate in tree:
        tree.extend(child for child, parent in parents.items() if parent == candidate)
    return tree


def resident_kib(pid: int) -> int:
    """Sum of VmRSS (KiB) over the process tree rooted at ``pid``."""
    total = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total += int(found.group(1)) if found else 0
    return total


def start_server(model: Path, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "MODEL_URI": str(model),
           "WEB_CONCURRENCY": str(workers), "LOG_LEVEL": "WARNING"}  # fmt: skip
    with log.open("wb") as out:
        command = [sys.executable, "-m", "fargate_image.serve"]
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not become ready; see {log}")


def run_wrk(url: str, script: Path, seconds: int, connections: int, threads: int) -> str:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout  # noqa: S603


def soak(args: argparse.Namespace) -> dict[str, float]:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    schema = load_schema(default_schema_uri(str(Path(args.model).resolve())), explicit=False)
    (out / "mix.lua").write_text(wrk_script(schema))
    server = start_server(Path(args.model).resolve(), args.port, args.workers, out / "server.log")
    url = f"http://127.0.0.1:{args.port}"
    try:
        run_wrk(url, out / "mix.lua", args.warmup, args.connections, args.threads)
        rss_before = resident_kib(server.pid)
        output = run_wrk(url, out / "mix.lua", args.duration, args.connections, args.threads)
        rss_after = resident_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    (out / "wrk.txt").write_text(output)
    figures = parse_wrk(output)
    growth = (rss_after - rss_before) / rss_before
    figures.update(rss_before_kib=rss_before, rss_after_kib=rss_after, rss_growth_percent=round(100 * growth, 2))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model.tar.gz (or xgboost-model) to serve")
    for flag, default in (("--duration", 60), ("--warmup", 5), ("--connections", 64), ("--threads", 2),
                          ("--workers", 2), ("--port", 18080)):  # fmt: skip
        parser.add_argument(flag, type=int, default=default)
    parser.add_argument("--max-growth", type=float, default=10.0, help="allowed RSS growth in percent")
    parser.add_argument("--out", default=str(REPO_ROOT / "build" / "soak"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make soak does this)")
    figures = soak(args)
    (Path(args.out) / "report.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    errors, growth = figures["socket_errors"] + figures["non_2xx"], figures["rss_growth_percent"]
    if errors or growth > args.max_growth:
        raise SystemExit(f"soak FAILED: {errors:g} errors, RSS growth {growth}% (limit {args.max_growth}%)")
    print(f"soak passed: {figures['requests']:g} requests, 0 errors, p99 {figures.get('p99_ms')} ms, "
          f"RSS growth {growth}% (limit {args.max_growth}%)")  # fmt: skip


if __name__ == "__main__":
    main()
