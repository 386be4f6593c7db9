"""schemathesis with every default check and no allowance against the real server's /openapi.json on loopback,
for each bundled data set's schema (California, breast cancer, iris) and a categorical one (``fraud``): no 5xx,
answers conform, what the document allows is answered 2xx and what it does not is refused with a 4xx.

The document is generated from the loaded schema (regression values in a unit, or labels and probabilities;
categories as enums; optional features nullable), so each schema is its own API. schemathesis lives in the scan
venv (build/scan-venv, from requirements-scan.txt) because its pins conflict with the main venv; ``make test``
and ``make fuzz`` install it. ``SCHEMATHESIS_EXAMPLES`` sets the examples per operation and schema (``make fuzz``
raises it); without it, ``make test`` shares 30 per operation between the schemas, derandomized, and runs the
coverage phase (boundary and negative cases: a fixed ~400 per document, whatever the count) for the
categorical schema only.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.integration.conftest import RunningServer, launch_server
from tests.support.datasets import FRAUD, train_for
from tests.support.models import save_like_sagemaker
from training.spec import load

SCHEMATHESIS = REPO_ROOT / "build" / "scan-venv" / "bin" / "schemathesis"
CONFIG = Path(__file__).with_name("schemathesis.toml")
CI_EXAMPLES_PER_OPERATION = 30
CI_COVERAGE_PHASE = {"fraud"}
SCHEMAS = {"california_housing": None, "breast_cancer": None, "iris": None, "fraud": FRAUD}
"""The bundled specs' schemas (None: read from datasets/), and a categorical one with optional features."""


@pytest.fixture(scope="module", params=list(SCHEMAS))
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, RunningServer]]:
    """The real server with a model of the schema (trained on rows drawn inside its ranges)."""
    schema = SCHEMAS[request.param] or load(request.param).schema
    directory = tmp_path_factory.mktemp(f"conformance-{request.param}")
    model = save_like_sagemaker(train_for(schema), directory, schema)
    running = launch_server({"MODEL_URI": str(model)}, directory)
    yield request.param, running
    assert running.stop() == 0, running.logs()


ALL_PHASES = "examples,coverage,fuzzing,stateful"


WORKERS = "1"
"""One: CPython 3.11's ``ast.parse`` can raise a spurious ``SystemError: AST constructor recursion depth mismatch``
in threaded programs (gh-106905), which broke schemathesis's case generation with two workers, on Debian 12's
3.11.2 and on the 3.11.7 CI uses alike. One worker was no slower here (four schemas in 18-19 s)."""


@pytest.mark.skipif(not SCHEMATHESIS.exists(), reason="scan venv missing: run `make scan-venv` (make test does)")
def test_openapi_operations_never_fail_and_conform_to_the_schema(
    served: tuple[str, RunningServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = os.environ.get("SCHEMATHESIS_EXAMPLES") or str(-(-CI_EXAMPLES_PER_OPERATION // len(SCHEMAS)))
    ci = os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci"
    deterministic = ["--generation-deterministic"] if ci else []
    name, server = served
    phases = ALL_PHASES if not ci or name in CI_COVERAGE_PHASE else ALL_PHASES.replace("coverage,", "")
    command = [str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", f"http://127.0.0.1:{server.port}/openapi.json",
               "--max-examples", examples, "--phases", phases, "--workers", WORKERS, "--no-color", *deterministic,
               "--report", "junit", "--report-dir", str(tmp_path)]  # fmt: skip
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1800, check=False)
    summary = result.stdout[-6000:] + result.stderr[-2000:]
    with capsys.disabled():  # the case count belongs in make fuzz's output
        counts = [line.strip() for line in result.stdout.splitlines() if " generated" in line]
        print(f"\nschemathesis [{name}: {phases}]:", counts[-1] if counts else "no case count")
    assert result.returncode == 0, summary
    assert "Server error" not in result.stdout, summary
