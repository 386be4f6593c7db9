"""Assertions on a running server that must refuse to predict: 503 JSON everywhere, the cause in its output."""

from __future__ import annotations

import json
import time

from tests.integration.conftest import RunningServer
from tests.support.requests import CSV_LINE, ROW

QUERY = "/predict?" + "&".join(f"{name}={value}" for name, value in ROW.items())


def assert_refuses_to_predict(server: RunningServer, cause: str) -> None:
    """/ping and every prediction route answer 503 model_unavailable naming the cause; the process stays up."""
    for method, path, body, content_type in (
        ("GET", "/ping", None, None),
        ("POST", "/predict", CSV_LINE, "text/csv"),
        ("POST", "/invocations", json.dumps({"instances": [ROW]}), "application/json"),
        ("GET", QUERY, None, None),
    ):
        reply = server.request(method, path, body, {"Content-Type": content_type} if content_type else {})
        assert reply.status == 503, (path, reply.status, reply.body)
        error = reply.json()["error"]
        assert error["code"] == "model_unavailable", error
        assert cause in error["message"], error
    assert server.process.poll() is None, "the server must stay up and keep answering 503"
    assert cause in server.logs(), "the load failure must be in the process output"


def assert_predicts(server: RunningServer) -> None:
    assert server.request("GET", "/ping").status == 200
    reply = server.request("POST", "/predict", CSV_LINE, {"Content-Type": "text/csv"})
    assert reply.status == 200, reply.body
    assert reply.json()["count"] == 1


def wait_until_ping_mentions(server: RunningServer, text: str, seconds: float = 15.0) -> None:
    """Failed loads are retried in the background: poll /ping (which triggers the retry) until it mentions
    ``text`` (an error cause, or "ok" once the model is in)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in server.request("GET", "/ping").body.decode():
            return
        time.sleep(0.05)
    raise AssertionError(f"/ping never mentioned {text!r} within {seconds} s")
