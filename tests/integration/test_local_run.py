"""README command 1 (`make local`): the local run serves over HTTP and the Lambda handler answers alike."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, free_port


def test_local_run_answers_the_sample_through_both_adapters(model_tarball, tmp_path) -> None:
    command = [sys.executable, "-m", "scripts.local", "--once", "--model", str(model_tarball), "--port",
               str(free_port()), "--capture", str(tmp_path / "capture")]  # fmt: skip
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{"predictions"')]
    assert len(answers) == 2, result.stdout
    http_answer, lambda_answer = answers
    assert http_answer == lambda_answer
    assert http_answer["unit"] == "USD" and http_answer["count"] == 1 and http_answer["model_version"] == "local"
    assert "curl -s -X POST http://127.0.0.1:" in result.stdout


def test_local_run_explains_a_missing_model(tmp_path) -> None:
    command = [sys.executable, "-m", "scripts.local", "--once", "--model", str(tmp_path / "none.tar.gz")]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert "does not exist: run `make local`" in result.stderr


def test_local_run_serves_a_classifier_with_its_schema(species_model, tmp_path) -> None:
    port = str(free_port())
    command = [sys.executable, "-m", "scripts.local", "--once", "--model", str(species_model), "--port", port,
               "--capture", str(tmp_path / "capture")]  # fmt: skip
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{"predictions"')]
    assert len(answers) == 2 and answers[0] == answers[1], result.stdout
    (prediction,) = answers[0]["predictions"]
    assert prediction["label"] in ("setosa", "versicolor", "virginica")
    assert sum(prediction["probabilities"].values()) == pytest.approx(1.0)
    assert '"soil": "clay"' in result.stdout, "the request is the schema's example row, category by name"


def test_make_local_then_make_monitor_reports_on_what_was_captured(model_tarball, tmp_path) -> None:
    """README: `make local` captures every request under build/capture/, `make monitor` reports on them."""
    from inference.model.bundle import ModelBundle
    from tests.support.monitoring import baseline_for

    model = tmp_path / "model" / "model.tar.gz"
    model.parent.mkdir()
    shutil.copy(model_tarball, model)
    shutil.copy(model_tarball.with_name("schema.json"), model.with_name("schema.json"))
    bundle = ModelBundle.load(str(model))
    model.with_name("baseline.json").write_text(json.dumps(baseline_for(bundle, "rmse").to_document()))
    capture, out = tmp_path / "capture", tmp_path / "monitor"
    local = [sys.executable, "-m", "scripts.local", "--once", "--model", str(model), "--port", str(free_port()),
             "--capture", str(capture), "--report", str(out / "report.html")]  # fmt: skip
    assert subprocess.run(local, cwd=REPO_ROOT, capture_output=True, timeout=120, check=False).returncode == 0
    assert sorted(path.parts[-6] for path in capture.rglob("*.jsonl")) == ["local-lambda", "local-server"]
    monitor = [sys.executable, "-m", "scripts.monitor", "--model", str(model), "--capture", str(capture),
               "--out", str(out)]  # fmt: skip
    result = subprocess.run(monitor, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == str(out / "report.html")  # it prints the page's path
    report = json.loads((out / "report.json").read_text())
    assert set(report["features"]) == set(bundle.schema.names) and report["rows"] == 2
    assert all(isinstance(f["psi"], float) and f["drift"] is False for f in report["features"].values())
