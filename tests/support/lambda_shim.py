"""The Lambda handler behind a real HTTP server on 127.0.0.1 (in a thread), as API Gateway's HTTP API puts it:
each request becomes a payload 2.0 event (the body base64-encoded), the proxy answer becomes the response.

Clients this project did not write (boto3, tritonclient) then talk to the Lambda adapter over loopback, under a
route prefix (``/lambda/x86``) as on the deployed API.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from inference import Predictor


class _Context:
    aws_request_id = "shim-request"
    function_name = "InferenceFunction"


def event_of(method: str, target: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    parts = urlsplit(target)
    return {"version": "2.0", "routeKey": "$default", "rawPath": parts.path, "rawQueryString": parts.query,
            "headers": headers, "isBase64Encoded": True, "body": base64.b64encode(body).decode("ascii"),
            "requestContext": {"http": {"method": method, "path": parts.path, "sourceIp": "127.0.0.1"},
                               "requestId": "shim", "stage": "$default"}}  # fmt: skip


@contextmanager
def lambda_over_http(adapter: ModuleType, predictor: Predictor) -> Iterator[str]:
    """The URL (``http://127.0.0.1:<port>``) of the Lambda ``adapter`` answering with ``predictor``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            answer = adapter.handle(event_of(self.command, self.path, headers, body), _Context(), predictor)
            payload = answer["body"].encode("utf-8")
            self.send_response(answer["statusCode"])
            for name, value in answer["headers"].items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
