"""AWS Lambda adapter over ``inference.Predictor``: API Gateway HTTP API (2.0), REST API (1.0), direct calls.

The model loads once per execution environment, at init. This module only decodes the event, calls the
predictor and encodes its answer; every error a client can cause is an ``InferenceError`` with its status.
Routes match on the path's last segment, so stage or route prefixes (``/lambda/x86/predict``) work.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import urllib.parse
from functools import lru_cache
from typing import Any, NamedTuple

from inference import InferenceError, InvalidInput, MethodNotAllowed, NotFound, Predictor
from inference.logs import JsonLogFormatter, log_fields
from inference.protocols.api.answers import answer_json

ROUTE_METHODS: dict[str, tuple[str, ...]] = {
    "/predict": ("GET", "POST"),
    "/explain": ("GET", "POST"),
    "/invocations": ("POST",),
    "/ping": ("GET",),
}


def _configure_logging() -> logging.Logger:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLogFormatter())
    package_logger = logging.getLogger("inference")  # the Predictor logs here; so does this adapter
    package_logger.handlers[:] = [handler]
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
    package_logger.setLevel(level if level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") else "INFO")
    package_logger.propagate = False  # the runtime's root handler would print each line twice
    return logging.getLogger("inference.lambda_handler")


class HttpRequest(NamedTuple):
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw_body: str
    base64_body: bool


LOGGER = _configure_logging()
PREDICTOR = Predictor.from_env()


def handler(event: Any, context: Any) -> dict[str, Any]:
    """The Lambda entry point (``CMD ["handler.handler"]``)."""
    return handle(event, context, PREDICTOR)


def handle(event: Any, context: Any, predictor: Predictor) -> dict[str, Any]:
    started = time.perf_counter()
    request, route = None, "direct"
    headers = {"content-type": "application/json"}
    try:
        request = http_request(event)
        if request is None:
            status, body = 200, predictor.predict_payload(event)
        else:
            route = _route_of(request.path) or "unknown"
            if route == "/invocations" and request.method == "POST":  # SageMaker's formats: not always JSON
                answer = predictor.invoke(_body_bytes(request), request.headers, request.query)
                _log_request(context, route, answer.status, {}, started)
                content_type = {} if answer.content_type is None else {"content-type": answer.content_type}
                return {"statusCode": answer.status, "headers": content_type, "body": answer.body.decode("utf-8"),
                        "isBase64Encoded": False}  # fmt: skip
            status, body = dispatch(request, predictor)
    except InferenceError as error:
        status, body = error.status, error.to_body()
        if isinstance(error, MethodNotAllowed):
            headers["allow"] = ", ".join(ROUTE_METHODS[route])
    except Exception:
        LOGGER.exception("unexpected error", extra={"route": route})
        status, body = 500, {"error": {"code": "internal_error", "message": "internal error"}}
    _log_request(context, route, status, body, started)
    if request is None:
        return body
    return {"statusCode": status, "headers": headers, "body": answer_json(body), "isBase64Encoded": False}


def http_request(event: Any) -> HttpRequest | None:
    """The HTTP request inside an API Gateway proxy event, or None for a direct invocation.

    Total over odd input: a field of the wrong type reads as absent, and the request is answered 4xx.
    """
    if not isinstance(event, dict):
        return None
    http = _dict(event.get("requestContext")).get("http")
    if event.get("version") == "2.0" and isinstance(http, dict):
        method, path = _text(http.get("method")), _text(event.get("rawPath")) or _text(http.get("path"))
        query = _parsed_query(_text(event.get("rawQueryString")))
    elif "httpMethod" in event:
        method, path = _text(event.get("httpMethod")), _text(event.get("path"))
        multi = _dict(event.get("multiValueQueryStringParameters"))
        query = {str(k): [str(v) for v in values] for k, values in multi.items() if isinstance(values, list)}
        query = query or {str(k): [str(v)] for k, v in _dict(event.get("queryStringParameters")).items()}
    else:
        return None
    headers = {str(name).lower(): str(value) for name, value in _dict(event.get("headers")).items()}
    body, base64_body = _text(event.get("body")), event.get("isBase64Encoded") is True
    return HttpRequest(method.upper(), path or "/", query, headers, body, base64_body)


def _parsed_query(text: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(text, keep_blank_values=True) if text else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: object) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def dispatch(request: HttpRequest, predictor: Predictor) -> tuple[int, dict[str, Any]]:
    route = _route_of(request.path)
    if route is None:
        raise NotFound("no such route: use POST or GET /predict or /explain, or GET /ping")
    if request.method not in ROUTE_METHODS[route]:
        allowed = " or ".join(ROUTE_METHODS[route])
        raise MethodNotAllowed(f"{request.method} is not allowed here; use {allowed}")
    if route == "/ping":
        return predictor.health()
    if route == "/explain":
        if request.method == "GET":
            return 200, predictor.explain_query(request.query)
        return 200, predictor.explain(_body_bytes(request), request.headers.get("content-type"))
    if request.method == "GET":
        return 200, predictor.predict_query(request.query)
    return 200, predictor.predict(_body_bytes(request), request.headers.get("content-type"))


@lru_cache(maxsize=256)  # bounded: a path is the client's to choose
def _route_of(path: str) -> str | None:
    return next((route for route in ROUTE_METHODS if path.endswith(route)), None)


def _body_bytes(request: HttpRequest) -> bytes:
    if not request.base64_body:
        return request.raw_body.encode("utf-8", "surrogatepass")
    import base64  # only a base64 body needs it: not imported by every cold start

    try:
        return base64.b64decode(request.raw_body, validate=True)
    except ValueError as exc:  # binascii.Error, or ValueError for a body that is not ASCII
        message = "the body is marked as base64 but is not valid base64"
        raise InvalidInput(message, code="malformed_body", field="body") from exc


def _log_request(context: Any, route: str, status: int, body: dict[str, Any], started: float) -> None:
    error = body.get("error", {})
    fields = {"request_id": getattr(context, "aws_request_id", None), "route": route, "status": status,
              "rows": body.get("count", 0), "latency_ms": round((time.perf_counter() - started) * 1000, 3),
              "error_code": error.get("code"), "error_field": error.get("field")}  # fmt: skip
    log_fields(LOGGER, logging.WARNING if status >= 500 else logging.INFO, "request", fields)
