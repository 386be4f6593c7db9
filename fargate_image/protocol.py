"""uvicorn's httptools protocol with a deadline for the request head.

uvicorn times out idle keep-alive connections but not a request whose head never finishes arriving (nor a
new connection that never sends a byte): a slow client could hold a connection, and with enough of them
every connection slot. This protocol closes a connection whose head is not complete within
``REQUEST_TIMEOUT_SECONDS`` of the connection opening or of the request's first byte. The body's deadline
is enforced by the app (``server.read_body`` answers 408). Selected in serve.py with ``http=``.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

REQUEST_TIMEOUT_SECONDS = float(os.environ.get("REQUEST_TIMEOUT_SECONDS", "15"))


class HeadDeadlineProtocol(HttpToolsProtocol):
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_head_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_head_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._head_timer = self.loop.call_later(REQUEST_TIMEOUT_SECONDS, self._head_too_slow)

    def _disarm_head_deadline(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self, *_: Any) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()
