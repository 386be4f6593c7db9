"""The per-process recorder both adapters call once per answered request (``inference.metrics``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from inference.metrics.names import NO_VERSION
from inference.metrics.window import Window, process_document

MAX_PENDING = 1000
"""A recorder counts what it holds and writes it once this many requests wait, or its time is up."""


Pending = tuple[str, int, int, float, float, Sequence[Any] | None]
"""A request as recorded: route, status, rows, seconds in the operation and in all, predictions."""


class Recorder:
    """Requests as they are answered, one tuple each (the cheapest thing a request can do: the warm single-row
    answer takes tens of microseconds), counted into EMF documents only when ``flush_seconds`` have passed since
    the first of them or ``MAX_PENDING`` wait: a few lines a second at most, whatever the traffic.

    Not thread-safe: the server records under its own lock.
    """

    def __init__(self, backend: str, flush_seconds: float, version: Callable[[], str | None]) -> None:
        """``version`` answers the model version served, read when the requests are counted."""
        self.backend, self.flush_seconds, self.version = backend, flush_seconds, version
        self.pending: list[Pending] = []
        self._due = 0.0
        self._opened_ms = 0

    def record(self, request: Pending, now: float) -> bool:
        """Keep ``request`` (``now``: ``time.perf_counter()``); True when it is time to ``drain``."""
        pending = self.pending
        if not pending:
            self._due, self._opened_ms = now + self.flush_seconds, int(time.time() * 1000)
        pending.append(request)
        return now >= self._due or len(pending) >= MAX_PENDING

    def cold_start(self, load_seconds: float | None, init_seconds: float) -> dict[str, Any]:
        """The document of a process's start: its model loaded (or not) in ``load_seconds``."""
        load_ms = None if load_seconds is None else load_seconds * 1000
        return process_document(self.backend, int(time.time() * 1000), load_ms, init_seconds * 1000)

    def drain(self) -> list[dict[str, Any]]:
        """The EMF documents of every pending request (stamped with the time the first was recorded)."""
        pending, self.pending = self.pending, []
        window, version = Window(), self.version() or NO_VERSION
        for route, status, rows, model_seconds, total_seconds, predictions in pending:
            window.add(route, version, status, rows, model_seconds, total_seconds, predictions)
        return window.documents(self.backend, self._opened_ms) if pending else []
