"""What adapters and operations exchange: the ``Request`` an adapter makes of an HTTP request or an event, the
``Response`` it writes back, and the error shapes of each protocol (ours, SageMaker Runtime's, the v2 protocol's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

from inference.errors import InferenceError
from inference.protocols.formats.application_json import MEDIA_TYPE as JSON
from inference.protocols.formats.application_json import write_document
from inference.protocols.sagemaker.runtime_errors import ERROR_TYPE_HEADER, MODEL_ERROR_STATUS, model_error_body
from inference.protocols.v2 import documents as v2

NO_HEADERS: Mapping[str, str] = MappingProxyType({})
NO_PARAMS: Mapping[str, str] = MappingProxyType({})


class Request(NamedTuple):
    method: str
    path: str
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    """Lower-case names."""
    body: bytes
    params: Mapping[str, str] = NO_PARAMS
    """The path's parameters (``{name}`` of ``/v2/models/{name}/infer``)."""


class Response(NamedTuple):
    status: int
    body: str | bytes
    """JSON answers as text (the Lambda sends text; the server encodes it), other formats as bytes."""
    content_type: str | None = JSON
    headers: Mapping[str, str] = NO_HEADERS
    rows: int = 0
    error_code: str | None = None
    error_field: str | None = None
    predictions: Sequence[Any] | None = None
    """The answered predictions as ``/predict`` writes them (values in the schema's unit, or ``{"label", ...}``
    rows), for the metrics' summary of what the model answered; None where a route answers none."""


Refusal = Callable[[InferenceError, Mapping[str, str]], Response]
"""How a route answers an error (with extra headers): its protocol's error shape."""


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    text = write_document(body)
    if status < 400:
        return Response(status, text, JSON, NO_HEADERS, body.get("count", 0), None, None, body.get("predictions"))
    error = body.get("error") or {}
    return Response(status, text, JSON, NO_HEADERS, 0, error.get("code"), error.get("field"))


def error_response(error: InferenceError, headers: Mapping[str, str] = NO_HEADERS) -> Response:
    """Our APIs' errors: the status and ``{"error": {"code", "message", "field"?, "row"?}}``."""
    return json_response(error.to_body(), error.status)._replace(headers=_headers_of(error, headers))


def _headers_of(error: InferenceError, headers: Mapping[str, str]) -> Mapping[str, str]:
    """The error's own headers (``Retry-After``...) and ``headers``."""
    own = error.headers
    return {**own, **headers} if own else headers


def model_error_response(error: InferenceError, headers: Mapping[str, str] = NO_HEADERS) -> Response:
    """SageMaker Runtime's answer to a container's error: 424 ``ModelError`` carrying our status and body."""
    original = write_document(error.to_body())
    all_headers = {**_headers_of(error, headers), ERROR_TYPE_HEADER: "ModelError"}
    body = write_document(model_error_body(error.status, original))
    return Response(MODEL_ERROR_STATUS, body, JSON, all_headers, 0, error.code, error.field)


def v2_error_response(error: InferenceError, headers: Mapping[str, str] = NO_HEADERS) -> Response:
    """The Open Inference Protocol's errors: the status and ``{"error": "<message>"}``."""
    text = write_document(v2.error_body(error))
    return Response(error.status, text, JSON, _headers_of(error, headers), 0, error.code, error.field)


INTERNAL_ERROR = json_response({"error": {"code": "internal_error", "message": "internal error"}}, 500)
"""The answer to anything unexpected: no internals (the adapter logs the traceback)."""
