"""Fuzz the Lambda handler with API Gateway 2.0/1.0 events and direct invocations: no exception, no 5xx."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from hypothesis import given

from tests.fuzz import profiles
from tests.fuzz.contract import assert_error_body, assert_prediction_body
from tests.fuzz.events import WELL_FORMED_EVENTS, odd_events
from tests.fuzz.strategies import PAYLOADS

HANDLER_FILE = Path(__file__).resolve().parents[2] / "lambda_image" / "handler.py"


@pytest.fixture(scope="module")
def lambda_module(model_tarball: Path) -> Iterator[ModuleType]:
    """``lambda_image/handler.py`` imported as the Lambda runtime does, with its model loaded at init.

    The import points the ``inference`` logger at stdout (quiet here: CRITICAL); that is undone afterwards.
    """
    package_logger = logging.getLogger("inference")
    saved = package_logger.handlers[:], package_logger.level, package_logger.propagate
    spec = importlib.util.spec_from_file_location("fuzzed_lambda_handler", HANDLER_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    with mock.patch.dict(os.environ, {"MODEL_URI": str(model_tarball), "LOG_LEVEL": "CRITICAL"}):
        spec.loader.exec_module(module)
    assert module.PREDICTOR.ready
    yield module
    package_logger.handlers[:], package_logger.level, package_logger.propagate = saved
    sys.modules.pop(spec.name, None)


class _Context:
    aws_request_id = "fuzz-request"
    function_name = "InferenceFunction"


def assert_proxy_answer(answer: Any) -> None:
    """A proxy response: JSON body, 2xx success (prediction or health) or 4xx error body."""
    assert isinstance(answer, dict) and {"statusCode", "headers", "body"} <= set(answer), answer
    status, body = answer["statusCode"], json.loads(answer["body"])
    assert answer["headers"].get("content-type") == "application/json"
    if status == 200:
        if "status" in body:
            assert body["status"] == "ok" and isinstance(body["model_version"], str)
        else:
            assert_prediction_body(body)
    else:
        assert_error_body(status, body)


def assert_direct_answer(answer: Any) -> None:
    if isinstance(answer, dict) and "error" in answer:
        assert answer["error"].get("code") != "internal_error", answer
        assert_error_body(400 if answer["error"]["code"] != "too_many_rows" else 413, answer)
    else:
        assert_prediction_body(answer)


@given(event=WELL_FORMED_EVENTS)
def test_api_gateway_events_get_a_2xx_or_a_4xx_json_error(lambda_module: ModuleType, event: dict[str, Any]) -> None:
    assert_proxy_answer(lambda_module.handler(event, _Context()))


@profiles.secondary()
@given(payload=PAYLOADS)
def test_direct_invocations_get_predictions_or_a_json_error(lambda_module: ModuleType, payload: object) -> None:
    answer = lambda_module.handler(payload, _Context())
    if "statusCode" in (answer if isinstance(answer, dict) else {}):
        assert_proxy_answer(answer)  # a payload that happens to look like a proxy event
    else:
        assert_direct_answer(answer)


@profiles.secondary()
@given(event=odd_events())
def test_odd_events_never_raise_nor_answer_5xx(lambda_module: ModuleType, event: Any) -> None:
    answer = lambda_module.handler(event, _Context())
    if isinstance(answer, dict) and "statusCode" in answer:
        assert_proxy_answer(answer)
    else:
        assert_direct_answer(answer)
