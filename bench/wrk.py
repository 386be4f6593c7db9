"""Parse ``wrk --latency`` output: shared by the benchmark (bench/load.py) and the soak test (scripts/soak.py)."""

from __future__ import annotations

import re
from typing import Any

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENTILE = re.compile(r"^\s*(50|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests, requests/s, p50/p90/p99 in milliseconds, and error counts; ValueError on anything else."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if rate is None or total is None:
        raise ValueError(f"not wrk --latency output: {output[:500]!r}")
    percentiles = {f"p{q}_ms": round(float(v) * UNITS[u], 3) for q, v, u in _PERCENTILE.findall(output)}
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {"requests_per_s": float(rate.group(1)), "requests": int(total.group(1)), **percentiles,
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "socket_errors": sum(int(n) for n in socket.groups()) if socket else 0}  # fmt: skip
