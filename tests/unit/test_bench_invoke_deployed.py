"""bench/invoke_deployed.py: REPORT-line parsing, statistics and cost on recorded logs; boto3 calls via Stubber."""

from __future__ import annotations

import base64
import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from bench.events import http_api_event
from bench.invoke_deployed import (
    Report,
    cost_per_million,
    example_row,
    function_names_from_stack,
    invoke_many,
    parse_report,
    percentile,
    summarize,
)
from tests.support.datasets import HOUSING_DOCUMENT

HOUSING_EXAMPLE = HOUSING_DOCUMENT["example"]

COLD_TAIL = (
    "START RequestId: 8f5e4c1a-0b7d-4c5e-9a61-2f3d5e6a7b8c Version: $LATEST\n"
    '{"time": "2026-11-21T10:00:00+0000", "level": "INFO", "logger": "inference", "message": "model loaded", '
    '"trees": 1864, "load_ms": 212.4}\n'
    '{"time": "2026-11-21T10:00:00+0000", "level": "INFO", "logger": "inference.lambda_handler", '
    '"message": "request", "route": "/predict", "status": 200, "rows": 1, "latency_ms": 0.41}\n'
    "END RequestId: 8f5e4c1a-0b7d-4c5e-9a61-2f3d5e6a7b8c\n"
    "REPORT RequestId: 8f5e4c1a-0b7d-4c5e-9a61-2f3d5e6a7b8c\tDuration: 3.52 ms\tBilled Duration: 655 ms\t"
    "Memory Size: 1024 MB\tMax Memory Used: 143 MB\tInit Duration: 651.17 ms\t\n"
    "XRAY TraceId: 1-673f0a2b-4c1d2e3f4a5b6c7d8e9f0a1b\tSegmentId: 5e6f7a8b9c0d1e2f\tSampled: true\t\n"
)
WARM_TAIL = (
    "START RequestId: 1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6 Version: $LATEST\n"
    "END RequestId: 1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6\n"
    "REPORT RequestId: 1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6\tDuration: 1.87 ms\tBilled Duration: 2 ms\t"
    "Memory Size: 1024 MB\tMax Memory Used: 144 MB\t\n"
)


def test_cold_start_report_line_is_parsed_with_its_init_duration() -> None:
    assert parse_report(COLD_TAIL) == Report(duration_ms=3.52, billed_ms=655, memory_mb=1024, max_memory_mb=143,
                                             init_ms=651.17)  # fmt: skip


def test_warm_report_line_has_no_init_duration() -> None:
    assert parse_report(WARM_TAIL) == Report(1.87, 2, 1024, 144, None)


def test_a_log_tail_without_a_report_line_is_refused() -> None:
    with pytest.raises(ValueError, match="no REPORT line"):
        parse_report("START RequestId: x Version: $LATEST\n")
    with pytest.raises(ValueError, match="without billed_ms"):
        parse_report("REPORT RequestId: x\tDuration: 1.00 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t")


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (50.0, 95.0, 99.0)
    assert (percentile([5.0, 1.0, 3.0], 0.5), percentile([5.0, 1.0, 3.0], 0.99)) == (3.0, 5.0)


def test_cost_per_million_requests_uses_the_architecture_price() -> None:
    # 10 ms at 1 GB: 0.01 GB-s per request, times the GB-s price, plus $0.20 per million requests.
    assert cost_per_million(10, 1024, "x86_64") == pytest.approx(0.01 * 0.0000166667 * 1e6 + 0.20)
    assert cost_per_million(10, 1024, "arm64") == pytest.approx(0.333334)
    assert cost_per_million(10, 2048, "arm64") == pytest.approx(2 * 0.133334 + 0.20)


