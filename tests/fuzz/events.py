"""API Gateway proxy events (HTTP API 2.0 and REST API 1.0) for fuzzing the Lambda handler: well-formed and odd.

``events_for(requests)`` builds them for one schema's requests; paths come from ``routes.LAMBDA_ROUTES``.
"""

from __future__ import annotations

import base64
import urllib.parse
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.requests import Requests
from tests.fuzz.routes import LAMBDA_ROUTES, route_paths
from tests.fuzz.strategies import CONTENT_TYPES, ODD_VALUES, weighted

PREFIXES = st.sampled_from(["", "", "/lambda/x86", "/lambda/arm", "/prod", "/x/"])
ODD_PATHS = st.sampled_from(["/", "/nope", "/predictx", "/PREDICT", "/predict/", "/explainx", "/openapi.json",
                             "/invocations", "/docs", ""]) | st.text(max_size=20)  # fmt: skip
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get", "post", ""])


@st.composite
def path_and_method(draw: st.DrawFn) -> tuple[str, str]:
    """A route (behind a stage prefix: the adapter matches the end of the path) and, three times in four, one of
    its methods; or a path that is no route, with any method."""
    if draw(st.sampled_from(["route", "route", "route", "odd path"])) == "odd path":
        return draw(ODD_PATHS), draw(METHODS)
    route = draw(route_paths(LAMBDA_ROUTES))
    methods = st.sampled_from(LAMBDA_ROUTES[route].methods)
    return draw(PREFIXES) + route, draw(weighted((3, methods), (1, METHODS)))


@st.composite
def http_parts(draw: st.DrawFn, requests: Requests) -> dict[str, Any]:
    """Method, path, query, headers and body as API Gateway would pass them on."""
    body, content_type = draw(requests.bodies)
    encoded = draw(st.booleans()) or isinstance(body, bytes)
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    headers = {"content-type": content_type} if content_type is not None else {}
    if draw(st.booleans()):
        headers = {"Content-Type": str(content_type or draw(CONTENT_TYPES)), "X-Forwarded-For": "203.0.113.9"}
    path, method = draw(path_and_method())
    return {
        "method": method, "path": path, "query": draw(requests.queries), "headers": headers,
        "body": base64.b64encode(raw).decode() if encoded else body, "encoded": encoded,
    }  # fmt: skip


def v2_event(parts: dict[str, Any]) -> dict[str, Any]:
    pairs = [(k, v) for k, values in parts["query"].items() for v in values]
    query = urllib.parse.urlencode(pairs, errors="surrogatepass")
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": parts["path"], "rawQueryString": query,
        "headers": parts["headers"], "isBase64Encoded": parts["encoded"], "body": parts["body"],
        "requestContext": {"http": {"method": parts["method"], "path": parts["path"], "sourceIp": "203.0.113.9"},
                           "requestId": "fuzz", "stage": "$default"},
    }  # fmt: skip


def v1_event(parts: dict[str, Any]) -> dict[str, Any]:
    query = parts["query"]
    return {
        "resource": "/{proxy+}", "path": parts["path"], "httpMethod": parts["method"], "headers": parts["headers"],
        "multiValueHeaders": {k: [v] for k, v in parts["headers"].items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None, "isBase64Encoded": parts["encoded"], "body": parts["body"],
        "requestContext": {"requestId": "fuzz", "stage": "prod", "httpMethod": parts["method"]},
    }  # fmt: skip


def well_formed_events(requests: Requests) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(v2_event, http_parts(requests)) | st.builds(v1_event, http_parts(requests))


@st.composite
def odd_events(draw: st.DrawFn, requests: Requests) -> Any:
    """A well-formed event with fields dropped, nulled or given the wrong type; or no event shape at all."""
    event = draw(well_formed_events(requests))
    for key in draw(st.lists(st.sampled_from(sorted(event)), max_size=3, unique=True)):
        if draw(st.booleans()):
            event.pop(key, None)
        else:
            event[key] = draw(ODD_VALUES)
    if "requestContext" in event and isinstance(event["requestContext"], dict) and draw(st.booleans()):
        http = event["requestContext"].get("http")
        if isinstance(http, dict):
            http[draw(st.sampled_from(["method", "path"]))] = draw(ODD_VALUES)
    return event
