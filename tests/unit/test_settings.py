"""Every environment variable of both images is read by ``inference.settings``: defaults, and one message per bad
value, the same on every backend (the Lambda refuses to start with it, the server exits with it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fargate_image.serve import uvicorn_settings
from inference import Predictor
from inference.settings import SAGEMAKER_MODEL_DIR, S3Settings, Settings, SettingsError

REPO = Path(__file__).resolve().parents[2]


def test_an_empty_environment_gives_the_documented_defaults() -> None:
    assert Settings.from_environ({}) == Settings()
    settings = Settings()
    assert (settings.model_uri, settings.model_retry_seconds, settings.sagemaker_model_dir) == (
        None, 10.0, SAGEMAKER_MODEL_DIR)  # fmt: skip
    assert (settings.port, settings.web_concurrency, settings.request_timeout_seconds, settings.log_level) == (
        8080, 1, 15, "INFO")  # fmt: skip
    assert settings.s3 == S3Settings(connect_timeout=5.0, read_timeout=30.0, max_attempts=5)


def test_values_are_read_trimmed_and_typed() -> None:
    settings = Settings.from_environ({
        "MODEL_URI": " s3://b/m.tar.gz ", "MODEL_RETRY_SECONDS": "2.5", "LOG_LEVEL": "warning", "PORT": "9000",
        "MODEL_S3_MAX_ATTEMPTS": "3", "ACCESS_LOG": "Yes", "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
    })  # fmt: skip
    assert (settings.model_uri, settings.model_retry_seconds, settings.log_level, settings.port) == (
        "s3://b/m.tar.gz", 2.5, "WARNING", 9000)  # fmt: skip
    assert (settings.s3.max_attempts, settings.access_log, settings.inference_output) == (3, True, "predicted_label")
    digests = Settings.from_environ({"MODEL_SHA256": "AB" * 32, "COMPILED_MODEL_SHA256": " " + "cd" * 32}).digests
    assert (digests.model, digests.compiled) == ("ab" * 32, "cd" * 32)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [("PORT", "80x", "PORT must be an integer from 1 to 65535, got '80x'"),
     ("PORT", "0", "PORT must be an integer from 1 to 65535, got '0'"),
     ("WEB_CONCURRENCY", "-1", "WEB_CONCURRENCY must be an integer from 1 to 64, got '-1'"),
     ("REQUEST_TIMEOUT_SECONDS", "1e9", "REQUEST_TIMEOUT_SECONDS must be an integer from 1 to 300, got '1e9'"),
     ("MODEL_RETRY_SECONDS", "soon", "MODEL_RETRY_SECONDS must be a number from 0 to 86400, got 'soon'"),
     ("MODEL_RETRY_SECONDS", "nan", "MODEL_RETRY_SECONDS must be a number from 0 to 86400, got 'nan'"),
     ("MODEL_S3_READ_TIMEOUT", "-3", "MODEL_S3_READ_TIMEOUT must be a number from 0.1 to 900, got '-3'"),
     ("LOG_LEVEL", "loud", "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got 'LOUD'"),
     ("MODEL_SHA256", "abc", "MODEL_SHA256 must be a SHA-256 in hex (64 digits), got 'abc'"),
     ("COMPILED_MODEL_SHA256", "g" * 64,
      f"COMPILED_MODEL_SHA256 must be a SHA-256 in hex (64 digits), got {'g' * 64!r}")],
)  # fmt: skip
def test_a_bad_value_names_its_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_environ({variable: value})
    assert str(refused.value) == message
    with pytest.raises(SystemExit) as stopped:  # the server stops with the same words
        uvicorn_settings({variable: value})
    assert str(stopped.value) == message


def test_the_lambda_refuses_to_start_with_the_same_message(tmp_path: Path) -> None:
    environment = {"PATH": "/usr/bin:/bin", "LOG_LEVEL": "loud", "PYTHONPATH": str(REPO)}
    started = subprocess.run([sys.executable, "-c", "import lambda_image.handler"], cwd=tmp_path, env=environment,
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert started.returncode != 0
    assert "SettingsError: LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got 'LOUD'" in started.stderr


def test_the_predictor_serves_what_the_settings_name(model_tarball: Path) -> None:
    predictor = Predictor.from_settings(Settings.from_environ({"MODEL_URI": str(model_tarball), "MODEL_VERSION": "v7"}))
    assert (predictor.ready, predictor.model_version) == (True, "v7")


def test_without_a_model_uri_the_mount_of_sagemaker_hosting_is_served(tmp_path: Path, model_tarball: Path) -> None:
    (tmp_path / "model.tar.gz").write_bytes(model_tarball.read_bytes())
    (tmp_path / "schema.json").write_bytes((model_tarball.parent / "schema.json").read_bytes())
    predictor = Predictor.from_settings(Settings.from_environ({"SAGEMAKER_MODEL_DIR": str(tmp_path)}))
    assert predictor.ready, predictor.load_error


def test_no_model_anywhere_is_a_clear_refusal(tmp_path: Path) -> None:
    predictor = Predictor.from_settings(Settings(sagemaker_model_dir=str(tmp_path)))
    assert not predictor.ready
    assert predictor.load_error == f"MODEL_URI is not set and {tmp_path} holds no xgboost-model"
