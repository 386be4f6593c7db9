"""The Fargate image keeps SageMaker's container contract: port 8080, GET /ping, POST /invocations, and the
model (with its schema) read from /opt/ml/model, where SageMaker hosting unpacks model.tar.gz, when no
MODEL_URI is configured."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from fargate_image.serve import uvicorn_settings
from inference.service import SAGEMAKER_MODEL_DIR


def test_the_server_listens_on_8080_by_default() -> None:
    assert uvicorn_settings({})["port"] == 8080
    assert SAGEMAKER_MODEL_DIR == "/opt/ml/model"


@pytest.fixture
def hosted_dir(tmp_path: Path, model_tarball: Path) -> Path:
    """What SageMaker hosting makes of model.tar.gz: the archive unpacked, here with our schema beside it."""
    directory = tmp_path / "opt-ml-model"
    directory.mkdir()
    with tarfile.open(model_tarball) as tar:
        # The data filter where the interpreter has it (3.11.4 on; Debian 12's python3 is 3.11.2).
        tar.extractall(directory, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (directory / "schema.json").write_bytes(model_tarball.with_name("schema.json").read_bytes())
    return directory


def test_without_model_uri_the_model_sagemaker_mounted_is_served(start_server, hosted_dir: Path) -> None:
    server = start_server({"MODEL_URI": "", "SAGEMAKER_MODEL_DIR": str(hosted_dir)})
    ping = server.request("GET", "/ping")
    assert ping.status == 200 and ping.json()["dataset"] == "california_housing"
    reply = server.request("POST", "/invocations", "8.3252,41,6.984,1.024,322,2.556,37.88,-122.23\n",
                           {"content-type": "text/csv"})  # fmt: skip
    assert reply.status == 200, reply.body


def test_an_empty_model_dir_fails_the_health_check(start_server, tmp_path: Path) -> None:
    server = start_server({"MODEL_URI": "", "SAGEMAKER_MODEL_DIR": str(tmp_path)})
    reply = server.request("GET", "/ping")
    assert reply.status == 503
    assert f"MODEL_URI is not set and {tmp_path} holds no xgboost-model" in reply.json()["error"]["message"]
