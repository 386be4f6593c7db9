"""uvicorn's httptools protocol with bounds on what a client can make the server read and hold.

- Head deadline (F7): a connection whose request head is not complete within ``REQUEST_TIMEOUT_SECONDS`` of the
  connection opening or of the request's first byte is closed (the body's deadline is ``server.read_body``'s 408).
- Head size (F8): the byte limits are the ALB's, so nothing the ALB forwards is refused. A request target over
  ``MAX_TARGET_BYTES`` gets 414 (the client's fix is a shorter URL: POST the rows instead of a long query); a head
  over ``MAX_HEAD_BYTES`` or with more than ``MAX_HEADER_FIELDS`` fields gets 431. The parser is never fed more than
  the limit of one head (plus at most one more head's worth when requests are pipelined) before the answer.
- Lingering close: an answer sent before its request's body has all arrived (a 413, or a 431 above) says
  ``connection: close``; the server then half-closes and reads and drops what the client still sends, at most
  ``LINGER_MAX_BYTES`` within ``LINGER_SECONDS``, before closing. Closing at once would make the kernel reset the
  connection under a client that writes its whole body before reading (urllib, requests), which then never reads
  the answer. The bounds stop a client that never stops from holding the connection.
Selected in serve.py with ``http=``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn._types import ASGI3Application, ASGIReceiveCallable, ASGISendCallable, ASGISendEvent, Scope
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle

from inference.errors import InferenceError
from inference.settings import Settings

REQUEST_TIMEOUT_SECONDS = float(Settings.from_environ().request_timeout_seconds)
MAX_HEAD_BYTES = 64 * 1024  # the ALB refuses request heads over 64 K
MAX_TARGET_BYTES = 16 * 1024  # the ALB refuses request lines over 16 K
MAX_HEADER_FIELDS = 100  # Apache's and Tomcat's default; a request through API Gateway and the ALB has about 20
LINGER_MAX_BYTES = 32 * 1024 * 1024  # 3 x API Gateway's 10 MB payload limit: any body a client could mean to send
LINGER_SECONDS = 5.0  # nginx's lingering_timeout; 32 MiB arrive within it at 54 Mbit/s


class HeadRefused(Exception):
    """A request head over a limit: 431 ``headers_too_large`` (field ``headers``) unless told otherwise."""

    def __init__(self, message: str, status: int = 431, code: str = "headers_too_large", field: str = "headers"):
        super().__init__(message)
        self.status, self.body = status, InferenceError(message, code=code, field=field).to_body()


class _LingerOnClose:
    """The transport as a request's cycle sees it: closing after an answer that came before the whole body
    means a lingering close."""

    def __init__(self, protocol: BoundedHttpToolsProtocol, cycle: RequestResponseCycle) -> None:
        self._protocol, self._cycle = protocol, cycle

    def write(self, data: bytes) -> None:
        self._protocol.transport.write(data)

    def is_closing(self) -> bool:
        return self._protocol.transport.is_closing()

    def close(self) -> None:
        cycle = self._cycle
        if cycle.response_complete and cycle.more_body and not cycle.disconnected:
            self._protocol.linger()
        else:
            self._protocol.transport.close()


def _closing_when_answered_early(cycle: RequestResponseCycle, app: ASGI3Application) -> ASGI3Application:
    """``app``, its answer saying ``connection: close`` when it starts before the request's body has all arrived."""

    async def app_closing(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        async def send_closing(message: ASGISendEvent) -> None:
            if message["type"] == "http.response.start" and cycle.more_body:
                cycle.keep_alive = False
            await send(message)

        await app(scope, receive, send_closing)

    return app_closing


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the head deadline, the head limits and the lingering close above."""

    _head_timer: asyncio.TimerHandle | None = None
    _linger_timer: asyncio.TimerHandle | None = None
    _linger_bytes_left = 0
    _in_head = True  # from the end of the previous message (or the connection's start) to the end of the head
    _head_bytes = 0
    _header_fields = 0
    _refusal: HeadRefused | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def data_received(self, data: bytes) -> None:
        while data and self._in_head and not self._parsing_stopped():
            room = MAX_HEAD_BYTES - self._head_bytes
            piece, data = data[:room], data[room:]
            self._head_bytes += len(piece)
            super().data_received(piece)
            if self._in_head and self._head_bytes >= MAX_HEAD_BYTES and not self._parsing_stopped():
                self._refuse(HeadRefused(f"the request head is larger than {MAX_HEAD_BYTES} bytes"))
        if self._linger_timer is not None:
            self._drop(len(data))
        elif data and not self.transport.is_closing():
            super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_fields = 0
        self._arm_head_deadline()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_TARGET_BYTES:
            message = f"the request target is longer than {MAX_TARGET_BYTES} bytes; send the rows in a POST body"
            self._refusal = HeadRefused(message, 414, "uri_too_long", "url")
            raise self._refusal

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_fields += 1
        if self._header_fields > MAX_HEADER_FIELDS:
            self._refusal = HeadRefused(f"the request has more than {MAX_HEADER_FIELDS} header fields")
            raise self._refusal
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm_head_deadline()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a parser error; a limit raised from a parser callback arrives here too."""
        if self._refusal is None:
            super().send_400_response(msg)
        else:
            self._refuse(self._refusal)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
        cycle.transport = _LingerOnClose(self, cycle)  # type: ignore[assignment]
        super()._start_asgi_task(cycle, _closing_when_answered_early(cycle, app))

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._linger_timer is not None:
            self._unset_keepalive_if_required()  # the linger's own bounds decide when the connection ends

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        super().connection_lost(exc)

    def linger(self) -> None:
        """Half-close after the answer, then drop what still arrives until the client closes or a bound is hit."""
        if self._linger_timer is not None or self.transport.is_closing():
            return
        self._disarm_head_deadline()
        self._linger_bytes_left = LINGER_MAX_BYTES
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, self.transport.abort)
        self.flow.resume_reading()
        if self.transport.can_write_eof():
            self.transport.write_eof()

    def _parsing_stopped(self) -> bool:
        return self._linger_timer is not None or self.transport.is_closing()

    def _drop(self, size: int) -> None:
        self._linger_bytes_left -= size
        if self._linger_bytes_left < 0:
            self.transport.abort()

    def _refuse(self, refusal: HeadRefused) -> None:
        self.logger.warning("Request head refused: %s", refusal)
        if self.cycle is not None and not self.cycle.response_complete:
            self.transport.abort()  # a pipelined head behind an unfinished answer: it cannot be answered in turn
            return
        body = json.dumps(refusal.body, separators=(",", ":")).encode()
        head = [STATUS_LINE[refusal.status], *(name + b": " + value + b"\r\n" for name, value in
                self.server_state.default_headers)]  # fmt: skip
        head.append(b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        self.transport.write(b"".join(head) + body)
        self.linger()

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
