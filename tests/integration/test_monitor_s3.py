"""The scheduled monitor (``lambda_image/monitor_handler.py``) against a local S3 endpoint (moto's server) with
real boto3: it reads exactly its window's hours of every backend, joins the ground truth uploaded since, writes
the report under the window's name and ``latest/``, and prints the metrics as embedded-metric lines."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from inference import Predictor
from tests.support.datasets import FRAUD, rows_for
from tests.support.monitoring import baseline_for, capture_lines

BUCKET = "serving-capture"


def put_lines(s3: Any, key: str, lines: list[str]) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=("\n".join(lines) + "\n").encode())


@pytest.fixture
def handler(aws_env: str, fraud_model: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    environment = {"MODEL_URI": str(fraud_model), "MODEL_VERSION": "fraud-7",
                   "BASELINE_URI": f"s3://{BUCKET}/models/fraud-7/baseline.json",
                   "CAPTURE_URI": f"s3://{BUCKET}/capture/", "GROUND_TRUTH_URI": f"s3://{BUCKET}/ground-truth/",
                   "REPORT_URI": f"s3://{BUCKET}/monitoring/", "MONITOR_WINDOW_HOURS": "1"}  # fmt: skip
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("lambda_image.monitor_handler", None)
    return importlib.import_module("lambda_image.monitor_handler").handler


def test_the_monitor_reports_its_window_from_s3(handler: Any, fraud_model: Path, capsys: pytest.CaptureFixture) -> None:  # type: ignore[type-arg]
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    predictor = Predictor(str(fraud_model), "fraud-7")
    baseline = baseline_for(predictor.bundle, "error")
    s3.put_object(Bucket=BUCKET, Key="models/fraud-7/baseline.json", Body=json.dumps(baseline.to_document()))
    shifted = rows_for(FRAUD, 400, seed=31)
    shifted[:, FRAUD.index["amount"]] *= 2  # inside the range (up to 10,000): answered
    arm = list(capture_lines(predictor, FRAUD, shifted[:240], backend="lambda-arm64", per_request=2))
    fargate = list(capture_lines(predictor, FRAUD, shifted[240:], backend="fargate", per_request=2))
    put_lines(s3, "capture/lambda-arm64/2026/05/01/09/a.jsonl", [line for _, line in arm])
    put_lines(s3, "capture/fargate/2026/05/01/09/b.jsonl", [line for _, line in fargate])
    before = list(capture_lines(predictor, FRAUD, rows_for(FRAUD, 50, seed=32), backend="fargate"))
    put_lines(s3, "capture/fargate/2026/05/01/08/old.jsonl", [line for _, line in before])  # the hour before
    truth = [
        json.dumps(
            {
                "groundTruthData": {"data": "fraud\nlegit", "encoding": "CSV"},
                "eventMetadata": {"eventId": event_id},
                "eventVersion": "0",
            }
        )
        for event_id, _ in arm[:30]
    ]
    put_lines(s3, "ground-truth/2026/05/01/10/labels.jsonl", truth)  # uploaded the hour after the requests

    result = handler({"time": "2026-05-01T10:20:00Z", "source": "aws.events"}, None)

    assert result["window"] == "2026-05-01T09Z-1h" and result["rows"] == 400
    assert result["drifted_features"] == ["amount"]
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix="monitoring/")["Contents"]}
    assert keys == {f"monitoring/{folder}/report.{kind}" for folder in ("2026-05-01T09Z-1h", "latest")
                    for kind in ("json", "html")}  # fmt: skip
    report = json.loads(s3.get_object(Bucket=BUCKET, Key="monitoring/latest/report.json")["Body"].read())
    assert report["records"]["by_backend"] == {"fargate": 80, "lambda-arm64": 120}
    assert report["quality"]["metric"] == "error" and report["quality"]["rows"] == 60
    assert report["quality"]["live"] is not None and report["quality"]["validation"] == baseline.answers.validation
    html = s3.get_object(Bucket=BUCKET, Key="monitoring/latest/report.html")
    assert html["ContentType"] == "text/html; charset=utf-8" and b"Drift:" in html["Body"].read()
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    summary = next(m for m in metrics if "DriftedFeatures" in m)
    assert (summary["DriftedFeatures"], summary["MonitoredRows"]) == (1, 400)
    assert {m["Feature"] for m in metrics if "FeaturePsi" in m} == set(FRAUD.names)
    assert any(m.get("Metric") == "error" and "LiveMetric" in m for m in metrics)


def test_an_event_can_name_a_past_window(handler: Any) -> None:
    module = sys.modules["lambda_image.monitor_handler"]
    window = module.window_of({"window_start": "2026-04-30T00", "hours": 24}, 1, None)
    assert (window.name, window.prefixes()[0], window.prefixes()[-1]) == (
        "2026-04-30T00Z-24h", "2026/04/30/00", "2026/04/30/23")  # fmt: skip
