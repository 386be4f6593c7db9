"""Fuzz the Lambda handler per schema with API Gateway 2.0/1.0 events and direct invocations: no exception, no 5xx.

Routes and their answers come from ``routes.LAMBDA_ROUTES``: a well-formed event for a route gets that route's
answer (or a 4xx naming the problem), for an unknown path a 404, for a method the route does not take a 405.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

from tests.fuzz import profiles
from tests.fuzz.contract import INVOCATION_ERRORS, assert_error_body, assert_prediction_body
from tests.fuzz.events import odd_events, v2_event, well_formed_events
from tests.fuzz.expected import assert_same_as_in_process, xgboost_answer
from tests.fuzz.requests import requests_for
from tests.fuzz.routes import LAMBDA_ROUTES, Route
from tests.fuzz.schemas import FUZZED, LAMBDA_SCHEMAS, Fuzzed, fixture_params

HANDLER_FILE = Path(__file__).resolve().parents[2] / "lambda_image" / "handler.py"
SCHEMAS = len(LAMBDA_SCHEMAS)


@dataclass(frozen=True)
class Lambda:
    fuzzed: Fuzzed
    module: ModuleType
    model: Path

    def __repr__(self) -> str:
        return f"<Lambda handler serving {self.fuzzed.name}>"

    def invoke(self, event: Any) -> Any:
        return self.module.handler(event, _Context())


@pytest.fixture(scope="module", **fixture_params(LAMBDA_SCHEMAS))
def lambda_fn(request: pytest.FixtureRequest) -> Iterator[Lambda]:
    """``lambda_image/handler.py`` imported as the Lambda runtime does, with the schema's model loaded at init.

    The import points the ``inference`` logger at stdout (quiet here: CRITICAL); that is undone afterwards.
    """
    fuzzed: Fuzzed = request.param
    model = request.getfixturevalue(fuzzed.model_fixture)
    package_logger = logging.getLogger("inference")
    saved = package_logger.handlers[:], package_logger.level, package_logger.propagate
    spec = importlib.util.spec_from_file_location(f"fuzzed_lambda_handler_{fuzzed.name}", HANDLER_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    with mock.patch.dict(os.environ, {"MODEL_URI": str(model), "LOG_LEVEL": "CRITICAL"}):
        spec.loader.exec_module(module)
    assert module.PREDICTOR.ready, module.PREDICTOR.load_error
    yield Lambda(fuzzed, module, model)
    package_logger.handlers[:], package_logger.level, package_logger.propagate = saved
    sys.modules.pop(spec.name, None)


class _Context:
    aws_request_id = "fuzz-request"
    function_name = "InferenceFunction"


def assert_proxy_answer(fuzzed: Fuzzed, answer: Any, method: str | None = None, path: str | None = None) -> None:
    """A proxy response: the route's 2xx answer or a 4xx JSON error body. With the request's method and path
    known: 404 for no route, 405 (with ``allow``) for a method the route does not take. A route is the end of
    the path (``/lambda/x86/predict`` is ``/predict``), as the adapter documents."""
    assert isinstance(answer, dict) and {"statusCode", "headers", "body"} <= set(answer), answer
    status, headers, body = answer["statusCode"], answer["headers"], answer["body"]
    name = next((p for p in LAMBDA_ROUTES if path.endswith(p)), None) if path is not None else None
    route = LAMBDA_ROUTES[name] if name else None
    event(f"{method} {name or 'no route'}: {status}" if path is not None else f"odd event: {status}")
    if path is not None and route is None:
        assert status == 404, (path, answer)
    elif route is not None and method is not None and method.upper() not in route.methods:
        assert status == 405 and headers.get("allow") == ", ".join(route.methods), (method, path, answer)
    if 200 <= status < 300:
        assert route is not None or path is None, (path, answer)
        candidates = [route] if route is not None else list(LAMBDA_ROUTES.values())
        _passes_one(fuzzed, candidates, status, headers.get("content-type", ""), body)
    else:
        assert route is None or route.takes_rows or status in (404, 405), (path, answer)
        assert headers.get("content-type") == "application/json", headers
        assert_error_body(status, json.loads(body), route.refusals if route else INVOCATION_ERRORS)


def _passes_one(fuzzed: Fuzzed, routes: list[Route], status: int, content_type: str, body: str) -> None:
    """The answer of one of ``routes`` (the route is unknown when an odd event hid its path)."""
    failures = []
    for route in routes:
        try:
            return route.check(fuzzed.schema, status, content_type, body.encode())
        except AssertionError as failure:
            failures.append(failure)
    raise AssertionError(f"no route answers like this: {body[:300]}: {failures}")


def assert_direct_answer(fuzzed: Fuzzed, answer: Any) -> None:
    if isinstance(answer, dict) and "error" in answer:
        assert answer["error"].get("code") != "internal_error", answer
        assert_error_body(400 if answer["error"]["code"] != "too_many_rows" else 413, answer)
        event(f"direct: {answer['error']['code']}")
    else:
        assert_prediction_body(fuzzed.schema, answer)
        event("direct: predictions")


@profiles.main(SCHEMAS)
@given(data=st.data())
def test_api_gateway_events_get_a_2xx_or_a_4xx_json_error(lambda_fn: Lambda, data: st.DataObject) -> None:
    proxy_event = data.draw(well_formed_events(requests_for(lambda_fn.fuzzed.schema)), label="event")
    v1 = "httpMethod" in proxy_event
    method = proxy_event["httpMethod"] if v1 else proxy_event["requestContext"]["http"]["method"]
    path = proxy_event["path"] if v1 else proxy_event["rawPath"]
    answer = lambda_fn.invoke(proxy_event)
    assert_proxy_answer(lambda_fn.fuzzed, answer, method, path)
    if not v1 and 200 <= answer["statusCode"] < 300 and path in LAMBDA_ROUTES:  # no prefix: the table's own path
        raw = proxy_event["body"]
        body = base64.b64decode(raw) if proxy_event["isBase64Encoded"] else raw.encode("utf-8", "surrogatepass")
        target = path + ("?" + proxy_event["rawQueryString"] if proxy_event["rawQueryString"] else "")
        assert_same_as_in_process(lambda_fn.model, method.upper(), target, proxy_event["headers"], body,
                                  answer["statusCode"], answer["body"].encode("utf-8", "surrogatepass"))  # fmt: skip


@profiles.secondary(SCHEMAS)
@given(data=st.data())
def test_valid_rows_are_answered_200_with_xgboosts_predictions(lambda_fn: Lambda, data: st.DataObject) -> None:
    schema = lambda_fn.fuzzed.schema
    rows = data.draw(st.lists(requests_for(schema).valid_rows, min_size=1, max_size=5), label="rows")
    parts = {"method": "POST", "path": "/lambda/x86/predict", "query": {}, "encoded": False,
             "headers": {"content-type": "application/json"}, "body": json.dumps({"instances": rows})}  # fmt: skip
    answer = lambda_fn.invoke(v2_event(parts))
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"]) == xgboost_answer(lambda_fn.model, schema, rows)


@profiles.secondary(SCHEMAS)
@given(data=st.data())
def test_direct_invocations_get_predictions_or_a_json_error(lambda_fn: Lambda, data: st.DataObject) -> None:
    answer = lambda_fn.invoke(data.draw(requests_for(lambda_fn.fuzzed.schema).payloads, label="payload"))
    if "statusCode" in (answer if isinstance(answer, dict) else {}):
        assert_proxy_answer(lambda_fn.fuzzed, answer)  # a payload that happens to look like a proxy event
    else:
        assert_direct_answer(lambda_fn.fuzzed, answer)


@profiles.secondary(SCHEMAS)
@given(data=st.data())
def test_odd_events_never_raise_nor_answer_5xx(lambda_fn: Lambda, data: st.DataObject) -> None:
    odd = data.draw(odd_events(requests_for(lambda_fn.fuzzed.schema)), label="event")
    note(f"the event as sent (the draw above shows it before its fields were spoiled): {odd!r}")
    answer = lambda_fn.invoke(odd)
    if isinstance(answer, dict) and "statusCode" in answer:
        assert_proxy_answer(lambda_fn.fuzzed, answer)
    else:
        assert_direct_answer(lambda_fn.fuzzed, answer)


@pytest.mark.parametrize("lambda_fn", [FUZZED["housing"]], ids=["housing"], indirect=True)
@pytest.mark.parametrize("route", ["/predict", "/explain", "/invocations"])
def test_a_base64_body_that_is_not_ascii_is_a_400(lambda_fn: Lambda, route: str) -> None:
    """Found by test_odd_events_never_raise_nor_answer_5xx: base64.b64decode raises ValueError, not
    binascii.Error, for a body that is not ASCII, and the adapter answered 500."""
    parts = {"method": "POST", "path": route, "query": {}, "headers": {}, "body": "\x80", "encoded": True}
    answer = lambda_fn.invoke(v2_event(parts))
    assert answer["statusCode"] == 400, answer
    assert json.loads(answer["body"])["error"] == {
        "code": "malformed_body",
        "field": "body",
        "message": "the body is marked as base64 but is not valid base64",
    }
