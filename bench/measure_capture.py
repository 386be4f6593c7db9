"""What data capture adds to a single-row request: ``python -m bench.measure_capture [--quick]``.

- Lambda handler, in-process (the model loads once, as on Lambda): one named JSON row per HTTP API event to
  ``/predict``, distinct held-out rows. Three configurations alternate request by request: capture off, a line
  on stdout (what the functions do), a batch in memory (what the server does). The handler's log line and the
  record go to /dev/null, so their cost is the write itself.
- Server, over loopback: ``python -m fargate_image.serve`` twice at once, capture off and on (batches written to a
  temporary folder every second); requests alternate between the two one by one, each on its keep-alive
  connection, so a change of machine load hits both alike; the p50 a client sees, per round.
- For comparison, the delivery not chosen: a synchronous Firehose ``PutRecord`` per request (boto3 to a
  loopback endpoint, moto's server): a floor for what it would add, before any network.

Per configuration: the median of the rounds' p50s and their range; the added p50 is computed round by round
(with, minus without). Writes
bench/results/capture.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.coldstart import child_environment
from bench.events import http_api_event, named_rows
from bench.load import serving
from bench.measure_explain_handler import held_out
from inference import Predictor
from inference.capture import Capture
from inference.capture_sinks import BatchSink, StreamSink

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL = REPO_ROOT / "build/models/california_housing/model.tar.gz"
RESULTS = REPO_ROOT / "bench/results/capture.json"


def p50_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def summary(rounds: list[float]) -> dict[str, float]:
    return {"median_us": round(statistics.median(rounds), 2), "min_us": round(min(rounds), 2),
            "max_us": round(max(rounds), 2)}  # fmt: skip


def handler_rounds(rows: list[dict[str, Any]], rounds: int, calls: int) -> dict[str, Any]:
    sys.path.insert(0, str(REPO_ROOT / "lambda_image"))
    handler = importlib.import_module("handler")
    sink_stream = Path(os.devnull).open("w")  # noqa: SIM115 (kept open for the whole measurement)
    for log_handler in handler.LOGGER.parent.handlers:  # the request log line: written, to nowhere
        log_handler.stream = sink_stream
    predictor = Predictor.from_env({"MODEL_URI": str(MODEL)})
    events = [http_api_event(json.dumps({"instances": [row]})) for row in rows]
    folder = tempfile.mkdtemp(prefix="capture-bench-")
    line = Capture(StreamSink(sink_stream, "lambda-arm64"), backend="lambda-arm64")
    batch = Capture(BatchSink(folder, "fargate", flush_seconds=1), backend="fargate")
    captures = {"off": None, "stdout line": line, "memory batch": batch}
    p50s: dict[str, list[float]] = {name: [] for name in captures}
    for _ in range(rounds):
        samples: dict[str, list[float]] = {name: [] for name in captures}
        for i in range(calls):  # the configurations alternate request by request: load changes hit all alike
            event = events[i % len(events)]
            for name, capture in captures.items():
                started = time.perf_counter()
                handler.handle(event, None, predictor, capture)
                samples[name].append(time.perf_counter() - started)
        for name, values in samples.items():
            p50s[name].append(p50_us(values))
    added = {name: summary([on - off for on, off in zip(p50s[name], p50s["off"], strict=True)])
             for name in captures if name != "off"}  # fmt: skip
    return {"p50": {name: summary(values) for name, values in p50s.items()}, "added_p50": added}


def server_rounds(rows: list[dict[str, Any]], rounds: int, calls: int) -> dict[str, Any]:
    """Both servers run at once; requests alternate between them one by one, so a change of load hits both."""
    bodies = [json.dumps({"instances": [row]}) for row in rows]
    folder = Path(tempfile.mkdtemp(prefix="capture-bench-server-"))
    environments = {"off": {"MODEL_URI": str(MODEL)},
                    "batched to files": {"MODEL_URI": str(MODEL), "CAPTURE_DESTINATION": str(folder / "capture"),
                                         "CAPTURE_FLUSH_SECONDS": "1", "BACKEND_NAME": "fargate"}}  # fmt: skip
    argv = [sys.executable, "-m", "fargate_image.serve"]
    p50s: dict[str, list[float]] = {name: [] for name in environments}
    with contextlib.ExitStack() as servers:
        connections = {}
        for name, environment in environments.items():
            port = free_port()
            settings = child_environment({**environment, "LOG_LEVEL": "WARNING", "HOST": "127.0.0.1", "PORT": str(port),
                                          "PYTHONPATH": str(REPO_ROOT)})  # fmt: skip
            servers.enter_context(serving(argv, settings, port, folder / f"server-{port}.log"))
            connections[name] = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(rounds):
            samples: dict[str, list[float]] = {name: [] for name in environments}
            for i in range(calls + 200):  # the first 200 warm the connections and the processes up
                for name, connection in connections.items():
                    elapsed = _request(connection, bodies[i % len(bodies)])
                    if i >= 200:
                        samples[name].append(elapsed)
            for name, values in samples.items():
                p50s[name].append(p50_us(values))
    added = summary([on - off for on, off in zip(p50s["batched to files"], p50s["off"], strict=True)])
    return {"p50": {name: summary(values) for name, values in p50s.items()}, "added_p50": added}


def _request(connection: http.client.HTTPConnection, body: str) -> float:
    started = time.perf_counter()
    connection.request("POST", "/predict", body, {"content-type": "application/json"})
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    assert response.status == 200
    return elapsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def firehose_put(calls: int) -> dict[str, float]:
    """The delivery not chosen, for comparison: one ``PutRecord`` per request, synchronously, with boto3 to
    Firehose's API served on loopback (moto): the client's and a local server's share only, no network."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
        url = f"http://127.0.0.1:{port}"
        boto3.client("s3", endpoint_url=url).create_bucket(Bucket="capture-bench")
        client = boto3.client("firehose", endpoint_url=url)
        destination = {"RoleARN": "arn:aws:iam::123456789012:role/bench", "BucketARN": "arn:aws:s3:::capture-bench"}
        client.create_delivery_stream(DeliveryStreamName="capture", ExtendedS3DestinationConfiguration=destination)
        record = {"Data": b"x" * 730}
        samples = []
        for i in range(calls + 50):
            started = time.perf_counter()
            client.put_record(DeliveryStreamName="capture", Record=record)
            if i >= 50:
                samples.append(time.perf_counter() - started)
    finally:
        server.stop()
    return {"p50_us": round(p50_us(samples), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.measure_capture", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few rounds, to check the harness")
    args = parser.parse_args(argv)
    if not MODEL.is_file():
        print(f"{MODEL} is missing: run `make model` first", file=sys.stderr)
        return 2
    predictor = Predictor.from_env({"MODEL_URI": str(MODEL)})
    rows = named_rows_of(predictor)
    rounds, calls = (2, 300) if args.quick else (9, 3000)
    results = {"load_average": os.getloadavg(), "rounds": rounds, "calls_per_round": calls,
               "handler": handler_rounds(rows, rounds, calls),
               "server": server_rounds(rows, rounds, calls // 3),
               "firehose_put_record_loopback": firehose_put(200 if args.quick else 1000)}  # fmt: skip
    results["load_average_after"] = os.getloadavg()
    text = json.dumps(results, indent=2)
    print(text)
    if not args.quick:
        RESULTS.write_text(text + "\n")
    return 0


def named_rows_of(predictor: Predictor) -> list[dict[str, Any]]:
    import numpy as np

    names = predictor.bundle.schema.names
    rows = held_out(MODEL, names)
    return named_rows(np.array([[row[n] for n in names] for row in rows], dtype=np.float32), names)


if __name__ == "__main__":
    sys.exit(main())
