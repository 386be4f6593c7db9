"""The drift monitor's throughput: ``python -m bench.measure_monitor [--records N] [--quick]``.

Writes N captured records (one held-out California row each, as ``/predict`` named JSON: the commonest and
most expensive record to read) into hourly files under a temporary folder, as the server writes them, then
runs the monitor over them as the scheduled job does (baseline, model, every record read back and counted,
the answers predicted again, report.json and report.html written) and times it, and times its stages on a
sample: decoding the record, reading its rows, counting and predicting. Prints records per second, the time
10 million records would take against Lambda's 15 minutes, and the peak memory. Writes
bench/results/monitor.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.events import named_rows
from bench.measure_explain_handler import held_out
from inference.capture import Capture
from inference.capture_sinks import StreamSink
from inference.model.bundle import ModelBundle
from inference.monitoring.baseline_document import parse_baseline
from inference.monitoring.records import RecordReader, read_capture
from inference.monitoring.run import Sources, monitor
from inference.monitoring.stats import WindowStats
from inference.monitoring.store import Store
from inference.routes import Request, Response

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL = REPO_ROOT / "build/models/california_housing/model.tar.gz"
RESULTS = REPO_ROOT / "bench/results/monitor.json"
LAMBDA_SECONDS = 900
PER_FILE = 50_000


def write_records(folder: Path, rows: list[dict[str, Any]], count: int) -> int:
    """``count`` records cycling through ``rows``, in files of ``PER_FILE`` lines; returns the bytes written."""
    capture = Capture(StreamSink(sys.stdout, "fargate"), backend="fargate")
    answer = Response(200, '{"predictions": [123456.78], "unit": "USD", "model_version": "bench", "count": 1}')
    hour = folder / "fargate" / "2026/05/01/09"
    hour.mkdir(parents=True)
    written = 0
    for start in range(0, count, PER_FILE):
        lines = []
        for i in range(start, min(count, start + PER_FILE)):
            body = json.dumps({"instances": [rows[i % len(rows)]]}).encode()
            request = Request("POST", "/predict", {}, {"content-type": "application/json"}, body)
            lines.append(capture.line("api", "/predict", request, answer, "bench", f"event-{i}"))
        text = "\n".join(lines) + "\n"
        (hour / f"part-{start // PER_FILE:04d}.jsonl").write_text(text)
        written += len(text)
    return written


def stages(lines: list[bytes], bundle: ModelBundle, baseline: Any) -> dict[str, float]:
    """Microseconds per record of each stage, on a sample."""
    reader = RecordReader(bundle.schema)
    started = time.perf_counter()
    records = [read_capture(line) for line in lines]
    decoded = time.perf_counter()
    rows = [reader.rows(record) for record in records]
    read = time.perf_counter()
    stats = WindowStats(baseline, bundle, {})
    stats._inputs, stats._answered = rows, rows
    stats.flush()
    counted = time.perf_counter()
    n = len(lines) / 1e6
    return {"decode_us": round((decoded - started) / n, 2), "rows_us": round((read - decoded) / n, 2),
            "count_and_predict_us": round((counted - read) / n, 2)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.measure_monitor", description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20,000 records, one run")
    args = parser.parse_args(argv)
    if not MODEL.is_file():
        print(f"{MODEL} is missing: run `make model` first", file=sys.stderr)
        return 2
    count, runs = (20_000, 1) if args.quick else (args.records, args.runs)
    bundle = ModelBundle.load(str(MODEL), "bench")
    baseline = parse_baseline(MODEL.with_name("baseline.json").read_bytes())
    names = bundle.schema.names
    held = held_out(MODEL, names)
    rows = named_rows(np.array([[row[n] for n in names] for row in held], dtype=np.float32), names)
    folder = Path(tempfile.mkdtemp(prefix="monitor-bench-"))
    size = write_records(folder / "capture", rows, count)
    seconds = []
    for run in range(runs):
        sources = Sources(Store(str(folder / "capture")), None, Store(str(folder / f"reports-{run}")), ("",))
        started = time.perf_counter()
        document, _ = monitor(bundle, baseline, sources, None, dt.datetime.now(dt.UTC))
        seconds.append(time.perf_counter() - started)
        assert document["records"]["lines"] == count and document["rows"] == count
    sample = (folder / "capture/fargate/2026/05/01/09/part-0000.jsonl").read_bytes().splitlines()[:20_000]
    rate = count / statistics.median(seconds)
    results = {"records": count, "bytes_per_record": round(size / count, 1), "runs_s": [round(s, 2) for s in seconds],
               "records_per_s": round(rate), "records_per_s_range": [round(count / max(seconds)),
                                                                       round(count / min(seconds))],
               "ten_million_s": round(10_000_000 / rate), "lambda_limit_s": LAMBDA_SECONDS,
               "records_within_lambda_limit": round(rate * LAMBDA_SECONDS * 0.9),
               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
               "stages_us_per_record": stages(sample, bundle, baseline), "load_average": os.getloadavg()}  # fmt: skip
    text = json.dumps(results, indent=2)
    print(text)
    if not args.quick:
        RESULTS.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
