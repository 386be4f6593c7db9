"""Lanes: model work off the HTTP server's event loop, bounded per kind, refused at once when a lane is full.

A lane runs one kind of work (predictions, explanations) on threads of its own: at most ``threads`` at once
and ``queue`` more waiting. A request is admitted before its body is read; one more than a lane holds is
refused with ``Overloaded`` (503) and a ``Retry-After`` estimated from how long the lane's work has been
taking, so the caller learns at once instead of waiting in a line that only grows. The event loop only hands
work over and awaits it: ``/ping`` and other answers without model work never wait behind a model.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TypeVar

from inference.errors import Overloaded
from inference.settings import LaneSize, Settings

T = TypeVar("T")
PREDICT = "predict"
EXPLAIN = "explain"
"""The lanes a route may name (``inference.routes.Route.lane``)."""
_SMOOTHING = 0.2
"""Weight of the latest duration in the moving average that Retry-After is estimated from."""
INLINE_BYTES = 1024
"""A prediction whose body is at most this long (a few rows: well under a millisecond of trees) is answered on
the event loop: handing it to a thread and back cost more than the work (12 % of single-row throughput, measured
with every prediction handed over)."""


class Lane:
    def __init__(self, name: str, size: LaneSize, *, inline_bytes: int | None = None) -> None:
        self.name, self.size, self.inline_bytes = name, size, inline_bytes
        self._executor = ThreadPoolExecutor(max_workers=size.threads, thread_name_prefix=f"lane-{name}")
        self._lock = threading.Lock()
        self._admitted = 0
        self._seconds = 0.0  # the moving average of one piece of work's duration

    def inline(self, body_bytes: int) -> bool:
        """Whether work on a body this long is quicker done at once than handed to a thread."""
        return self.inline_bytes is not None and body_bytes <= self.inline_bytes

    @property
    def admitted(self) -> int:
        """Running and waiting now."""
        return self._admitted

    def admit(self) -> Admission:
        """A place in the lane, or ``Overloaded`` (503, Retry-After) when every place is taken."""
        with self._lock:
            if self._admitted >= self.size.threads + self.size.queue:
                wait = max(1, math.ceil(self._seconds * self._admitted / self.size.threads))
                raise Overloaded(f"the server is busy with {self.name} requests ({self._admitted} running or "
                                 f"waiting); retry in {wait} s", retry_after=wait)  # fmt: skip
            self._admitted += 1
        return Admission(self)

    def _run(self, work: Callable[[], T]) -> Future[T]:
        future = self._executor.submit(self._timed, work)
        future.add_done_callback(lambda _: self._release())
        return future

    def _timed(self, work: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return work()
        finally:
            seconds = time.perf_counter() - started
            with self._lock:
                self._seconds = seconds if not self._seconds else self._seconds + _SMOOTHING * (seconds - self._seconds)

    def _release(self) -> None:
        with self._lock:
            self._admitted -= 1


def lanes_for(settings: Settings) -> dict[str, Lane]:
    """One server worker's lanes, sized by ``settings`` (``PREDICT_THREADS``, ``EXPLAIN_QUEUE``...)."""
    return {PREDICT: Lane("prediction", settings.predict_lane, inline_bytes=INLINE_BYTES),
            EXPLAIN: Lane("explanation", settings.explain_lane)}  # fmt: skip


class Admission:
    """A place in a lane: ``run(work)`` once, or leave the ``with`` block without running to give it back."""

    def __init__(self, lane: Lane) -> None:
        self._lane: Lane | None = lane

    def run(self, work: Callable[[], T], *, body_bytes: int) -> Future[T]:
        """Start ``work`` on the lane's threads (or queue it), the place given back when it is done; or, for a
        body the lane does at once (``Lane.inline``), do it now and answer a future that is done already."""
        lane, self._lane = self._lane, None
        if lane is None:
            raise RuntimeError("an admission runs one piece of work")
        if not lane.inline(body_bytes):
            return lane._run(work)
        lane._release()
        done: Future[T] = Future()
        try:
            done.set_result(work())
        except Exception as error:
            done.set_exception(error)
        return done

    def __enter__(self) -> Admission:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._lane is not None:  # never ran: the body could not be read, or the request was refused
            self._lane._release()
            self._lane = None
