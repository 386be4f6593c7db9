"""Unit-test fixtures: the Lambda adapter module, and a SageMaker client stubbed with botocore's Stubber."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from tests.unit.training_job_stubs import load_index


@pytest.fixture(scope="module")
def botocore_session() -> Any:
    return botocore.session.get_session()  # one session: the SageMaker API model is loaded once


@pytest.fixture
def sagemaker(botocore_session: Any) -> Any:
    return botocore_session.create_client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def stubber(sagemaker: Any) -> Iterator[Any]:
    with Stubber(sagemaker) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture(scope="module")
def index() -> ModuleType:
    return load_index()


@pytest.fixture(scope="module")
def adapter() -> Iterator[ModuleType]:
    """lambda_image/handler.py imported afresh, so its import-time logging setup (JSON handler, level) holds
    for this module's tests whatever ran before; that setup is undone afterwards."""
    package_logger = logging.getLogger("inference")
    saved = package_logger.handlers[:], package_logger.level, package_logger.propagate
    sys.modules.pop("lambda_image.handler", None)
    yield importlib.import_module("lambda_image.handler")
    package_logger.handlers[:], package_logger.propagate = saved[0], saved[2]
    package_logger.setLevel(saved[1])
