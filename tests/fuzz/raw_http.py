"""A one-request HTTP/1.1 client over a raw socket that reads while it sends.

http.client writes the whole body before it reads; if a server answers early (413, 404) and closes, that looks
like a client error (broken pipe) even though the answer was sent. This client sends and receives at the same
time, keeps every byte it received, and parses the answer from them, as a proxy such as the ALB does.
"""

from __future__ import annotations

import http.client
import io
import select
import socket

CHUNK = 64 * 1024


class _Received:
    """What http.client.HTTPResponse needs from a socket: the bytes already received."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def makefile(self, mode: str) -> io.BytesIO:
        return io.BytesIO(self.data)


def exchange(
    port: int, method: str, target: str, headers: dict[str, str], body: bytes, timeout: float = 30
) -> tuple[int, dict[str, str], bytes]:
    """Send one request (``Connection: close``); return status, lower-cased headers and body."""
    fields = {"Host": f"127.0.0.1:{port}", "Content-Length": str(len(body)), "Connection": "close", **headers}
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        received = _converse(sock, head.encode("latin-1") + body, timeout)
    response = http.client.HTTPResponse(_Received(received), method=method)  # type: ignore[arg-type]
    response.begin()
    payload = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, payload


def _converse(sock: socket.socket, request: bytes, timeout: float) -> bytes:
    """Send ``request`` while reading; stop at the server's EOF. A reset after an answer keeps the answer."""
    received, view, sent = bytearray(), memoryview(request), 0
    while True:
        readable, writable, _ = select.select([sock], [sock] if sent < len(view) else [], [], timeout)
        if not readable and not writable:
            raise TimeoutError(f"no answer within {timeout} s")
        if readable:
            try:
                chunk = sock.recv(CHUNK)
            except ConnectionResetError:
                if received:
                    return bytes(received)
                raise
            if not chunk:
                return bytes(received)
            received += chunk
        if writable:
            try:
                sent += sock.send(view[sent : sent + CHUNK])
            except (BrokenPipeError, ConnectionResetError):
                sent = len(view)  # the server stopped reading: its answer (if any) decides
