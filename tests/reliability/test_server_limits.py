"""Limits of the real HTTP server that a hostile client probes. (Body size: tests/integration/test_http_server.py.)

uvicorn itself has no read timeout for a request head or body (``timeout_keep_alive`` only applies between
requests), so a client that sends slowly would hold its connection forever (F7 in
docs/dev/reliability-findings.md). The server cuts such clients off after ``REQUEST_TIMEOUT_SECONDS``: the
head deadline in fargate_image/protocol.py closes the connection, the body deadline answers 408.
"""

from __future__ import annotations

import socket

from tests.integration.conftest import RunningServer

SLOW_CLIENT_ENV = {"KEEP_ALIVE_SECONDS": "2", "REQUEST_TIMEOUT_SECONDS": "2"}


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """True when the server gives up on the connection (EOF, reset or a 408 answer) within ``seconds``."""
    sock.settimeout(seconds)
    try:
        sock.recv(4096)
    except TimeoutError:
        return False
    except OSError:
        pass
    return True


def test_a_request_head_that_never_ends_is_cut_off(start_server, model_tarball) -> None:
    server: RunningServer = start_server({"MODEL_URI": str(model_tarball), **SLOW_CLIENT_ENV})
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\n")
        assert closed_within(sock, 6)


def test_a_body_that_never_ends_is_cut_off(start_server, model_tarball) -> None:
    server: RunningServer = start_server({"MODEL_URI": str(model_tarball), **SLOW_CLIENT_ENV})
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 99\r\n\r\n1,")
        sock.settimeout(6)
        answer = b""
        while chunk := sock.recv(4096):  # until the server closes the connection after its answer
            answer += chunk
    answer = answer.decode()
    assert answer.startswith("HTTP/1.1 408"), answer
    assert '"code": "request_timeout"' in answer and '"field": "body"' in answer
