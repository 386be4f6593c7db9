"""Data capture by the real HTTP server over loopback: records batched into hourly files, or S3 objects written
with real boto3 to a local S3 endpoint (moto's server), each one what the client sent and received."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import boto3
import numpy as np

from inference.capture import EVENT_ID_HEADER
from inference.monitoring.records import RecordReader, read_capture
from tests.integration.test_http_server import CSV, NAMED, QUERY, ROW
from tests.support.datasets import HOUSING

V2_INFER = {"inputs": [{"name": "input-0", "shape": [1, len(ROW)], "datatype": "FP64", "data": ROW}]}

HOUR_PATH = re.compile(r"fargate/\d{4}/\d\d/\d\d/\d\d/\d+-[^/]+-\d+-\d+\.jsonl")


def records_in(folder: Path, count: int, timeout: float = 20) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(folder.rglob("*.jsonl"))
        found = [json.loads(line) for path in files for line in path.read_text().splitlines()]
        if len(found) >= count:
            assert all(HOUR_PATH.fullmatch(str(path.relative_to(folder))) for path in files), files
            return found
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} records under {folder} after {timeout} s")


def test_the_server_captures_each_route_into_hourly_files(start_server, model_tarball, tmp_path):
    folder = tmp_path / "capture"
    server = start_server({"MODEL_URI": str(model_tarball), "MODEL_VERSION": "v9", "BACKEND_NAME": "fargate",
                           "CAPTURE_DESTINATION": str(folder), "CAPTURE_FLUSH_SECONDS": "0.2"})  # fmt: skip
    sent = [
        ("POST", "/predict", json.dumps({"instances": [NAMED]}), {"content-type": "application/json"}),
        ("POST", "/invocations", CSV, {"content-type": "text/csv"}),
        ("GET", f"/explain?{QUERY}", None, {}),
        ("POST", "/predict", json.dumps({"instances": [NAMED | {"MedInc": -1}]}), {"content-type": "application/json"}),
        ("POST", "/v2/models/california_housing/infer", json.dumps(V2_INFER), {"content-type": "application/json"}),
    ]
    replies = {}
    for method, path, body, headers in sent:
        reply = server.request(method, path, body, headers)
        replies[reply.headers[EVENT_ID_HEADER]] = (path, body, reply)
    assert server.request("GET", "/ping").headers.get(EVENT_ID_HEADER) is None
    records = records_in(folder, len(sent))
    assert len(records) == len(sent)
    for record in records:
        path, body, reply = replies[record["eventMetadata"]["eventId"]]
        metadata = record["eventMetadata"]
        assert (metadata["backend"], metadata["modelVersion"], metadata["status"]) == ("fargate", "v9", reply.status)
        assert metadata["route"] == path.split("?")[0].replace("california_housing", "{name}")  # the route's
        assert record["captureData"]["endpointOutput"]["data"] == reply.body.decode()
        if body is not None:
            assert record["captureData"]["endpointInput"]["data"] == body
        if metadata["status"] == 200:  # what the monitor reads back is the row the model was given, on every route
            rows = RecordReader(HOUSING).rows(read_capture(json.dumps(record)))
            assert rows.tolist() == [np.float32(ROW).tolist()]


def test_the_server_writes_its_last_records_to_s3_when_it_stops(start_server, aws_env, model_tarball):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="capture-bucket")
    server = start_server({"MODEL_URI": str(model_tarball), "BACKEND_NAME": "fargate",
                           "CAPTURE_DESTINATION": "s3://capture-bucket/capture/",
                           "CAPTURE_FLUSH_SECONDS": "3600"})  # fmt: skip
    event_ids = {server.request("POST", "/predict", CSV, {"content-type": "text/csv"}).headers[EVENT_ID_HEADER]
                 for _ in range(3)}  # fmt: skip
    assert s3.list_objects_v2(Bucket="capture-bucket").get("KeyCount") == 0  # held in memory until a flush
    assert server.stop() == 0, server.logs()
    (item,) = s3.list_objects_v2(Bucket="capture-bucket", Prefix="capture/")["Contents"]
    assert HOUR_PATH.fullmatch(item["Key"].removeprefix("capture/")), item["Key"]
    body = s3.get_object(Bucket="capture-bucket", Key=item["Key"])["Body"].read().decode()
    assert {json.loads(line)["eventMetadata"]["eventId"] for line in body.splitlines()} == event_ids
