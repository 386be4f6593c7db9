"""The batch scoring benchmark's README section: the measured table, and 100 million rows on AWS on paper
(BatchStack at its default concurrency against Batch Transform).

From measured rates (one worker's rows/s on one core; the pandas + xgboost script's rows/s on this machine's
cores) and AWS's published on-demand prices for us-east-1 (aws.amazon.com/lambda/pricing,
/step-functions/pricing, /sagemaker/pricing "Batch Transform"), written down as of this change. Each
assumption is a named constant, so the estimate is easy to redo with other prices or rates.
"""

from __future__ import annotations

import math
from typing import Any

from stacks.config import DEFAULTS

ROWS = 100_000_000
LAMBDA_ARM_GB_SECOND, LAMBDA_REQUEST = 0.0000133334, 0.20 / 1e6
STEP_FUNCTIONS_TRANSITION = 0.025 / 1000
INSTANCES = {"ml.m5.large": (0.115, 2), "ml.c5.xlarge": (0.204, 4)}
"""Instance -> (USD per hour, vCPUs)."""
BATCH_TRANSFORM_START_MINUTES = 6.0
"""Provisioning and pulling the container before the first record (AWS publishes no figure; 4-8 min is usual)."""
LAMBDA_START_SECONDS = 2.0
"""An image function's cold start plus loading the compiled model (0.24 s of it measured by `make bench`)."""
S3_MB_PER_SECOND = 90.0
"""One ranged GET's throughput inside a region (assumed)."""
STATES_PER_RANGE = 4
FIXED_SECONDS = 20.0
"""Planning, the assembling map (UploadPartCopy is a copy inside S3) and the summary (assumed)."""


def paper_table(worker_rows_per_second: float, bytes_per_row: float, machine_rows_per_second: float,
                machine_cores: int = 2) -> str:  # fmt: skip
    """A markdown table: time and cost of ``ROWS`` rows each way, and the assumptions under it."""
    range_mb, concurrency, memory_mb = (
        DEFAULTS["batchRangeMb"],
        DEFAULTS["batchMaxConcurrency"],
        DEFAULTS["batchMemoryMb"],
    )
    assert isinstance(range_mb, int) and isinstance(concurrency, int) and isinstance(memory_mb, int)
    rows_per_range = range_mb * 2**20 / bytes_per_row
    ranges = math.ceil(ROWS / rows_per_range)
    per_range = LAMBDA_START_SECONDS + range_mb * 1.048576 / S3_MB_PER_SECOND + rows_per_range / worker_rows_per_second
    seconds = FIXED_SECONDS + math.ceil(ranges / concurrency) * per_range
    lambda_cost = ranges * per_range * memory_mb / 1024 * LAMBDA_ARM_GB_SECOND + (ranges + 3) * LAMBDA_REQUEST
    cost = lambda_cost + (ranges * STATES_PER_RANGE + 10) * STEP_FUNCTIONS_TRANSITION
    rows = [f"| BatchStack, {concurrency} workers ({memory_mb} MB arm64 Lambda), {ranges} ranges of {range_mb} MB | "
            f"{_duration(seconds)} | ${cost:.3f} | no idle cost |"]  # fmt: skip
    for instance, (price, vcpus) in INSTANCES.items():
        rate = machine_rows_per_second * vcpus / machine_cores
        scoring = ROWS / rate
        rows.append(f"| Batch Transform, one {instance} (${price}/h, {vcpus} vCPU) | "
                    f"{_duration(BATCH_TRANSFORM_START_MINUTES * 60 + scoring)} | ${scoring / 3600 * price:.3f} | "
                    f"~{BATCH_TRANSFORM_START_MINUTES:.0f} min start-up (assumed); one bad row fails its file "
                    "|")  # fmt: skip
    instance_prices = " and ".join(f"{instance} ${price}/h" for instance, (price, _) in INSTANCES.items())
    return "\n".join([
        f"On paper, {ROWS / 1e6:.0f} million rows ({ROWS * bytes_per_row / 1e9:.1f} GB of this CSV) in us-east-1:",
        "",
        "| Scoring 100 million rows | Wall time | Compute cost | |",
        "|---|---:|---:|---|",
        *rows,
        "",
        f"Assumptions: a Lambda worker (one vCPU at {memory_mb} MB) scores at the one-core rate measured above, after "
        f"a {LAMBDA_START_SECONDS:.0f} s start and a ranged GET at {S3_MB_PER_SECOND:.0f} MB/s; "
        f"{FIXED_SECONDS:.0f} s of planning, assembling and summary. Batch Transform's start-up is an assumption (AWS "
        "publishes no figure). Its instance scores at the pandas "
        f"+ xgboost script's measured rate scaled by its vCPUs (optimistic: the container also parses every "
        "request's CSV behind HTTP), and is billed for scoring time only. Prices (AWS's us-east-1 on-demand list "
        f"prices as we knew them): Lambda arm64 ${LAMBDA_ARM_GB_SECOND} per GB-s and "
        f"${LAMBDA_REQUEST * 1e6:.2f} per million requests, Step Functions ${STEP_FUNCTIONS_TRANSITION * 1000:.3f} "
        f"per 1,000 state transitions, SageMaker {instance_prices}. They were not re-checked against AWS's pricing "
        "pages for this run (the machine that ran `make bench` cannot reach them): check them, and put current "
        "ones in `bench/score_report.py` before relying on the costs. S3 requests add well under a cent either way.",
    ])  # fmt: skip


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 120 else f"{seconds:.0f} s"


