"""Clients that write their whole body before reading still read the 413, and the drain after it is bounded.

The server answers a body over MAX_BODY_BYTES before reading it. If it closed the connection at once, the kernel
would reset it under a client still sending (urllib, requests, http.client), which then never reads the answer.
The server lingers instead (fargate_image/protocol.py): it reads and drops the rest, at most LINGER_MAX_BYTES within
LINGER_SECONDS, then closes.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from fargate_image.protocol import LINGER_MAX_BYTES, LINGER_SECONDS
from inference.protocols.limits import MAX_BODY_BYTES
from tests.integration.conftest import RunningServer, launch_server

TWELVE_MB = 12_000_000
CHUNK = b" " * 65536
BODY_TOO_LARGE = {"code": "body_too_large", "message": f"request body is larger than {MAX_BODY_BYTES} bytes",
                  "field": "body"}  # fmt: skip


@pytest.fixture(scope="module")
def server(model_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = launch_server({"MODEL_URI": str(model_tarball)}, tmp_path_factory.mktemp("linger-server"))
    yield running
    assert running.stop() == 0, running.logs()


def test_urllib_posting_12_mb_reads_the_413(server: RunningServer) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/predict", data=b" " * TWELVE_MB, headers={"Content-Type": "text/csv"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    assert refused.value.headers["content-type"] == "application/json"
    assert json.loads(refused.value.read())["error"] == BODY_TOO_LARGE


def test_http_client_sending_a_chunked_body_over_the_limit_reads_the_413(server: RunningServer) -> None:
    connection = server.connection(timeout=30)
    chunks = iter([CHUNK] * (TWELVE_MB // len(CHUNK)))
    connection.request("POST", "/predict", body=chunks, headers={"Content-Type": "text/csv"}, encode_chunked=True)
    response = connection.getresponse()
    assert (response.status, response.getheader("connection")) == (413, "close")
    assert json.loads(response.read())["error"] == BODY_TOO_LARGE
    connection.close()


class EndlessSender(threading.Thread):
    """Sends a request head, then body bytes (every ``pause`` seconds) until the server cuts the connection."""

    def __init__(self, port: int, head: bytes, pause: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.head, self.pause, self.sent, self.cut_at = head, pause, 0, 0.0

    def run(self) -> None:
        self.sock.sendall(self.head)
        piece = CHUNK if not self.head.endswith(b"chunked\r\n\r\n") else b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK)
        try:
            while True:
                self.sock.sendall(piece)
                self.sent += len(piece)
                time.sleep(self.pause)
        except OSError:  # reset or broken pipe: the server gave up on us
            self.cut_at = time.monotonic()

    def read_answer(self) -> tuple[int, dict[str, str], bytes]:
        response = http.client.HTTPResponse(self.sock)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def kernel_buffer_bytes() -> int:
    """The most a loopback connection's two socket buffers can hold (autotuned receive plus send buffer)."""
    receive = int(Path("/proc/sys/net/ipv4/tcp_rmem").read_text().split()[2])
    return receive + int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])


def head(framing: str) -> bytes:
    length = "Content-Length: 1000000000000" if framing == "content-length" else "Transfer-Encoding: chunked"
    return f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n{length}\r\n\r\n".encode()


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_client_that_never_stops_sending_is_cut_off_at_the_byte_bound(server: RunningServer, framing: str) -> None:
    sender = EndlessSender(server.port, head(framing))
    sender.start()
    status, headers, body = sender.read_answer()
    assert (status, headers["connection"], json.loads(body)["error"]) == (413, "close", BODY_TOO_LARGE)
    assert server.request("GET", "/openapi.json").status == 200, "the server must answer others while it drains"
    sender.join(timeout=LINGER_SECONDS + 30)
    assert not sender.is_alive(), "the server never cut off a client that keeps sending"
    assert LINGER_MAX_BYTES <= sender.sent <= LINGER_MAX_BYTES + MAX_BODY_BYTES + kernel_buffer_bytes(), sender.sent
    assert server.request("GET", "/openapi.json").status == 200
    sender.sock.close()


def test_a_client_that_keeps_trickling_is_cut_off_at_the_time_bound(server: RunningServer) -> None:
    sender = EndlessSender(server.port, head("content-length"), pause=0.05)  # 1.3 MB/s: the bytes bound is far
    sender.start()
    status, _, _ = sender.read_answer()
    answered_at = time.monotonic()
    assert status == 413
    sender.join(timeout=LINGER_SECONDS + 30)
    assert not sender.is_alive(), "the server never cut off a client that keeps trickling"
    assert LINGER_SECONDS / 2 <= sender.cut_at - answered_at <= LINGER_SECONDS + 5, sender.cut_at - answered_at
    assert sender.sent < LINGER_MAX_BYTES
    sender.sock.close()


def test_the_server_half_closes_after_an_early_answer(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head("content-length") + CHUNK * 4)
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert (response.status, json.loads(response.read())["error"]) == (413, BODY_TOO_LARGE)
        assert sock.recv(1) == b"", "after its answer the server half-closes: the client sees the end at once"
