"""SIGTERM under load: every request the server has started is answered 200, then the process exits 0.

ECS first deregisters the task from the ALB and waits for the deregistration delay (no new requests arrive),
then sends SIGTERM and waits ``stopTimeout``. The test does the same: 8 clients load the server, stop starting new
requests (deregistration), and SIGTERM arrives while 8 slow uploads are half sent; those must still be read,
predicted and answered before the process exits 0. (A request that reaches uvicorn in the same instant as SIGTERM,
before its head is parsed, is reset: the deregistration delay is what keeps that from happening in production.)
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections import Counter

import pytest

from tests.fuzz.raw_http import exchange
from tests.integration.conftest import RunningServer
from tests.support.requests import CSV_LINE

BODY = "\n".join([CSV_LINE] * 200).encode()


def slow_upload(port: int, outcomes: Counter[str], lock: threading.Lock, started: threading.Barrier) -> None:
    """Send the head and half the body, wait across the SIGTERM, send the rest, read the answer."""
    head = (f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Length: {len(BODY)}\r\n"
            "Connection: close\r\n\r\n").encode()  # fmt: skip
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(head + BODY[: len(BODY) // 2])
            started.wait()
            time.sleep(1.0)
            sock.sendall(BODY[len(BODY) // 2 :])
            answer = b"".join(iter(lambda: sock.recv(65536), b""))
        outcome = "ok" if answer.startswith(b"HTTP/1.1 200") and b'"count": 200' in answer else "failed"
    except OSError as exc:
        outcome = f"failed: {exc!r}"
    with lock:
        outcomes["slow " + outcome] += 1


def fast_requests(port: int, outcomes: Counter[str], lock: threading.Lock, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            status, _, _ = exchange(port, "POST", "/predict", {"Content-Type": "text/csv"}, CSV_LINE.encode())
            outcome = "ok" if status == 200 else f"failed: {status}"
        except OSError as exc:
            outcome = f"failed: {exc!r}"
        with lock:
            outcomes["fast " + outcome] += 1


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_during_load_drains_every_started_request(start_server, model_tarball, workers: str) -> None:
    server: RunningServer = start_server({"MODEL_URI": str(model_tarball), "WEB_CONCURRENCY": workers})
    outcomes: Counter[str] = Counter()
    lock, stop = threading.Lock(), threading.Event()
    started = threading.Barrier(8 + 1)
    slow = [threading.Thread(target=slow_upload, args=(server.port, outcomes, lock, started)) for _ in range(8)]
    fast = [threading.Thread(target=fast_requests, args=(server.port, outcomes, lock, stop)) for _ in range(8)]
    for thread in fast + slow:
        thread.start()
    started.wait(timeout=30)  # every slow upload is half sent: in flight
    time.sleep(0.3)
    stop.set()  # the ALB stops sending new requests...
    for thread in fast:
        thread.join(timeout=60)
    server.process.send_signal(signal.SIGTERM)  # ...then ECS sends SIGTERM, with the slow uploads in flight
    for thread in slow:
        thread.join(timeout=60)
    assert server.process.wait(timeout=30) == 0, server.logs()
    failures = {outcome: n for outcome, n in outcomes.items() if "failed" in outcome}
    assert not failures, (failures, outcomes)
    assert outcomes["slow ok"] == 8 and outcomes["fast ok"] > 0, outcomes
