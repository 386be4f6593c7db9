"""Fuzz the real HTTP server over loopback: every answer is a 2xx or a 4xx JSON error, and the server survives."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.contract import CLIENT_ERRORS, assert_error_body, assert_prediction_body
from tests.fuzz.raw_http import exchange
from tests.fuzz.strategies import BODIES, CONTENT_TYPES, OVERSIZED, QUERIES
from tests.integration.conftest import RunningServer, launch_server

HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
PATHS = st.sampled_from(["/predict", "/invocations", "/ping", "/openapi.json", "/docs", "/", "/predict/", "//predict",
                         "/predict/../ping", "/%70redict", "/nope"]) | st.text(max_size=15).map(
    lambda text: "/" + urllib.parse.quote(text))  # fmt: skip
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"])


@pytest.fixture(scope="module")
def server(model_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = launch_server({"MODEL_URI": str(model_tarball)}, tmp_path_factory.mktemp("fuzz-server"))
    yield running
    assert running.stop() == 0, running.logs()


def assert_http_answer(method: str, path: str, status: int, headers: dict[str, str], body: bytes) -> None:
    if method == "HEAD":
        assert status == 200 or status in CLIENT_ERRORS, status  # HEAD is GET without a body
        return
    if status == 200 and path in ("/openapi.json", "/docs"):
        return
    assert headers.get("content-type") == "application/json", (status, headers, body[:200])
    document: Any = json.loads(body)
    if status != 200:
        assert_error_body(status, document)
        assert status != 405 or headers.get("allow"), headers
    elif "status" in document:
        assert document["status"] == "ok"
    else:
        assert_prediction_body(document)


@given(method=METHODS, path=PATHS, query=QUERIES, content_type=CONTENT_TYPES.filter(lambda t: t is None or
       (t.isprintable() and t.isascii())), body=BODIES | OVERSIZED, extra=st.dictionaries(
       st.sampled_from(["Accept", "Accept-Encoding", "X-Amzn-Trace-Id", "Origin"]), HEADER_TEXT))  # fmt: skip
def test_any_request_gets_a_2xx_or_a_4xx_json_error(
    server: RunningServer, method: str, path: str, query: dict[str, list[str]], content_type: str | None,
    body: str | bytes, extra: dict[str, str],
) -> None:  # fmt: skip
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    headers = {**extra, **({"Content-Type": content_type} if content_type is not None else {})}
    target = path + ("?" + urllib.parse.urlencode(query, doseq=True, errors="surrogatepass") if query else "")
    status, response_headers, payload = exchange(server.port, method, target, headers, raw)
    parsed_path = urllib.parse.urlsplit(target).path
    assert_http_answer(method, parsed_path, status, response_headers, payload)
