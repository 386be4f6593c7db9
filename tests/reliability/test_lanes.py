"""Expensive requests cannot starve the server (issue 22): model work runs in bounded lanes off the event loop.

The real server (uvicorn with the image's protocol, in a thread) serves a Predictor whose explanations wait on
a barrier the test holds: while they wait, /ping, a prediction of many rows and a small one are still answered;
one explanation more than the lane holds is refused at once with 503 and Retry-After; once released, every
held explanation is answered and the lane takes work again. How fast /ping stays under real load is a
benchmark (``python -m bench.ping_under_load``), not a test.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from fargate_image.server import create_app
from inference import Predictor
from inference.errors import Overloaded
from inference.lanes import Lane
from inference.settings import LaneSize, Settings
from tests.conftest import free_port
from tests.support.datasets import HOUSING

ROW = HOUSING.example_values()
EXPLAIN = json.dumps({"instances": [ROW]})
MANY_ROWS = "\n".join(",".join(str(value) for value in ROW) for _ in range(1000))  # 1000 rows: the predict lane


class HeldPredictor(Predictor):
    """A real Predictor whose explanations wait until the test releases them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting = threading.Semaphore(0)
        self.release = threading.Event()

    def explain(self, body: bytes | str, content_type: str | None) -> dict[str, Any]:
        self.waiting.release()
        assert self.release.wait(60), "the test never released the explanations"
        return super().explain(body, content_type)


@pytest.fixture
def held(model_tarball: Path) -> Iterator[tuple[HeldPredictor, int, Any]]:
    """The server on a free port, explanations held, the explain lane 1 thread and 1 waiting place."""
    predictor = HeldPredictor(str(model_tarball))
    settings = Settings(explain_lane=LaneSize(threads=1, queue=1), request_timeout_seconds=30)
    port = free_port()
    app = create_app(predictor, settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                            http="fargate_image.protocol:BoundedHttpToolsProtocol", log_level="warning")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the server did not start"
    yield predictor, port, app
    predictor.release.set()
    server.should_exit = True
    thread.join(30)


def request(port: int, method: str, path: str, body: str | None = None, content_type: str = "application/json"):  # type: ignore[no-untyped-def]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body, {"content-type": content_type} if body is not None else {})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, json.loads(answer.read())
    finally:
        connection.close()


def test_ping_and_predictions_are_answered_while_explanations_are_held(held) -> None:  # type: ignore[no-untyped-def]
    predictor, port, app = held
    with ThreadPoolExecutor(2) as clients:
        explanations = [clients.submit(request, port, "POST", "/explain", EXPLAIN) for _ in range(2)]
        assert predictor.waiting.acquire(timeout=30)  # one explanation works (held), the other waits its turn
        wait_until_admitted(app.state.lanes["explain"], 2)
        assert request(port, "GET", "/ping")[0] == 200
        status, _, answer = request(port, "POST", "/predict", MANY_ROWS, "text/csv")  # in the predict lane
        assert (status, answer["count"]) == (200, 1000)
        assert request(port, "POST", "/predict", EXPLAIN)[0] == 200  # a few rows, at once on the event loop
        assert not any(explanation.done() for explanation in explanations)
        predictor.release.set()
        assert [explanation.result()[0] for explanation in explanations] == [200, 200]


def test_one_explanation_more_than_the_lane_holds_is_refused_at_once_with_retry_after(held) -> None:  # type: ignore[no-untyped-def]
    predictor, port, app = held
    with ThreadPoolExecutor(2) as clients:
        explanations = [clients.submit(request, port, "POST", "/explain", EXPLAIN) for _ in range(2)]
        assert predictor.waiting.acquire(timeout=30)
        wait_until_admitted(app.state.lanes["explain"], 2)
        status, headers, answer = request(port, "POST", "/explain", EXPLAIN)
        assert (status, answer["error"]["code"]) == (503, "overloaded")
        assert answer["error"]["message"].startswith("the server is busy with explanation requests (2 running or")
        assert int(headers["retry-after"]) >= 1
        predictor.release.set()
        assert [explanation.result()[0] for explanation in explanations] == [200, 200]
    assert request(port, "POST", "/explain", EXPLAIN)[0] == 200  # the places are given back


def wait_until_admitted(lane: Lane, count: int) -> None:
    deadline = time.monotonic() + 30
    while lane.admitted < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lane.admitted == count


def test_a_lane_admits_its_threads_and_queue_then_refuses_and_gives_places_back() -> None:
    lane = Lane("explanation", LaneSize(threads=1, queue=1))
    gate = threading.Event()
    first = lane.admit().run(gate.wait, body_bytes=100)
    second = lane.admit().run(lambda: "second", body_bytes=100)
    with pytest.raises(Overloaded) as refused:
        lane.admit()
    assert (refused.value.status, refused.value.headers) == (503, {"retry-after": "1"})  # nothing measured yet
    gate.set()
    assert (first.result(5), second.result(5)) == (True, "second")
    while lane.admitted:
        time.sleep(0.01)
    with lane.admit():  # a place taken and left unused (the body could not be read) is given back
        assert lane.admitted == 1
    assert lane.admitted == 0


def test_retry_after_grows_with_how_long_the_lanes_work_takes() -> None:
    lane = Lane("explanation", LaneSize(threads=1, queue=0))
    lane.admit().run(lambda: time.sleep(1.2), body_bytes=1).result(10)
    gate = threading.Event()
    held = lane.admit().run(gate.wait, body_bytes=1)
    with pytest.raises(Overloaded) as refused:
        lane.admit()
    gate.set()
    held.result(5)
    assert refused.value.retry_after >= 2  # about 1.2 s of work ahead, rounded up


def test_a_small_body_is_answered_at_once_without_a_thread() -> None:
    lane = Lane("prediction", LaneSize(threads=1, queue=0), inline_bytes=1024)
    caller = threading.get_ident()
    done = lane.admit().run(threading.get_ident, body_bytes=1024)
    assert done.done() and done.result() == caller and lane.admitted == 0
    assert lane.admit().run(threading.get_ident, body_bytes=1025).result(5) != caller
