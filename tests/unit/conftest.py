"""Fixtures for the training-job handler tests: a SageMaker client stubbed with botocore's Stubber."""

from __future__ import annotations

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
