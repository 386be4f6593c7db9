"""API Gateway proxy events (HTTP API 2.0 and REST API 1.0) for fuzzing the Lambda handler: well-formed and odd."""

from __future__ import annotations

import base64
import urllib.parse
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.strategies import BODIES, CONTENT_TYPES, ODD_VALUES, QUERIES

PATHS = st.sampled_from(["/predict", "/ping", "/lambda/x86/predict", "/lambda/arm/ping", "/", "/predict/", "/nope",
                         "/predictx", "/PREDICT", "/openapi.json"]) | st.text(max_size=20)  # fmt: skip
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get", "post"])


@st.composite
def http_parts(draw: st.DrawFn) -> dict[str, Any]:
    """Method, path, query, headers and body as API Gateway would pass them on."""
    body = draw(BODIES)
    encoded = draw(st.booleans()) or isinstance(body, bytes)
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    headers = {"content-type": draw(CONTENT_TYPES)} if draw(st.booleans()) else {}
    if draw(st.booleans()):
        headers = {"Content-Type": str(headers.get("content-type")), "X-Forwarded-For": "203.0.113.9"}
    return {
        "method": draw(METHODS), "path": draw(PATHS), "query": draw(QUERIES), "headers": headers,
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


WELL_FORMED_EVENTS = st.builds(v2_event, http_parts()) | st.builds(v1_event, http_parts())


@st.composite
def odd_events(draw: st.DrawFn) -> Any:
    """A well-formed event with fields dropped, nulled or given the wrong type; or no event shape at all."""
    event = draw(WELL_FORMED_EVENTS)
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
