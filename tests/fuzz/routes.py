"""The routes each adapter serves, and what a 2xx answer of each must hold: the fuzzers send every route here.

To fuzz a new route, add it to ``LAMBDA_ROUTES`` and/or ``HTTP_ROUTES`` with its methods, its answer check and
the 4xx statuses it may refuse with; the path strategies and the 404/405 expectations follow. ``/invocations``
answers in SageMaker's formats: its check here is the transport's (no 5xx, well-formed JSON, JSON lines or CSV
without NaN); its request and answer formats are fuzzed in depth in test_invocations_fuzz.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from inference.model.schema import Schema
from tests.fuzz.contract import (
    CLIENT_ERRORS,
    INVOCATION_ERRORS,
    assert_explanation_body,
    assert_health_body,
    assert_prediction_body,
)

JSON_TYPE = "application/json"
AnswerCheck = Callable[[Schema, int, str, bytes], None]
"""Checks a 2xx answer: (schema, status, content type, body)."""


def prediction_answer(schema: Schema, status: int, content_type: str, body: bytes) -> None:
    assert status == 200 and content_type == JSON_TYPE, (status, content_type, body[:200])
    assert_prediction_body(schema, json.loads(body))


def explanation_answer(schema: Schema, status: int, content_type: str, body: bytes) -> None:
    assert status == 200 and content_type == JSON_TYPE, (status, content_type, body[:200])
    assert_explanation_body(schema, json.loads(body))


def health_answer(schema: Schema, status: int, content_type: str, body: bytes) -> None:
    assert status == 200 and content_type == JSON_TYPE, (status, content_type, body[:200])
    assert_health_body(schema, json.loads(body))


def sagemaker_answer(schema: Schema, status: int, content_type: str, body: bytes) -> None:
    """What SageMaker's XGBoost container answers: 204 (no body) for an empty request, else CSV, JSON or JSON
    lines, every number finite."""
    if status == 204:
        assert body == b"" and not content_type, (content_type, body[:200])
        return
    assert status == 200 and body, (status, content_type, body[:200])
    kind, text = content_type.split(";")[0], body.decode("utf-8")
    if kind in (JSON_TYPE, "application/jsonlines"):
        documents = [json.loads(line, parse_constant=_no_constant) for line in text.splitlines() if line.strip()]
        assert documents and (kind != JSON_TYPE or isinstance(documents[0].get("predictions"), list)), text[:200]
    else:
        assert kind == "text/csv" and "nan" not in text.lower() and "inf" not in text.lower(), (content_type, text)


def _no_constant(name: str) -> None:
    raise AssertionError(f"{name} in a JSON answer")


def openapi_answer(schema: Schema, status: int, content_type: str, body: bytes) -> None:
    """The document generated from the loaded schema: it names every feature."""
    assert status == 200 and content_type == JSON_TYPE, (status, content_type)
    document = json.loads(body)
    assert document["openapi"].startswith("3.") and schema.name in document["info"]["title"], document["info"]
    named = document["components"]["schemas"]["NamedRow"]["properties"]
    assert list(named) == list(schema.names), list(named)


def page_answer(media_type: str) -> AnswerCheck:
    def check(schema: Schema, status: int, content_type: str, body: bytes) -> None:
        assert status == 200 and content_type.split(";")[0] == media_type and body, (status, content_type)

    return check


@dataclass(frozen=True)
class Route:
    methods: tuple[str, ...]
    check: AnswerCheck
    takes_rows: bool = False
    """Whether it decodes rows (a body, or a query string for GET): the fuzzers favour it."""
    refusals: frozenset[int] = CLIENT_ERRORS
    """The 4xx statuses it may answer."""


LAMBDA_ROUTES: dict[str, Route] = {
    "/predict": Route(("GET", "POST"), prediction_answer, takes_rows=True),
    "/explain": Route(("GET", "POST"), explanation_answer, takes_rows=True),
    "/invocations": Route(("POST",), sagemaker_answer, takes_rows=True, refusals=INVOCATION_ERRORS),
    "/ping": Route(("GET",), health_answer),
}
HTTP_ROUTES: dict[str, Route] = {
    **LAMBDA_ROUTES,
    "/openapi.json": Route(("GET",), openapi_answer),
    "/": Route(("GET",), page_answer("text/html")),
    "/docs": Route(("GET",), page_answer("text/html")),
    "/page.js": Route(("GET",), page_answer("text/javascript")),
    "/page.css": Route(("GET",), page_answer("text/css")),
}


def route_paths(routes: dict[str, Route]) -> st.SearchStrategy[str]:
    """The routes' paths, the row-taking ones twice as often."""
    favoured = [path for path, route in routes.items() if route.takes_rows]
    return st.sampled_from([*routes, *favoured])


def allowed_methods(route: Route) -> tuple[str, ...]:
    """What the route answers: its methods, and HEAD wherever GET is (HEAD is GET without a body)."""
    return (*route.methods, "HEAD") if "GET" in route.methods else route.methods
