"""The Lambda adapter on sample API Gateway events (HTTP API 2.0, REST 1.0) and direct invocations."""

from __future__ import annotations

import copy
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from inference import Predictor
from inference.logs import JsonLogFormatter
from inference.protocols.limits import MAX_BODY_BYTES, MAX_ROWS
from tests.support.datasets import HOUSING

EVENTS = Path(__file__).resolve().parent.parent / "events"
ROW = [8.3252, 41.0, 6.984127, 1.02381, 322.0, 2.555556, 37.88, -122.23]


@dataclass
class LambdaContext:
    function_name: str = "InferenceFunction"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:InferenceFunction"


@pytest.fixture(scope="module")
def predictor(model_tarball: Path) -> Predictor:
    return Predictor.from_env({"MODEL_URI": str(model_tarball)})


@pytest.fixture(scope="module")
def expected_usd(booster) -> float:  # type: ignore[no-untyped-def]
    import xgboost as xgb

    return float(booster.predict(xgb.DMatrix(np.array([ROW], dtype=np.float32)))[0]) * 100_000


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def invoke(adapter: ModuleType, event: Any, predictor: Predictor) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = adapter.handle(event, LambdaContext(), predictor)
    assert response["headers"]["content-type"] == "application/json"
    return response["statusCode"], json.loads(response["body"]), response["headers"]


@pytest.mark.parametrize(
    "event_file",
    ["http_api_v2_post_named.json", "http_api_v2_post_csv_base64.json", "http_api_v2_get_query.json",
     "rest_v1_post_ordered.json", "rest_v1_get_query.json"],
)  # fmt: skip
def test_every_event_shape_predicts_what_xgboost_predicts(adapter, predictor, expected_usd, event_file):
    status, body, _ = invoke(adapter, load_event(event_file), predictor)
    assert status == 200
    assert body["predictions"] == [pytest.approx(expected_usd, rel=1e-5)]
    assert body["unit"] == "USD"
    assert body["count"] == 1
    assert body["model_version"] == predictor.model_version


@pytest.mark.parametrize("event_file", ["direct_named.json", "direct_pred_x_csv.json"])
def test_direct_invocation_returns_the_body_itself(adapter, predictor, expected_usd, event_file):
    body = adapter.handle(load_event(event_file), LambdaContext(), predictor)
    assert body["predictions"] == [pytest.approx(expected_usd, rel=1e-5)]


def test_direct_invocation_error_is_the_error_body(adapter, predictor):
    body = adapter.handle({"instances": []}, LambdaContext(), predictor)
    assert body["error"]["code"] == "empty_batch"
    assert body["error"]["field"] == "instances"


def test_headers_are_case_insensitive(adapter, predictor, expected_usd):
    event = load_event("rest_v1_post_ordered.json")
    event["headers"] = {"CONTENT-TYPE": "text/csv; charset=utf-8"}
    event["body"] = ",".join(map(str, ROW))
    status, body, _ = invoke(adapter, event, predictor)
    assert (status, body["predictions"]) == (200, [pytest.approx(expected_usd, rel=1e-5)])


def test_ping_reports_the_loaded_model(adapter, predictor):
    status, body, _ = invoke(adapter, load_event("http_api_v2_ping.json"), predictor)
    assert status == 200
    assert body["status"] == "ok"
    assert body["model_version"] == predictor.model_version
    assert body["features"] == list(HOUSING.names)


def with_request(name: str, *, method: str | None = None, path: str | None = None, **changes: Any) -> dict[str, Any]:
    """A copy of a sample event with another method, path, query string, body or headers."""
    event = copy.deepcopy(load_event(name))
    if method:
        event["requestContext"]["http"]["method"] = method
    if path:
        event["rawPath"] = path
    event.update(changes)
    return event


def named_body(**overrides: Any) -> str:
    return json.dumps({"instances": [{**dict(zip(HOUSING.names, ROW, strict=True)), **overrides}]})


POST, GET = "http_api_v2_post_named.json", "http_api_v2_get_query.json"
QUERY = load_event(GET)["rawQueryString"]


def post(body: str, **changes: Any) -> dict[str, Any]:
    return with_request(POST, body=body, **changes)


def get(query: str) -> dict[str, Any]:
    return with_request(GET, rawQueryString=query)


ERROR_CASES = {  # event, status, error.code, error.field
    "out_of_range": (post(named_body(MedInc=500)), 400, "out_of_range", "MedInc"),
    "not_a_number": (post(named_body(HouseAge="old")), 400, "not_a_number", "HouseAge"),
    "missing_feature": (post(json.dumps({"instances": [{"MedInc": 3}]})), 400, "missing_feature", "HouseAge"),
    "malformed_json": (post("{not json"), 400, "malformed_json", "body"),
    "bad_base64": (post("%%%", isBase64Encoded=True), 400, "malformed_body", "body"),
    "query_text": (get(QUERY.replace("8.3252", "abc")), 400, "not_a_number", "MedInc"),
    "query_duplicate": (get(QUERY + "&MedInc=2"), 400, "duplicate_feature", "MedInc"),
    "too_many_rows": (post(json.dumps({"instances": [ROW] * (MAX_ROWS + 1)})), 413, "too_many_rows", "instances"),
    "body_too_large": (post(" " * (MAX_BODY_BYTES + 1)), 413, "body_too_large", "body"),
    "media_type": (post("{}", headers={"content-type": "text/plain"}), 415, "unsupported_media_type", "Content-Type"),
    "not_found": (with_request(POST, path="/lambda/x86/predictions"), 404, "not_found", None),
    "wrong_method": (with_request(POST, method="DELETE"), 405, "method_not_allowed", None),
}


