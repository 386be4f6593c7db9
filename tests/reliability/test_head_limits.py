"""Request heads are bounded by the server itself (F8), over real sockets against the real server.

httptools has no limit of its own: a 2 MiB header line used to be accepted. The limits are the ALB's (a whole head
64 KiB, a request line 16 KiB) plus a count of header fields; fargate_image/protocol.py answers 431 (414 for the
request target) with a JSON error, then closes the connection.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from fargate_image.protocol import MAX_HEAD_BYTES, MAX_HEADER_FIELDS, MAX_TARGET_BYTES
from tests.integration.conftest import RunningServer, launch_server

HEADERS_TOO_LARGE = {"code": "headers_too_large", "field": "headers"}


@pytest.fixture(scope="module")
def server(model_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = launch_server({"MODEL_URI": str(model_tarball)}, tmp_path_factory.mktemp("head-server"))
    yield running
    assert running.stop() == 0, running.logs()


def request_head(size: int, target: str = "/openapi.json", fields: int = 1) -> bytes:
    """A GET head of exactly ``size`` bytes, padded by an ``X-Pad`` field, with ``fields`` header fields."""
    lines = [f"GET {target} HTTP/1.1", "Host: x", *(f"X-{n}: {n}" for n in range(fields - 2))]
    start = "\r\n".join(lines).encode() + b"\r\nX-Pad: "
    padding = size - len(start) - len(b"\r\n\r\n")
    assert padding >= 0, "the head is already longer than the size asked for"
    return start + b"p" * padding + b"\r\n\r\n"


def answer(sock: socket.socket) -> tuple[int, dict[str, str], dict[str, object]]:
    response = http.client.HTTPResponse(sock)
    response.begin()
    headers = {k.lower(): v for k, v in response.getheaders()}
    body = response.read()
    return response.status, headers, json.loads(body) if headers.get("content-type") == "application/json" else {}


def exchange(server: RunningServer, head: bytes) -> tuple[int, dict[str, str], dict[str, object]]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head)
        return answer(sock)


def assert_refused(status: int, headers: dict[str, str], document: dict[str, object], code: str, field: str) -> None:
    assert (status, headers["connection"], headers["content-type"]) == (
        431 if code == "headers_too_large" else 414, "close", "application/json"
    )  # fmt: skip
    error = document["error"]
    assert isinstance(error, dict) and (error["code"], error["field"]) == (code, field), error
    assert isinstance(error["message"], str) and error["message"]


def test_a_head_of_exactly_the_limit_is_served(server: RunningServer) -> None:
    status, _, _ = exchange(server, request_head(MAX_HEAD_BYTES))
    assert status == 200


def test_a_head_one_byte_over_the_limit_is_refused_with_431(server: RunningServer) -> None:
    status, headers, document = exchange(server, request_head(MAX_HEAD_BYTES + 1))
    assert_refused(status, headers, document, "headers_too_large", "headers")
    assert str(MAX_HEAD_BYTES) in str(document)


def test_the_refusal_comes_once_the_limit_is_reached_without_waiting_for_the_end_of_the_head(
    server: RunningServer,
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request_head(MAX_HEAD_BYTES + 1)[:MAX_HEAD_BYTES])  # a head that has not ended, and no more
        assert_refused(*answer(sock), "headers_too_large", "headers")
        assert sock.recv(1) == b"", "after the 431 the server closes its side"


def test_http_client_sending_a_2_mib_header_reads_the_431(server: RunningServer) -> None:
    connection = server.connection()
    connection.request("GET", "/openapi.json", headers={"X-Big": "a" * (2 << 20)})  # written whole before reading
    response = connection.getresponse()
    document = json.loads(response.read())
    assert_refused(response.status, {k.lower(): v for k, v in response.getheaders()}, document, "headers_too_large",
                   "headers")  # fmt: skip
    connection.close()


def test_too_many_header_fields_are_refused_with_431(server: RunningServer) -> None:
    assert exchange(server, request_head(4096, fields=MAX_HEADER_FIELDS))[0] == 200
    status, headers, document = exchange(server, request_head(4096, fields=MAX_HEADER_FIELDS + 1))
    assert_refused(status, headers, document, "headers_too_large", "headers")
    assert str(MAX_HEADER_FIELDS) in str(document)


def test_a_request_target_over_its_limit_is_refused_with_414(server: RunningServer) -> None:
    at_limit = "/openapi.json?q=" + "a" * (MAX_TARGET_BYTES - len("/openapi.json?q="))
    assert exchange(server, request_head(32 * 1024, target=at_limit))[0] == 200
    status, headers, document = exchange(server, request_head(32 * 1024, target=at_limit + "a"))
    assert_refused(status, headers, document, "uri_too_long", "url")


def test_each_request_of_a_kept_alive_connection_has_its_own_limit(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for _ in range(3):  # three heads near the limit on one connection: together far over it
            sock.sendall(request_head(MAX_HEAD_BYTES - 100))
            status, headers, _ = answer(sock)
            assert (status, headers.get("connection")) == (200, None)
        sock.sendall(request_head(MAX_HEAD_BYTES + 1))
        assert_refused(*answer(sock), "headers_too_large", "headers")


def test_a_head_that_never_ends_is_answered_then_cut_off_and_the_server_serves_others(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Endless: " + b"e" * 2 * MAX_HEAD_BYTES)
        assert_refused(*answer(sock), "headers_too_large", "headers")
        assert server.request("GET", "/openapi.json").status == 200, "the server must answer others meanwhile"
        sent, cut_off = 0, False
        try:
            while sent < 1 << 30:  # 1 GiB: far beyond every bound of the server
                sock.sendall(b"e" * 65536)
                sent += 65536
        except OSError:
            cut_off = True
        assert cut_off, "the server kept reading a head that never ends"
    assert server.request("GET", "/openapi.json").status == 200
