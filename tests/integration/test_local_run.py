"""README command 1 (`make local`): the local run serves over HTTP and the Lambda handler answers alike."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, free_port


def test_local_run_answers_the_sample_through_both_adapters(model_tarball) -> None:
    command = [
        sys.executable,
        "-m",
        "scripts.local",
        "--once",
        "--model",
        str(model_tarball),
        "--port",
        str(free_port()),
    ]
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


def test_local_run_serves_a_classifier_with_its_schema(species_model) -> None:
    port = str(free_port())
    command = [sys.executable, "-m", "scripts.local", "--once", "--model", str(species_model), "--port", port]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{"predictions"')]
    assert len(answers) == 2 and answers[0] == answers[1], result.stdout
    (prediction,) = answers[0]["predictions"]
    assert prediction["label"] in ("setosa", "versicolor", "virginica")
    assert sum(prediction["probabilities"].values()) == pytest.approx(1.0)
    assert '"soil": "clay"' in result.stdout, "the request is the schema's example row, category by name"
