"""S3 endpoints that misbehave on purpose, on loopback: slow, unavailable, flaky, cut off, or enforcing IAM.

``FakeS3`` is a tiny HTTP server that answers every GET as S3 would for one object, except for the fault it
plays; it counts the requests it received so a test can see botocore's retries. ``moto_with_iam`` starts moto's
server with IAM enforcement on, so a key without s3:GetObject gets S3's real AccessDenied answer.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

from tests.conftest import free_port

SLOW_DOWN = b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"  # noqa: E501


class FakeS3(ThreadingHTTPServer):
    """``fault``: "slow" (sleeps ``delay`` before answering), "unavailable" (503 SlowDown), "flaky" (503 for the
    first ``failures`` requests, then the object), "cut" (announces the whole object, sends half, hangs up)."""

    daemon_threads = True

    def __init__(self, fault: str, body: bytes = b"", *, delay: float = 5.0, failures: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fault, self.body, self.delay, self.failures = fault, body, delay, failures
        self.requests = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self) -> int:
        with self.lock:
            self.requests += 1
            return self.requests


class _Handler(BaseHTTPRequestHandler):
    server: FakeS3

    def do_GET(self) -> None:
        number, fault = self.server.count(), self.server.fault
        if fault == "slow":
            time.sleep(self.server.delay)
        if fault == "unavailable" or (fault == "flaky" and number <= self.server.failures):
            self._answer(503, SLOW_DOWN, "application/xml")
            return
        if fault == "cut":
            self._head(200, len(self.server.body), "binary/octet-stream")
            self.wfile.write(self.server.body[: len(self.server.body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._answer(200, self.server.body, "binary/octet-stream")

    def _head(self, status: int, length: int, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("ETag", '"fake-etag"')
        self.end_headers()

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self._head(status, len(body), content_type)
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its read timeout): exactly what a slow endpoint causes

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def fake_s3(fault: str, body: bytes = b"", **options: float) -> Iterator[FakeS3]:
    server = FakeS3(fault, body, **options)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def moto_with_iam(bucket: str, key: str, body: bytes) -> Iterator[dict[str, str]]:
    """moto's server enforcing IAM after its setup calls; yields the environment of a user without s3:GetObject."""
    port = free_port()
    setup_calls = 5  # create_bucket, put_object, create_user, create_access_key, put_user_policy
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(setup_calls)}
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = _wait_for_port(port, process)
        admin = {"endpoint_url": endpoint, "region_name": "us-east-1", "aws_access_key_id": "admin",
                 "aws_secret_access_key": "admin"}  # fmt: skip
        s3, iam = boto3.client("s3", **admin), boto3.client("iam", **admin)
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        iam.create_user(UserName="model-reader")
        access = iam.create_access_key(UserName="model-reader")["AccessKey"]
        only_list = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                                                              "Resource": f"arn:aws:s3:::{bucket}"}]}  # fmt: skip
        iam.put_user_policy(UserName="model-reader", PolicyName="list-only", PolicyDocument=json.dumps(only_list))
        yield {"AWS_ENDPOINT_URL_S3": endpoint, "AWS_ACCESS_KEY_ID": access["AccessKeyId"],
               "AWS_SECRET_ACCESS_KEY": access["SecretAccessKey"], "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto server did not start")
