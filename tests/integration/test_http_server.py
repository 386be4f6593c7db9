"""The real HTTP server, started as a subprocess, answering real HTTP requests over loopback."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import time

import boto3
import numpy as np
import pytest

from inference.protocols.limits import MAX_BODY_BYTES, MAX_ROWS
from tests.support.datasets import HOUSING

ROW = [8.3252, 41.0, 6.984127, 1.02381, 322.0, 2.555556, 37.88, -122.23]
NAMED = dict(zip(HOUSING.names, ROW, strict=True))
CSV = ",".join(map(str, ROW))
QUERY = "&".join(f"{name}={value}" for name, value in NAMED.items())
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def expected_usd(booster) -> float:  # type: ignore[no-untyped-def]
    import xgboost as xgb

    return float(booster.predict(xgb.DMatrix(np.array([ROW], dtype=np.float32)))[0]) * 100_000


def test_ping_reports_the_model_and_the_server_stays_quiet(http_server, model_tarball):
    reply = http_server.request("GET", "/ping")
    assert reply.status == 200
    assert reply.json()["status"] == "ok"
    assert reply.json()["features"] == list(HOUSING.names)
    assert "server" not in reply.headers
    assert '"logger": "uvicorn.access"' not in http_server.logs()


@pytest.mark.parametrize(
    ("method", "path", "body", "headers"),
    [
        ("POST", "/predict", json.dumps({"instances": [NAMED]}), JSON),
        ("POST", "/predict", json.dumps({"instances": [ROW]}), {}),
        ("POST", "/predict", CSV + "\n", {"content-type": "text/csv"}),
        ("POST", "/predict", json.dumps({"pred_x_csv": CSV}), JSON),
        ("GET", f"/predict?{QUERY}", None, {}),
    ],
    ids=["named", "ordered-no-content-type", "csv", "pred_x_csv", "query"],
)
def test_every_request_shape_predicts_what_xgboost_predicts(http_server, expected_usd, method, path, body, headers):
    reply = http_server.request(method, path, body, headers)
    assert reply.status == 200, reply.body
    assert reply.json()["predictions"] == [pytest.approx(expected_usd, rel=1e-5)]
    assert (reply.json()["unit"], reply.json()["count"]) == ("USD", 1)


def test_invocations_answers_the_model_output_as_sagemaker_does(http_server, expected_usd):
    reply = http_server.request("POST", "/invocations", CSV, {"content-type": "text/csv; charset=utf-8"})
    assert (reply.status, reply.headers["content-type"]) == (200, "text/csv; charset=utf-8")
    assert reply.body.endswith(b"\n") and float(reply.body) == pytest.approx(expected_usd / 100_000, rel=1e-5)


def named(**overrides: object) -> str:
    return json.dumps({"instances": [{**NAMED, **overrides}]})


CSV_TYPE = {"content-type": "text/csv"}
ERROR_CASES = {  # method, path, body, headers, status, error.code, error.field
    "out_of_range": ("POST", "/predict", named(Latitude=60), JSON, 400, "out_of_range", "Latitude"),
    "missing_feature": ("POST", "/predict", named(MedInc=None), JSON, 400, "missing_feature", "MedInc"),
    "csv_text": ("POST", "/predict", CSV.replace("41.0", "x"), CSV_TYPE, 400, "not_a_number", "HouseAge"),
    "malformed_json": ("POST", "/predict", '{"instances": [', JSON, 400, "malformed_json", "body"),
    "query_missing": ("GET", "/predict?MedInc=3", None, {}, 400, "missing_feature", "HouseAge"),
    "query_duplicate": ("GET", f"/predict?{QUERY}&AveRooms=5", None, {}, 400, "duplicate_feature", "AveRooms"),
    "too_many_rows": ("POST", "/predict", "\n".join([CSV] * (MAX_ROWS + 1)), CSV_TYPE, 413, "too_many_rows", "body"),
    "media_type": (
        "POST",
        "/predict",
        "<x/>",
        {"content-type": "text/xml"},
        415,
        "unsupported_media_type",
        "Content-Type",
    ),
    "not_found": ("GET", "/predictions", None, {}, 404, "not_found", None),
    "wrong_method": ("PUT", "/predict", "", {}, 405, "method_not_allowed", None),
}


@pytest.mark.parametrize("case", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_each_error_class_has_its_status_code_and_field(http_server, case):
    method, path, body, headers, status, code, field = case
    reply = http_server.request(method, path, body, headers)
    assert reply.status == status
    assert reply.json()["error"]["code"] == code
    assert reply.json()["error"].get("field") == field


@pytest.mark.parametrize(("path", "method", "allow"), [("/predict", "DELETE", "GET, POST"), ("/ping", "POST", "GET")])
def test_wrong_method_names_the_allowed_ones(http_server, path, method, allow):
    reply = http_server.request(method, path)
    assert (reply.status, reply.headers["allow"]) == (405, allow)


def assert_body_too_large(response: http.client.HTTPResponse) -> None:
    assert response.status == 413
    assert json.loads(response.read())["error"] == {
        "code": "body_too_large", "message": f"request body is larger than {MAX_BODY_BYTES} bytes", "field": "body"
    }  # fmt: skip


def test_oversized_body_is_refused_from_its_content_length_before_it_is_sent(http_server):
    connection = http_server.connection()
    connection.putrequest("POST", "/predict")
    connection.putheader("Content-Type", "text/csv")
    connection.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
    connection.endheaders()  # not one byte of the body follows
    assert_body_too_large(connection.getresponse())


def test_oversized_chunked_body_is_refused_once_the_limit_is_crossed(http_server):
    connection = http_server.connection()
    connection.putrequest("POST", "/predict")
    connection.putheader("Transfer-Encoding", "chunked")  # no Content-Length to trust
    connection.endheaders()
    chunk = b" " * 65536
    for _ in range(MAX_BODY_BYTES // len(chunk) + 1):
        connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    assert_body_too_large(connection.getresponse())  # the body was never terminated: the server did not wait


def test_oversized_body_sent_whole_is_refused(http_server):
    reply = http_server.request("POST", "/predict", " " * (MAX_BODY_BYTES + 1), CSV_TYPE)
    assert (reply.status, reply.json()["error"]["code"]) == (413, "body_too_large")


def test_missing_model_answers_503_on_ping_and_predict(start_server, tmp_path):
    server = start_server({"MODEL_URI": str(tmp_path / "absent" / "model.tar.gz")})
    for method, path, body in (("GET", "/ping", None), ("POST", "/predict", CSV), ("GET", f"/predict?{QUERY}", None)):
        reply = server.request(method, path, body, CSV_TYPE)
        assert (reply.status, reply.json()["error"]["code"]) == (503, "model_unavailable")
        assert "does not exist" in reply.json()["error"]["message"]


def test_model_is_loaded_from_s3(start_server, aws_env, model_tarball, expected_usd):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="http-server-models")
    s3.upload_file(str(model_tarball), "http-server-models", "xgboost/model.tar.gz")
    s3.upload_file(str(model_tarball.with_name("schema.json")), "http-server-models", "data/abc/schema.json")
    server = start_server({"MODEL_URI": "s3://http-server-models/xgboost/model.tar.gz",
                           "SCHEMA_URI": "s3://http-server-models/data/abc/schema.json"})  # fmt: skip
    assert server.request("GET", "/ping").json()["model_version"].startswith("xgboost/model.tar.gz@")
    reply = server.request("POST", "/predict", CSV, CSV_TYPE)
    assert reply.json()["predictions"] == [pytest.approx(expected_usd, rel=1e-5)]


def test_sigterm_finishes_the_request_in_flight_then_exits_0(start_server, model_tarball, expected_usd):
    server = start_server({"MODEL_URI": str(model_tarball)})
    body = CSV.encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        head = f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: {len(body)}\r\n"
        sock.sendall(head.encode() + b"Expect: 100-continue\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 100 ")  # the app is reading the body: the request is in flight
        server.process.send_signal(signal.SIGTERM)
        assert_refuses_new_connections(server.port)
        sock.sendall(body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 200
        assert json.loads(response.read())["predictions"] == [pytest.approx(expected_usd, rel=1e-5)]
    assert server.process.wait(timeout=30) == 0, server.logs()


def assert_refuses_new_connections(port: int, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return
        time.sleep(0.05)
    pytest.fail("the server still accepts connections after SIGTERM")


@pytest.mark.parametrize("path", ["/%0A", "/ping%0A", "/page.js%0A", "/predict%0a"])
def test_a_path_that_only_adds_a_newline_to_a_route_is_not_that_route(http_server, path: str) -> None:
    reply = http_server.request("GET", path)  # Starlette's "^/ping$" matches "/ping\n"; the server answers 404
    assert (reply.status, reply.json()["error"]["code"]) == (404, "not_found")


DEEP = "[" * 100_000 + "]" * 100_000
DIGITS = "1" * 5000
OUR_WORDS = {  # path, body, content type -> the message, in words about the request (issue 22)
    "nested too deeply": ("/predict", DEEP, "application/json",
                          "request body is not valid JSON: arrays or objects nest too deeply"),
    "an integer of 5000 digits": ("/predict", f'{{"instances": [[{DIGITS}, 1, 1, 1, 1, 1, 1, 1]]}}',
                                  "application/json",
                                  "request body is not valid JSON: a number has more than 4300 digits"),
    "a JSON line nested too deeply": ("/invocations", DEEP, "application/jsonlines",
                                      "line 0 is not valid JSON: arrays or objects nest too deeply"),
    "a JSON line with a long integer": ("/invocations", f"[{DIGITS}]", "application/jsonlines",
                                        "line 0 is not valid JSON: a number has more than 4300 digits"),
    "a syntax error": ("/predict", '{"instances": [[1, 2,]]}', "application/json",
                       "request body is not valid JSON: Expecting value at line 1, column 22"),
}  # fmt: skip
PYTHON_WORDS = ("recursion", "sys.", "set_int_max_str_digits", "Traceback", "Error:", "(char ")


@pytest.mark.parametrize("case", OUR_WORDS.values(), ids=OUR_WORDS.keys())
def test_a_refusal_says_what_is_wrong_with_the_request_never_what_python_said(http_server, case) -> None:
    path, body, content_type, message = case
    reply = http_server.request("POST", path, body, {"content-type": content_type})
    error = reply.json()["error"]
    assert (reply.status, error["code"], error["message"]) == (400, "malformed_json", message)
    assert not [word for word in PYTHON_WORDS if word in error["message"]]
