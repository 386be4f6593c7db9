"""scripts/soak.py: its wrk parsing and RSS sampling, and a short real run against the server."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT, free_port

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:18080
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.90ms    4.46ms  39.47ms   72.10%
  Latency Distribution
     50%    8.24ms
     75%   11.37ms
     90%  950.00us
     99%    1.20s
  9733 requests in 5.01s, 2.98MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 12
Requests/sec:   1942.18
Transfer/sec:    609.26KB
"""


@pytest.fixture(scope="module")
def soak() -> ModuleType:
    return importlib.import_module("scripts.soak")


def test_wrk_output_is_parsed_with_units_errors_and_non_2xx(soak: ModuleType) -> None:
    figures = soak.parse_wrk(WRK_OUTPUT)
    assert figures == {"requests": 9733, "requests_per_s": 1942.18, "socket_errors": 3, "non_2xx": 12,
                       "p50_ms": 8.24, "p90_ms": 0.95, "p99_ms": 1200.0}  # fmt: skip


def test_resident_memory_covers_the_process_and_its_children(soak: ModuleType) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(64 * 2**20); time.sleep(30)"])
    try:
        own = soak.resident_kib(os.getpid())
        for _ in range(100):
            if soak.resident_kib(os.getpid()) - own > 60 * 1024:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert child.pid in soak.process_tree(os.getpid())
        assert soak.resident_kib(os.getpid()) - own > 60 * 1024, "the child's 64 MiB must be counted"
    finally:
        child.kill()
        child.wait()


@pytest.mark.skipif(
    shutil.which("wrk") is None,
    reason="wrk not installed: `make test` installs it with apt when run as root (apt-get install wrk)",
)
def test_a_short_soak_passes_and_reports_p99(model_tarball: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "scripts.soak", "--model", str(model_tarball), "--duration", "3", "--warmup", "1",
               "--connections", "8", "--workers", "1", "--port", str(free_port()), "--out", str(tmp_path)]  # fmt: skip
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "soak passed" in result.stdout and '"p99_ms"' in result.stdout
    assert (tmp_path / "report.json").exists()
