"""AWS Lambda adapter over ``inference``: API Gateway HTTP API (2.0) and REST API (1.0) events, and direct calls.

The model loads once per execution environment, at init. This module only turns an event into an
``inference.routes.Request``, answers it through the route table (matched on the path's last segments, so
stage and route prefixes such as ``/lambda/x86/predict`` or ``/lambda/x86/v2/models/{name}/infer`` work) and
turns the response into the proxy answer.
A direct invocation (a JSON document, not an HTTP event) is answered with the prediction document itself.
"""

from __future__ import annotations

import time

IMPORTED = time.perf_counter()  # before the package's imports: the init this process measures
_clock = time.perf_counter

import logging  # noqa: E402
import sys  # noqa: E402
import urllib.parse  # noqa: E402
from typing import Any  # noqa: E402

from inference import InferenceError, InvalidInput, Predictor  # noqa: E402
from inference.capture import Capture  # noqa: E402
from inference.logs import JsonLogFormatter, log_fields  # noqa: E402
from inference.metrics.emf import write_line  # noqa: E402
from inference.metrics.names import UNMEASURED  # noqa: E402
from inference.metrics.recorder import Recorder  # noqa: E402
from inference.routes import INTERNAL_ERROR, TABLE, Request, Response, answer, error_response  # noqa: E402
from inference.settings import Settings  # noqa: E402


def _configure_logging(level: str) -> logging.Logger:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLogFormatter())
    package_logger = logging.getLogger("inference")  # the Predictor logs here; so does this adapter
    package_logger.handlers[:] = [handler]
    package_logger.setLevel(level)
    package_logger.propagate = False  # the runtime's root handler would print each line twice
    return logging.getLogger("inference.lambda_handler")


SETTINGS = Settings.from_environ()
LOGGER = _configure_logging(SETTINGS.log_level)
PREDICTOR = Predictor.from_settings(SETTINGS)
RECORDER = (Recorder(SETTINGS.backend_name or "local", SETTINGS.metrics_flush_seconds, lambda: PREDICTOR.model_version)
            if SETTINGS.metrics == "emf" else None)  # fmt: skip
"""EMF lines (``inference.metrics``): the requests of the last ``METRICS_FLUSH_SECONDS`` (5), written by the request
that finds them due (Lambda runs nothing between requests, and tells a runtime without extensions nothing before it
stops it: an environment's last, unwritten window is lost with it), and one line per cold start."""


def _write_all(documents: list[dict[str, Any]], write: Any) -> None:
    for document in documents:
        write(document)


if RECORDER is not None:
    write_line(RECORDER.cold_start(PREDICTOR.load_seconds, time.perf_counter() - IMPORTED))


DIRECT = "direct"
"""The route a direct invocation is counted under."""
CAPTURE = Capture.from_settings(SETTINGS, "lambda")
"""Data capture (``inference.capture``), when ``CAPTURE_DESTINATION`` names where records go."""


def handler(event: Any, context: Any) -> dict[str, Any]:
    """The Lambda entry point (``CMD ["handler.handler"]``)."""
    return handle(event, context, PREDICTOR, CAPTURE)


def handle(event: Any, context: Any, predictor: Predictor, capture: Capture | None = None, *,
           recorder: Recorder | None = None, write: Any = write_line) -> dict[str, Any]:  # fmt: skip
    """``capture`` records the request (``inference.capture``); ``recorder`` (default: the process's, when
    ``METRICS=emf``) counts it, and ``write`` writes its documents when they are due."""
    recorder = recorder or RECORDER
    started = _clock()
    model_seconds = 0.0
    route = "unknown"
    try:
        parts = _http_parts(event)
        if parts is None:
            return _direct(event, context, predictor, started, recorder, write)
        method, path, query, headers = parts
        matched = TABLE.match(path, suffix=True)
        if matched is None:
            response = TABLE.not_found(path)
        elif method not in matched.route.methods:
            route, response = matched.route.path, TABLE.not_allowed(matched.route, method)
        else:
            route = matched.route.path
            request = Request(method, path, query, headers, _body(event), matched.params)
            before = _clock()
            response = answer(matched.route, predictor, request)
            model_seconds = _clock() - before
            if capture is not None:
                event_id = getattr(context, "aws_request_id", None)
                response = capture.record(route, request, response, model_version=predictor.model_version,
                                          event_id=event_id)  # fmt: skip
    except InferenceError as error:  # a body marked base64 that is not
        response = error_response(error)
    except Exception:
        LOGGER.exception("unexpected error", extra={"route": route})
        response = INTERNAL_ERROR
    ended = _log_request(context, route, response, started)
    if recorder is not None and route not in UNMEASURED:
        measured = (route, response.status, response.rows, model_seconds, ended - started, response.predictions)
        if recorder.record(measured, ended):  # a tuple kept: the warm answer is tens of microseconds
            _write_all(recorder.drain(), write)
    text = response.body if isinstance(response.body, str) else response.body.decode("utf-8")
    return {"statusCode": response.status, "headers": _headers(response), "body": text, "isBase64Encoded": False}


