"""Run the real HTTP server (``python -m fargate_image.serve``) as a subprocess and talk to it over loopback."""

from __future__ import annotations

import http.client
import importlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, free_port

STARTUP_SECONDS = 60


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        assert self.headers.get("content-type") == "application/json", self.headers
        return json.loads(self.body)


class RunningServer:
    """A server subprocess on 127.0.0.1:port, its output in a log file."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
        self.process, self.port, self.log_path = process, port, log_path

    def connection(self, timeout: float = 10) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(
        self, method: str, path: str, body: bytes | str | None = None, headers: Mapping[str, str] = {}
    ) -> Reply:
        connection = self.connection()
        try:
            connection.request(method, path, body=body, headers=dict(headers))
            response = connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then the exit code (killing the process if it does not stop in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def _wait_until_answering(server: RunningServer) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"server exited with {server.process.returncode}:\n{server.logs()}")
        try:
            server.request("GET", "/ping")
            return
        except OSError:
            time.sleep(0.1)
    server.stop()
    pytest.fail(f"server did not answer within {STARTUP_SECONDS} s:\n{server.logs()}")


def launch_server(
    env: Mapping[str, str], log_dir: Path, *, python: str = sys.executable, cwd: Path = REPO_ROOT
) -> RunningServer:
    """Start ``python -m fargate_image.serve`` from ``cwd`` (its own sys.path) and wait until it answers."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environ.update({"HOST": "127.0.0.1", "PORT": str(port), **env})
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        command = [python, "-m", "fargate_image.serve"]
        process = subprocess.Popen(command, cwd=cwd, env=environ, stdout=log, stderr=subprocess.STDOUT)
    server = RunningServer(process, port, log_path)
    _wait_until_answering(server)
    return server


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """A factory for servers that are stopped (SIGTERM, then kill) when the test ends."""
    started: list[RunningServer] = []

    def start(env: Mapping[str, str], **options: Any) -> RunningServer:
        started.append(launch_server(env, tmp_path, **options))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def http_server(model_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server with the fixture model, shared by the tests that do not stop it."""
    server = launch_server({"MODEL_URI": str(model_tarball)}, tmp_path_factory.mktemp("server"))
    yield server
    assert server.stop() == 0, server.logs()


@pytest.fixture(scope="session")
def lambda_adapter() -> Iterator[ModuleType]:
    """The Lambda handler module; the JSON logging it sets up at import is undone afterwards."""
    package_logger = logging.getLogger("inference")
    handlers, level, propagate = package_logger.handlers[:], package_logger.level, package_logger.propagate
    yield importlib.import_module("lambda_image.handler")
    package_logger.handlers[:] = handlers
    package_logger.setLevel(level)
    package_logger.propagate = propagate
