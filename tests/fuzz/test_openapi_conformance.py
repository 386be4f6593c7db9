"""schemathesis against the real server's /openapi.json on loopback, per schema: no 5xx, answers conform.

The document is generated from the loaded schema (regression values in a unit, or labels and probabilities;
categories as enums; optional features nullable), so each schema is its own API. schemathesis lives in the scan
venv (build/scan-venv, from requirements-scan.txt) because its pins conflict with the main venv; ``make test``
and ``make fuzz`` install it. ``SCHEMATHESIS_EXAMPLES`` sets the examples per operation and schema (``make fuzz``
raises it); without it, ``make test`` shares 30 per operation between the schemas, derandomized, and runs the
coverage phase (boundary and negative cases: a fixed ~400 per document, whatever the count) for the
classification schema only, so that two schemas cost about what one did.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.fuzz.schemas import HTTP_SCHEMAS, FuzzedServer

SCHEMATHESIS = REPO_ROOT / "build" / "scan-venv" / "bin" / "schemathesis"
CONFIG = Path(__file__).with_name("schemathesis.toml")
CI_EXAMPLES_PER_OPERATION = 30
CI_COVERAGE_PHASE = {"fraud"}
ALL_PHASES = "examples,coverage,fuzzing,stateful"


@pytest.mark.skipif(not SCHEMATHESIS.exists(), reason="scan venv missing: run `make scan-venv` (make test does)")
def test_openapi_operations_never_fail_and_conform_to_the_schema(
    http_server: FuzzedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = os.environ.get("SCHEMATHESIS_EXAMPLES") or str(-(-CI_EXAMPLES_PER_OPERATION // len(HTTP_SCHEMAS)))
    ci = os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci"
    deterministic = ["--generation-deterministic"] if ci else []
    name = http_server.fuzzed.name
    phases = ALL_PHASES if not ci or name in CI_COVERAGE_PHASE else ALL_PHASES.replace("coverage,", "")
    command = [str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", f"http://127.0.0.1:{http_server.running.port}/openapi.json",
               "--max-examples", examples, "--phases", phases, "--workers", "2", "--no-color", *deterministic,
               "--report", "junit", "--report-dir", str(tmp_path)]  # fmt: skip
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1800, check=False)
    summary = result.stdout[-6000:]
    with capsys.disabled():  # the case count belongs in make fuzz's output
        counts = [line.strip() for line in result.stdout.splitlines() if " generated" in line]
        print(f"\nschemathesis [{name}: {phases}]:", counts[-1] if counts else "no case count")
    assert result.returncode == 0, summary
    assert "Server error" not in result.stdout, summary
