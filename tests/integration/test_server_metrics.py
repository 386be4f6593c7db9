"""The server's metrics over real HTTP: EMF lines on stdout (checked against the published schema, written every
flush interval and at shutdown) and ``GET /metrics`` in Prometheus's text format, added up across two workers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from inference.metrics.names import Metric
from tests.integration.conftest import RunningServer
from tests.support import emf
from tests.support.datasets import HOUSING

ROW = dict(zip(HOUSING.names, [8.3252, 41.0, 6.984127, 1.02381, 322.0, 2.555556, 37.88, -122.23], strict=True))
JSON = {"content-type": "application/json"}


def samples(server: RunningServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    reply = server.request("GET", "/metrics")
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/plain; version=")
    found = {}
    for family in text_string_to_metric_families(reply.body.decode()):
        for sample in family.samples:
            found[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_two_workers_count_every_request_and_write_emf_lines(
    start_server: Callable[..., RunningServer], model_tarball: Path, tmp_path: Path
) -> None:
    env = {"MODEL_URI": str(model_tarball), "MODEL_VERSION": "m1", "WEB_CONCURRENCY": "2", "METRICS": "emf",
           "BACKEND_NAME": "fargate", "METRICS_FLUSH_SECONDS": "0.2",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus")}  # fmt: skip
    server = start_server(env)
    good, bad = json.dumps({"instances": [ROW, ROW, ROW]}), json.dumps({"instances": [{**ROW, "MedInc": "x"}]})
    for _ in range(20):  # new connections: both workers answer some
        assert server.request("POST", "/predict", good, JSON).status == 200
    assert server.request("POST", "/predict", bad, JSON).status == 400
    assert server.request("GET", "/ping").status == 200
    found = samples(server)
    version = (("model_version", "m1"), ("route", "/predict"))
    ok = (("error_family", ""), ("model_version", "m1"), ("route", "/predict"), ("status", "2xx"))
    assert found["xgboost_requests_total", ok] == 20
    refused = (("error_family", "invalid_input"), ("model_version", "m1"), ("route", "/predict"), ("status", "4xx"))
    assert found["xgboost_requests_total", refused] == 1
    assert found["xgboost_rows_total", version] == 60
    assert found["xgboost_model_latency_seconds_count", (("route", "/predict"),)] == 21
    assert not [key for key in found if ("route", "/ping") in key[1]]
    time.sleep(0.5)  # one flush interval and more
    assert server.stop() == 0
    metrics = emf.extracted(emf.lines_of(server.logs()))
    dimensions = {"Backend": "fargate", "ModelVersion": "m1"}
    assert emf.total(metrics, Metric.INVOCATIONS, **dimensions) == 21
    assert emf.total(metrics, Metric.ROWS, **dimensions, Route="/predict") == 60
    assert emf.total(metrics, Metric.ERRORS_4XX, Backend="fargate", ErrorFamily="invalid_input") == 1
    assert emf.total(metrics, Metric.COLD_START, Backend="fargate") == 2  # one per worker
