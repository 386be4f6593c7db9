"""schemathesis against the real server's /openapi.json on loopback: no 5xx, answers conform to the schema.

schemathesis lives in the scan venv (build/scan-venv, from requirements-scan.txt) because its pins conflict
with the main venv; ``make test`` and ``make fuzz`` install it. ``SCHEMATHESIS_EXAMPLES`` sets the examples per
operation (30 here, derandomized; ``make fuzz`` raises it).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.integration.conftest import RunningServer, launch_server

SCHEMATHESIS = REPO_ROOT / "build" / "scan-venv" / "bin" / "schemathesis"
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture(scope="module")
def server(model_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = launch_server({"MODEL_URI": str(model_tarball)}, tmp_path_factory.mktemp("schemathesis-server"))
    yield running
    assert running.stop() == 0, running.logs()


@pytest.mark.skipif(not SCHEMATHESIS.exists(), reason="scan venv missing: run `make scan-venv` (make test does)")
def test_openapi_operations_never_fail_and_conform_to_the_schema(
    server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = os.environ.get("SCHEMATHESIS_EXAMPLES", "30")
    deterministic = ["--generation-deterministic"] if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" else []
    command = [str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", f"http://127.0.0.1:{server.port}/openapi.json",
               "--max-examples", examples, "--workers", "2", "--no-color", *deterministic,
               "--report", "junit", "--report-dir", str(tmp_path)]  # fmt: skip
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1800, check=False)
    summary = result.stdout[-6000:]
    with capsys.disabled():  # the case count belongs in make fuzz's output
        counts = [line.strip() for line in result.stdout.splitlines() if " generated" in line]
        print("\nschemathesis:", counts[-1] if counts else "no case count")
    assert result.returncode == 0, summary
    assert "Server error" not in result.stdout, summary