def _direct(event: Any, context: Any, predictor: Predictor, started: float, recorder: Recorder | None,
            write: Any) -> dict[str, Any]:  # fmt: skip
    """A direct invocation: the JSON document in, the answer document (or its error) out."""
    model_seconds = 0.0
    try:
        body = predictor.predict_payload(event)
        model_seconds = time.perf_counter() - started
        response = Response(200, b"", rows=body.get("count", 0), predictions=body.get("predictions"))
    except InferenceError as error:
        body = error.to_body()
        response = error_response(error)
    except Exception:
        LOGGER.exception("unexpected error", extra={"route": DIRECT})
        body, response = {"error": {"code": "internal_error", "message": "internal error"}}, INTERNAL_ERROR
    ended = _log_request(context, "direct", response, started)
    measured = (DIRECT, response.status, response.rows, model_seconds, ended - started, response.predictions)
    if recorder is not None and recorder.record(measured, ended):
        _write_all(recorder.drain(), write)
    return body


def _http_parts(event: Any) -> tuple[str, str, dict[str, list[str]], dict[str, str]] | None:
    """Method, path, query (each name with its values) and headers (lower-case names) of a proxy event; None
    for a direct invocation. Total over odd input: a field of the wrong type reads as absent (answered 4xx)."""
    if not isinstance(event, dict):
        return None
    http = _dict(event.get("requestContext")).get("http")
    if event.get("version") == "2.0" and isinstance(http, dict):
        method, path = _text(http.get("method")), _text(event.get("rawPath")) or _text(http.get("path"))
        raw_query = _text(event.get("rawQueryString"))
        query = urllib.parse.parse_qs(raw_query, keep_blank_values=True) if raw_query else {}
    elif "httpMethod" in event:
        method, path = _text(event.get("httpMethod")), _text(event.get("path"))
        multi = _dict(event.get("multiValueQueryStringParameters"))
        query = {str(k): [str(v) for v in values] for k, values in multi.items() if isinstance(values, list)}
        query = query or {str(k): [str(v)] for k, v in _dict(event.get("queryStringParameters")).items()}
    else:
        return None
    headers = {str(name).lower(): str(value) for name, value in _dict(event.get("headers")).items()}
    return method.upper(), path or "/", query, headers


def _body(event: dict[str, Any]) -> bytes:
    raw = _text(event.get("body"))
    if event.get("isBase64Encoded") is not True:
        return raw.encode("utf-8", "surrogatepass")
    import base64  # only a base64 body needs it: not imported by every cold start

    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:  # binascii.Error, or ValueError for a body that is not ASCII
        message = "the body is marked as base64 but is not valid base64"
        raise InvalidInput(message, code="malformed_body", field="body") from exc


def _headers(response: Response) -> dict[str, str]:
    headers = {} if response.content_type is None else {"content-type": response.content_type}
    return headers | dict(response.headers) if response.headers else headers


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: object) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _log_request(context: Any, route: str, response: Response, started: float) -> float:
    """One JSON line; answers when it took the request's time (``time.perf_counter()``)."""
    ended = _clock()
    fields = {"request_id": getattr(context, "aws_request_id", None), "route": route, "status": response.status,
              "rows": response.rows, "latency_ms": round((ended - started) * 1000, 3),
              "error_code": response.error_code, "error_field": response.error_field}  # fmt: skip
    log_fields(LOGGER, logging.WARNING if response.status >= 500 else logging.INFO, "request", fields)
    return ended
