"""A real HTTP server on 127.0.0.1 (in a thread) that records every request and answers a canned response."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    method: str
    target: str
    """The request target as received: path and query string."""
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes


@dataclass
class RecordingServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    answer: tuple[int, bytes] = (200, b'{"predictions": [452600.0], "unit": "USD", "count": 1}')


@contextmanager
def recording_server() -> Iterator[RecordingServer]:
    state = RecordingServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _record_and_answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            state.requests.append(Recorded(self.command, self.path, headers, body))
            status, payload = state.answer
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _record_and_answer

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