def test_summary_of_one_cold_and_many_warm_invocations() -> None:
    reports = [parse_report(COLD_TAIL)] + [parse_report(WARM_TAIL)] * 99
    summary = summarize(reports, "arm64")
    assert summary["billed_p50_ms"] == 2 and summary["billed_p95_ms"] == 2 and summary["billed_p99_ms"] == 2
    assert summary["cold_starts"] == 1 and summary["init_median_ms"] == 651.17
    assert summary["billed_mean_ms"] == pytest.approx((655 + 99 * 2) / 100)
    assert summary["usd_per_million"] == pytest.approx(cost_per_million(8.53, 1024, "arm64"))
    assert summary["max_memory_used_mb"] == 144


def test_function_names_come_from_the_stack_outputs() -> None:
    client = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    outputs = [{"OutputKey": "ApiUrl", "OutputValue": "https://example.execute-api.us-east-1.amazonaws.com/"},
               {"OutputKey": "LambdaX86FunctionName", "OutputValue": "ServingStack-InferenceX86-a1"},
               {"OutputKey": "LambdaArm64FunctionName", "OutputValue": "ServingStack-InferenceArm-b2"}]  # fmt: skip
    stack = {"StackName": "ServingStack", "CreationTime": "2026-11-21T00:00:00Z", "StackStatus": "CREATE_COMPLETE"}
    with Stubber(client) as stubber:
        stubber.add_response("describe_stacks", {"Stacks": [{**stack, "Outputs": outputs}]},
                             {"StackName": "ServingStack"})  # fmt: skip
        stubber.add_response("describe_stacks", {"Stacks": [{**stack, "Outputs": outputs[:2]}]},
                             {"StackName": "ServingStack"})  # fmt: skip
        assert function_names_from_stack(client, "ServingStack") == {
            "x86": "ServingStack-InferenceX86-a1", "arm": "ServingStack-InferenceArm-b2"}  # fmt: skip
        with pytest.raises(SystemExit, match="pass --x86 and --arm"):
            function_names_from_stack(client, "ServingStack")


def _invoke_answer(tail: str, body: dict[str, object], function_error: str | None = None) -> dict[str, object]:
    payload = json.dumps(body).encode()
    answer: dict[str, object] = {"StatusCode": 200, "LogResult": base64.b64encode(tail.encode()).decode(),
                                 "Payload": StreamingBody(io.BytesIO(payload), len(payload))}  # fmt: skip
    return {**answer, "FunctionError": function_error} if function_error else answer


def test_invocations_send_an_http_api_event_and_collect_reports() -> None:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    expected_payload = json.dumps(http_api_event(json.dumps({"instances": [HOUSING_EXAMPLE]}))).encode()
    ok = {"statusCode": 200, "body": json.dumps({"predictions": [452600.12]})}
    with Stubber(client) as stubber:
        stubber.add_response("get_function_configuration", {"Architectures": ["arm64"]}, {"FunctionName": "fn"})
        for tail in (COLD_TAIL, WARM_TAIL):
            stubber.add_response("invoke", _invoke_answer(tail, ok),
                                 {"FunctionName": "fn", "LogType": "Tail", "Payload": expected_payload})  # fmt: skip
        architecture, reports = invoke_many(client, "fn", 2, HOUSING_EXAMPLE)
        stubber.assert_no_pending_responses()
    assert architecture == "arm64"
    assert [r.init_ms for r in reports] == [651.17, None]


def test_the_example_row_comes_from_the_data_set_spec() -> None:
    assert example_row("california_housing") == HOUSING_EXAMPLE
    assert set(example_row("breast_cancer")) >= {"mean_radius", "worst_fractal_dimension"}


def test_a_function_error_stops_the_run() -> None:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        stubber.add_response("get_function_configuration", {"Architectures": ["x86_64"]}, {"FunctionName": "fn"})
        stubber.add_response("invoke", _invoke_answer(WARM_TAIL, {"errorMessage": "boom"}, "Unhandled"))
        with pytest.raises(RuntimeError, match="fn failed: Unhandled"):
            invoke_many(client, "fn", 1, HOUSING_EXAMPLE)
