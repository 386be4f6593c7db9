"""Data capture through the Lambda adapter: SageMaker's record format on every route and body encoding, the
event id handed back, sampling, and answers that stay the same whatever happens to capture."""

from __future__ import annotations

import base64
import copy
import io
import json
import random
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from inference import Predictor
from inference.capture import EVENT_ID_HEADER, MAX_RECORD_BYTES, Capture
from inference.capture_sinks import BatchSink, StreamSink
from inference.settings import Settings
from tests.unit.test_lambda_handler import LambdaContext, load_event

CSV_ROW = "8.3252,41.0,6.984127,1.02381,322.0,2.555556,37.88,-122.23\n"
NAMED = {"MedInc": 8.3252, "HouseAge": 41, "AveRooms": 6.984, "AveBedrms": 1.024, "Population": 322,
         "AveOccup": 2.556, "Latitude": 37.88, "Longitude": -122.23}  # fmt: skip
# The record SageMaker's Data Capture writes (its documentation's example), for the shape every record must have.
SAGEMAKER_RECORD = {"captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                                                      "data": "69,0,153.7", "encoding": "CSV"},
                                    "endpointOutput": {"observedContentType": "text/csv; charset=utf-8",
                                                       "mode": "OUTPUT", "data": "0.0254", "encoding": "CSV"}},
                    "eventMetadata": {"eventId": "aaaa", "inferenceTime": "2022-02-14T17:25:49Z"},
                    "eventVersion": "0"}  # fmt: skip
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture(scope="module")
def predictor(model_tarball: Path) -> Predictor:
    return Predictor.from_env({"MODEL_URI": str(model_tarball), "MODEL_VERSION": "job-7"})


def http_event(method: str, path: str, body: str | bytes = "", *, content_type: str | None = None,
               query: str = "", base64_body: bool = False, accept: str | None = None) -> dict[str, Any]:  # fmt: skip
    event = copy.deepcopy(load_event("http_api_v2_post_named.json"))
    event["requestContext"]["http"].update(method=method, path=path)
    event.update(rawPath=path, rawQueryString=query, isBase64Encoded=base64_body)
    raw = body.encode() if isinstance(body, str) else body
    event["body"] = base64.b64encode(raw).decode() if base64_body else raw.decode()
    headers = {"content-type": content_type} if content_type else {}
    event["headers"] = headers | ({"accept": accept} if accept else {})
    return event


