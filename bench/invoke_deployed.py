"""Invoke the deployed x86_64 and arm64 Lambdas N times and report billed duration, init and cost.

    python -m bench.invoke_deployed [--count 100] [--x86 NAME --arm NAME | --stack ServingStack] [--region R]
                                    [--dataset california_housing]

Each call is ``lambda.invoke`` with ``LogType="Tail"`` and one single-row HTTP API event (the example row of
the data set's spec, ``--dataset``); the REPORT line
at the end of the returned log tail gives Duration, Billed Duration, Memory Size, Max Memory Used and,
on a cold start, Init Duration. Function names come from the arguments or from the stack's outputs
(keys like ``LambdaX86FunctionName`` / ``LambdaArm64FunctionName``). Prices: us-east-1 on-demand.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import re
import statistics
from dataclasses import dataclass
from typing import Any

from bench.events import http_api_event

PRICE_PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
PRICE_PER_MILLION_REQUESTS = 0.20
_FIELDS = {"duration_ms": r"(?<!Billed )(?<!Init )Duration: ([\d.]+) ms", "billed_ms": r"Billed Duration: (\d+) ms",
           "memory_mb": r"Memory Size: (\d+) MB", "max_memory_mb": r"Max Memory Used: (\d+) MB",
           "init_ms": r"Init Duration: ([\d.]+) ms"}  # fmt: skip


@dataclass(frozen=True)
class Report:
    duration_ms: float
    billed_ms: float
    memory_mb: int
    max_memory_mb: int
    init_ms: float | None  # only on a cold start


def parse_report(log_tail: str) -> Report:
    """The REPORT line of one invocation's log tail (the last one, if the tail holds several)."""
    lines = [line for line in log_tail.splitlines() if line.startswith("REPORT RequestId:")]
    if not lines:
        raise ValueError(f"no REPORT line in the log tail: {log_tail[-300:]!r}")
    found = {name: re.search(pattern, lines[-1]) for name, pattern in _FIELDS.items()}
    missing = [name for name, match in found.items() if match is None and name != "init_ms"]
    if missing:
        raise ValueError(f"REPORT line without {', '.join(missing)}: {lines[-1]!r}")
    value = {name: match.group(1) if match else None for name, match in found.items()}
    return Report(float(value["duration_ms"] or 0), float(value["billed_ms"] or 0), int(value["memory_mb"] or 0),
                  int(value["max_memory_mb"] or 0), float(value["init_ms"]) if value["init_ms"] else None)  # fmt: skip


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def cost_per_million(mean_billed_ms: float, memory_mb: int, architecture: str) -> float:
    """USD per million requests: compute (GB-seconds at this arch's price) plus the request charge."""
    gb_seconds = mean_billed_ms / 1000 * memory_mb / 1024
    return 1_000_000 * gb_seconds * PRICE_PER_GB_SECOND[architecture] + PRICE_PER_MILLION_REQUESTS


def summarize(reports: list[Report], architecture: str) -> dict[str, Any]:
    billed = [r.billed_ms for r in reports]
    inits = [r.init_ms for r in reports if r.init_ms is not None]
    memory = reports[0].memory_mb
    return {"architecture": architecture, "invocations": len(reports), "memory_mb": memory,
            "billed_p50_ms": percentile(billed, 0.50), "billed_p95_ms": percentile(billed, 0.95),
            "billed_p99_ms": percentile(billed, 0.99), "billed_mean_ms": statistics.fmean(billed),
            "duration_p50_ms": percentile([r.duration_ms for r in reports], 0.50),
            "cold_starts": len(inits), "init_median_ms": statistics.median(inits) if inits else None,
            "max_memory_used_mb": max(r.max_memory_mb for r in reports),
            "usd_per_million": cost_per_million(statistics.fmean(billed), memory, architecture)}  # fmt: skip


def function_names_from_stack(cloudformation: Any, stack: str) -> dict[str, str]:
    """{"x86": name, "arm": name} from the stack's outputs whose keys name a function and an architecture."""
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    names = {}
    for output in outputs:
        key = output["OutputKey"].lower()
        if key.endswith("functionname"):
            names.update({"x86": output["OutputValue"]} if "x86" in key else {})
            names.update({"arm": output["OutputValue"]} if "arm" in key else {})
    if set(names) != {"x86", "arm"}:
        raise SystemExit(f"{stack} has no *X86*FunctionName and *Arm*FunctionName outputs; pass --x86 and --arm")
    return names


def example_row(dataset: str = "california_housing") -> dict[str, Any]:
    """The example row of a bundled data set's spec (or of the spec at that path)."""
    from training.spec import load

    return dict(load(dataset).schema.example)


def invoke_many(client: Any, function_name: str, count: int, row: dict[str, Any]) -> tuple[str, list[Report]]:
    """(architecture, one Report per invocation); raises on any error the function reports."""
    architecture = client.get_function_configuration(FunctionName=function_name)["Architectures"][0]
    payload = json.dumps(http_api_event(json.dumps({"instances": [row]}))).encode()
    reports = []
    for _ in range(count):
        answer = client.invoke(FunctionName=function_name, LogType="Tail", Payload=payload)
        body = answer["Payload"].read()
        if answer.get("FunctionError") or json.loads(body).get("statusCode") != 200:
            raise RuntimeError(f"{function_name} failed: {answer.get('FunctionError')} {body[:500]!r}")
        reports.append(parse_report(base64.b64decode(answer["LogResult"]).decode("utf-8", "replace")))
    return architecture, reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.invoke_deployed", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--x86")
    parser.add_argument("--arm")
    parser.add_argument("--stack", default="ServingStack")
    parser.add_argument("--region", default=None)
    parser.add_argument("--dataset", default="california_housing", help="the spec whose example row is sent")
    args = parser.parse_args(argv)
    import boto3

    session = boto3.session.Session(region_name=args.region)
    names = {"x86": args.x86, "arm": args.arm}
    if not (args.x86 and args.arm):
        names = function_names_from_stack(session.client("cloudformation"), args.stack)
    client = session.client("lambda")
    for label, name in names.items():
        architecture, reports = invoke_many(client, name, args.count, example_row(args.dataset))
        print(json.dumps({"function": name, "label": label, **summarize(reports, architecture)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
