"""The Fargate server (``python -m fargate_image.serve``, uvloop + httptools) on aarch64, with the image's own wheels.

The emulated server and the same server on the host serve the same model from the same copy of the image's files;
over loopback both must give the same answers, and SIGTERM must stop the emulated one with exit code 0.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.integration.conftest import RunningServer, launch_server
from tests.support.models import synthetic_rows

pytestmark = pytest.mark.slow  # the first run sets up the emulated root and downloads wheels

NAMED_BODY = json.loads((REPO_ROOT / "tests/events/http_api_v2_post_named.json").read_text())["body"]
CSV_BODY = "".join(",".join(repr(float(value)) for value in row) + "\n" for row in synthetic_rows(200, seed=3))
REQUESTS = {  # method, path, body, headers
    "ping": ("GET", "/ping", None, {}),
    "predict named json": ("POST", "/predict", NAMED_BODY, {"content-type": "application/json"}),
    "predict csv": ("POST", "/predict", CSV_BODY, {"content-type": "text/csv"}),
    "invocations csv": ("POST", "/invocations", CSV_BODY, {"content-type": "text/csv"}),
    "explain named json": ("POST", "/explain", NAMED_BODY, {"content-type": "application/json"}),  # TreeSHAP: slow
}


@pytest.fixture(scope="module")
def servers(emulated_python, fargate_app_root: Path, model_env: dict[str, str], tmp_path_factory):  # type: ignore[no-untyped-def]
    """The host's server and the emulated one, for the whole module (the last test stops the emulated one)."""
    env, log_dir = {**model_env, "OPENBLAS_NUM_THREADS": "1"}, tmp_path_factory.mktemp("servers")  # as the Dockerfile
    started = [launch_server(env, log_dir, cwd=fargate_app_root)]
    try:
        emulated_env = {**env, "PYTHONPATH": str(emulated_python.site_dirs["fargate_image"])}
        started.append(launch_server(emulated_env, log_dir, python=str(emulated_python.wrapper), cwd=fargate_app_root))
        yield started
    finally:
        for server in started:
            server.stop()


def upload_across_sigterm(server: RunningServer, body: bytes) -> bytes:
    """POST /predict with ``Expect: 100-continue``; once the server has taken the request (its 100 Continue),
    SIGTERM it, then send the body: a graceful stop still answers. Returns the raw final response."""
    head = (f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Length: {len(body)}\r\n"
            "Expect: 100-continue\r\nConnection: close\r\n\r\n").encode()  # fmt: skip
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        sock.sendall(head)
        interim = sock.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 Continue"), interim
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)  # let the signal land while the request is in flight
        sock.sendall(body)
        return b"".join(iter(lambda: sock.recv(65536), b""))


def test_the_emulated_server_runs_under_qemu(emulated_python, servers) -> None:  # type: ignore[no-untyped-def]
    assert Path(os.readlink(f"/proc/{servers[1].process.pid}/exe")) == emulated_python.qemu.resolve()


@pytest.mark.parametrize("name", REQUESTS)
def test_emulated_server_answers_like_the_host(servers, name: str) -> None:  # type: ignore[no-untyped-def]
    host, emulated = servers
    expected, reply = host.request(*REQUESTS[name]), emulated.request(*REQUESTS[name])
    assert reply.status == 200, reply.body
    assert (reply.headers["content-type"], reply.body) == (expected.headers["content-type"], expected.body)


def test_sigterm_drains_the_request_in_flight_and_exits_0(servers) -> None:  # type: ignore[no-untyped-def]
    """Last in the module: it stops the emulated server."""
    emulated = servers[1]
    answer = upload_across_sigterm(emulated, CSV_BODY.encode())
    assert answer.startswith(b"HTTP/1.1 200") and b'"count": 200' in answer, answer[:300]
    assert emulated.process.wait(timeout=60) == 0, emulated.logs()