def captured(adapter: ModuleType, predictor: Predictor, event: dict[str, Any],
             **options: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:  # fmt: skip
    stream = io.StringIO()
    capture = Capture(StreamSink(stream, "lambda-arm64"), backend="lambda-arm64", **options)
    response = adapter.handle(event, LambdaContext(), predictor, capture)
    return response, [json.loads(line) for line in stream.getvalue().splitlines()]


def shape(value: Any) -> Any:
    """The keys of a record, recursively (values reduced to their type)."""
    return {key: shape(item) for key, item in value.items()} if isinstance(value, dict) else type(value).__name__


CASES = [
    ("POST", "/lambda/arm64/predict", json.dumps({"instances": [NAMED]}), "application/json", "", False,
     "application/json", "JSON", "application/json", "JSON"),
    ("POST", "/predict", CSV_ROW, "text/csv", "", True, "text/csv", "CSV", "application/json", "JSON"),
    ("POST", "/predict", json.dumps({"instances": [NAMED]}), None, "", False, "application/json", "JSON",
     "application/json", "JSON"),
    ("GET", "/predict", "", None, "MedInc=8.3&HouseAge=41&AveRooms=6.9&AveBedrms=1&Population=322&AveOccup=2.5"
     "&Latitude=37.88&Longitude=-122.23", False, "application/x-www-form-urlencoded", "BASE64", "application/json",
     "JSON"),
    ("POST", "/explain", CSV_ROW, "text/csv", "", False, "text/csv", "CSV", "application/json", "JSON"),
    ("POST", "/invocations", CSV_ROW, "text/csv", "", False, "text/csv", "CSV", "text/csv; charset=utf-8", "CSV"),
    ("POST", "/invocations", CSV_ROW, None, "", False, "text/csv", "CSV", "text/csv; charset=utf-8", "CSV"),
    ("POST", "/invocations", "0:8.3 1:41 2:6.9 3:1 4:322 5:2.5 6:37.88 7:-122.23\n", "text/libsvm", "", True,
     "text/libsvm", "BASE64", "text/csv; charset=utf-8", "CSV"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "content_type", "query", "as_base64", "input_type",
                          "input_encoding", "output_type", "output_encoding"), CASES)  # fmt: skip
def test_every_route_is_captured_in_sagemakers_format(
    adapter: ModuleType, predictor: Predictor, method: str, path: str, body: str, content_type: str | None,
    query: str, as_base64: bool, input_type: str, input_encoding: str, output_type: str, output_encoding: str,
) -> None:  # fmt: skip
    event = http_event(method, path, body, content_type=content_type, query=query, base64_body=as_base64)
    response, records = captured(adapter, predictor, event)
    assert response["statusCode"] == 200 and len(records) == 1
    record = records[0]
    extra = {"modelVersion": "str", "backend": "str", "route": "str", "status": "int"}
    expected_shape = shape(SAGEMAKER_RECORD)
    expected_shape["eventMetadata"] |= extra
    assert shape(record) == expected_shape
    sent, answered = record["captureData"]["endpointInput"], record["captureData"]["endpointOutput"]
    assert (sent["mode"], sent["observedContentType"], sent["encoding"]) == ("INPUT", input_type, input_encoding)
    assert (answered["mode"], answered["observedContentType"], answered["encoding"]) == (
        "OUTPUT", output_type, output_encoding)  # fmt: skip
    original = query if method == "GET" else body
    data = base64.b64decode(sent["data"]).decode() if input_encoding == "BASE64" else sent["data"]
    assert data == original  # what the client sent, byte for byte (a base64 event body decoded first)
    assert answered["data"] == response["body"]
    metadata = record["eventMetadata"]
    assert metadata["eventId"] == LambdaContext.aws_request_id == response["headers"][EVENT_ID_HEADER]
    assert ISO_UTC.fullmatch(metadata["inferenceTime"])
    route = "/" + path.rsplit("/", 1)[1]
    assert (metadata["modelVersion"], metadata["backend"], metadata["route"], metadata["status"]) == (
        "job-7", "lambda-arm64", route, 200)  # fmt: skip
    assert record["eventVersion"] == "0"


def test_a_refused_request_is_captured_with_its_status_and_error(adapter: ModuleType, predictor: Predictor) -> None:
    body = json.dumps({"instances": [NAMED | {"Latitude": 0.5}]})
    response, records = captured(
        adapter, predictor, http_event("POST", "/predict", body, content_type="application/json")
    )
    assert response["statusCode"] == 400
    (record,) = records
    assert record["eventMetadata"]["status"] == 400
    assert json.loads(record["captureData"]["endpointOutput"]["data"])["error"]["field"] == "Latitude"


def test_unmatched_paths_and_health_checks_are_not_captured(adapter: ModuleType, predictor: Predictor) -> None:
    for event in (http_event("GET", "/ping"), http_event("GET", "/nowhere"), load_event("direct_named.json")):
        response, records = captured(adapter, predictor, event)
        assert records == [] and EVENT_ID_HEADER not in response.get("headers", {})


def test_a_body_that_is_not_utf8_is_stored_as_base64(adapter: ModuleType, predictor: Predictor) -> None:
    raw = b"\xff\xfe8.3,41\n"
    response, (record,) = captured(adapter, predictor, http_event("POST", "/predict", raw, content_type="text/csv",
                                                                   base64_body=True))  # fmt: skip
    assert response["statusCode"] == 400
    sent = record["captureData"]["endpointInput"]
    assert (sent["encoding"], base64.b64decode(sent["data"])) == ("BASE64", raw)


def test_sampling_captures_exactly_the_drawn_share(adapter: ModuleType, predictor: Predictor) -> None:
    event = http_event("POST", "/predict", CSV_ROW, content_type="text/csv")
    stream = io.StringIO()
    capture = Capture(StreamSink(stream, "x"), backend="x", percent=30.0, sample=random.Random(7).random)
    reference = random.Random(7)
    expected = [reference.random() < 0.3 for _ in range(400)]
    headers = [EVENT_ID_HEADER in adapter.handle(event, LambdaContext(), predictor, capture)["headers"]
               for _ in range(400)]  # fmt: skip
    assert headers == expected
    assert len(stream.getvalue().splitlines()) == sum(expected)
    assert 80 < sum(expected) < 160  # about 30 % of 400


def test_capture_is_off_without_a_destination_or_at_zero_percent() -> None:
    assert Capture.from_settings(Settings.from_environ({}), "lambda") is None
    assert Capture.from_settings(Settings.from_environ({"CAPTURE_DESTINATION": "stdout", "CAPTURE_PERCENT": "0"}),
                                 "lambda") is None  # fmt: skip
    capture = Capture.from_settings(Settings.from_environ({"CAPTURE_DESTINATION": "stdout"}), "lambda")
    assert capture is not None and (capture.backend, capture.percent) == ("lambda", 100.0)


class BrokenSink(StreamSink):
    def write(self, line: str, hour: str) -> bool:
        raise OSError("the log pipe is gone")


def test_a_failing_capture_changes_nothing_in_the_answer(adapter: ModuleType, predictor: Predictor) -> None:
    event = http_event("POST", "/predict", CSV_ROW, content_type="text/csv")
    plain = adapter.handle(event, LambdaContext(), predictor)
    drops = io.StringIO()
    capture = Capture(BrokenSink(drops, "lambda-x86"), backend="lambda-x86")
    assert adapter.handle(event, LambdaContext(), predictor, capture) == plain
    assert capture.dropped == 1
    (metric,) = [json.loads(line) for line in drops.getvalue().splitlines()]
    assert (metric["CaptureDropped"], metric["Backend"], metric["reason"]) == (1, "lambda-x86", "error")
    assert metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "XgboostServerless/Monitoring"


def test_a_record_too_large_for_a_log_event_is_dropped_and_counted(adapter: ModuleType, predictor: Predictor) -> None:
    event = http_event("POST", "/explain", CSV_ROW * 999, content_type="text/csv")  # within the request limits
    plain = adapter.handle(event, LambdaContext(), predictor)
    assert len(plain["body"]) > MAX_RECORD_BYTES  # 999 explanations: more than one log event holds
    response, records = captured(adapter, predictor, event)
    assert response == plain  # answered as always, without an event id
    assert [record["reason"] for record in records] == ["too_large"]


def test_a_full_batch_drops_records_and_counts_them_at_the_next_flush(tmp_path: Path) -> None:
    metrics = io.StringIO()
    sink = BatchSink(str(tmp_path), "fargate", flush_seconds=3600, max_bytes=100, metrics=metrics)
    assert sink.write("x" * 60, "2026/01/02/03") is True
    assert sink.write("y" * 60, "2026/01/02/03") is False  # over max_bytes: refused, memory stays bounded
    sink.drop("full")
    sink.flush()
    (written,) = list((tmp_path / "fargate/2026/01/02/03").glob("*.jsonl"))
    assert written.read_text() == "x" * 60 + "\n"
    (metric,) = [json.loads(line) for line in metrics.getvalue().splitlines()]
    assert (metric["CaptureDropped"], metric["reason"]) == (1, "full")
    sink.close()