@pytest.mark.parametrize("case", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_each_error_class_has_its_status_code_and_field(adapter, predictor, case):
    event, status, code, field = case
    got_status, body, _ = invoke(adapter, event, predictor)
    assert got_status == status
    assert body["error"].get("field") == field
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_rest_v1_duplicate_query_parameter_is_refused(adapter, predictor):
    event = load_event("rest_v1_get_query.json")
    event["multiValueQueryStringParameters"]["Latitude"] = ["37.88", "38.0"]
    status, body, _ = invoke(adapter, event, predictor)
    assert (status, body["error"]["code"], body["error"]["field"]) == (400, "duplicate_feature", "Latitude")


@pytest.mark.parametrize(("path", "method", "allow"), [("/predict", "PUT", "GET, POST"), ("/ping", "POST", "GET")])
def test_wrong_method_names_the_allowed_ones(adapter, predictor, path, method, allow):
    status, _, headers = invoke(adapter, with_request(POST, method=method, path=path), predictor)
    assert (status, headers["allow"]) == (405, allow)


def test_missing_model_answers_503_on_predict_and_ping(adapter, tmp_path):
    missing = Predictor.from_env({"MODEL_URI": str(tmp_path / "model.tar.gz")})
    for event_file in ("http_api_v2_post_named.json", "http_api_v2_get_query.json", "http_api_v2_ping.json"):
        status, body, _ = invoke(adapter, load_event(event_file), missing)
        assert (status, body["error"]["code"]) == (503, "model_unavailable")
    assert adapter.handle(load_event("direct_named.json"), None, missing)["error"]["code"] == "model_unavailable"


class FailingPredictor(Predictor):
    def predict(self, body: bytes | str, content_type: str | None) -> dict[str, Any]:
        raise RuntimeError("secret internals at /var/task")


@pytest.fixture
def json_log(adapter) -> Iterator[io.StringIO]:
    """What the adapter's logger writes, through its own JSON formatter."""
    log = io.StringIO()
    capture = logging.StreamHandler(log)
    capture.setFormatter(JsonLogFormatter())
    adapter.LOGGER.addHandler(capture)
    yield log
    adapter.LOGGER.removeHandler(capture)


def test_unexpected_error_is_a_500_without_internals_and_logged_with_traceback(adapter, model_tarball, json_log):
    status, body, _ = invoke(adapter, load_event(POST), FailingPredictor(str(model_tarball)))
    assert (status, body) == (500, {"error": {"code": "internal_error", "message": "internal error"}})
    first = json.loads(json_log.getvalue().splitlines()[0])
    assert "RuntimeError: secret internals" in first["exception"]


def test_request_log_is_one_json_line_with_ids_and_timing_but_no_values(adapter, predictor, json_log):
    invoke(adapter, load_event("http_api_v2_post_csv_base64.json"), predictor)
    (line,) = json_log.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["request_id"] == LambdaContext.aws_request_id
    assert (entry["route"], entry["status"], entry["rows"]) == ("/predict", 200, 1)
    assert entry["latency_ms"] > 0
    assert not any(value in line for value in ("8.3252", "6.984127", "-122.23"))


def test_request_line_written_straight_to_the_configured_stream_has_every_field(adapter, predictor, monkeypatch):
    package_logger = logging.getLogger("inference")
    (configured,) = [h for h in package_logger.handlers if isinstance(h.formatter, JsonLogFormatter)]
    monkeypatch.setattr(package_logger, "handlers", [configured])  # without pytest's capturing handler
    stream = io.StringIO()
    monkeypatch.setattr(configured, "stream", stream)
    made = []
    monkeypatch.setattr(logging.Logger, "makeRecord", lambda *args, **kwargs: made.append(args))
    invoke(adapter, post(named_body(MedInc=500)), predictor)
    invoke(adapter, load_event(POST), predictor)
    refused, answered = (json.loads(line) for line in stream.getvalue().splitlines())
    assert made == []  # straight to the stream, no LogRecord
    assert list(answered) == ["time", "level", "logger", "message", "request_id", "route", "status", "rows",
                              "latency_ms", "error_code", "error_field"]  # fmt: skip
    assert {k: answered[k] for k in ("level", "logger", "message", "route", "status", "rows")} == {
        "level": "INFO", "logger": "inference.lambda_handler", "message": "request", "route": "/predict",
        "status": 200, "rows": 1}  # fmt: skip
    assert (refused["status"], refused["error_code"], refused["error_field"]) == (400, "out_of_range", "MedInc")