def markdown(results: dict[str, Any]) -> str:
    machine, side = results["machine"], results["side_by_side"]
    ours, base, equal = side["ours"], side["baseline"], side["equal"]
    lines = [
        f"Measured by `make bench` (`python -m bench.measure_score`) on {machine['cpu']} ({machine['cores']} cores, "
        f"1-min load average {machine['load_average_1min']} at start), {results['repeats']} alternating runs each; "
        "medians, with min-max.",
        "",
        "| 1,000,000 CSV rows in, CSV out | Wall time | CPU time (all processes) | Rows/s | Peak memory |",
        "|---|---:|---:|---:|---:|",
        f"| `make score` (`python -m inference.batch`, {machine['cores']} processes) | {_range(ours, 'seconds')} | "
        f"{_range(ours, 'cpu')} | {ours['rows_per_second']:,.0f} | {ours['peak_mb']:.0f} MB |",
        f"| pandas `read_csv` + xgboost `inplace_predict` ({machine['cores']} threads) + `to_csv` | "
        f"{_range(base, 'seconds')} | {_range(base, 'cpu')} | {base['rows_per_second']:,.0f} | "
        f"{base['peak_mb']:.0f} MB |",
        "",
        f"- Speed-up (the script's time / ours), wall time: **{_ratio(side['speedup'])}**; CPU time, the work "
        f"each does whatever else the machine runs: **{_ratio(side['cpu_ratio'])}**. Answers equal within float32 "
        f"tolerance (rtol=atol=1e-5): {'yes' if equal['within_float32_tolerance'] else '**no**'}, max abs diff "
        f"{equal['max_abs_diff']:.2g} over {equal['rows']:,} rows.",
    ]
    if "large" in results:
        large = results["large"]
        lines.append(f"- {large['bytes'] / 1e9:.2f} GB input: peak memory of all processes {large['peak_mb']:.0f} MB "
                     f"(target: at most 300 MB), {large['seconds']:.0f} s.")  # fmt: skip
    rate = results["worker"]
    lines.append(f"- One worker, one range ({rate['rows']:,} rows, {rate['bytes'] / 1e6:.0f} MB), one core: "
                 f"{rate['rows_per_second']:,.0f} rows/s ({rate['min']:,.0f}-{rate['max']:,.0f}).")  # fmt: skip
    return "\n".join([*lines, "", paper_table(rate["rows_per_second"], rate["bytes"] / rate["rows"],
                                              base["rows_per_second"])])  # fmt: skip


def _range(measured: dict[str, Any], field: str) -> str:
    median = measured[field if field == "seconds" else "cpu_seconds"]
    low, high = (
        (measured["seconds_min"], measured["seconds_max"])
        if field == "seconds"
        else (measured["cpu_min"], measured["cpu_max"])
    )
    return f"{median:.2f} s ({low:.2f}-{high:.2f})"


def _ratio(ratio: dict[str, float]) -> str:
    return f"{ratio['median']:.2f}x (per pair {ratio['min']:.2f}-{ratio['max']:.2f})"
