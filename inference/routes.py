"""The one route table both adapters serve, and how a request becomes a response.

A ``Route`` is a path, the methods it allows and the operation that answers it. ``RouteTable.match`` finds the
route of a request or the 404/405 response that refuses it (the Lambda adapter matches the path's last
segment, so stage and route prefixes such as ``/lambda/x86/predict`` work; the server the exact path);
``answer`` runs the operation and turns an ``InferenceError`` into its status and JSON body. Anything else is
the adapter's to log, answered ``INTERNAL_ERROR``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from inference.errors import InferenceError, MethodNotAllowed, NotFound
from inference.lanes import EXPLAIN, PREDICT
from inference.protocols.formats.application_json import MEDIA_TYPE as JSON
from inference.protocols.formats.application_json import write_document
from inference.service import Predictor

NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class Request(NamedTuple):
    method: str
    path: str
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    """Lower-case names."""
    body: bytes


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


Operation = Callable[[Predictor, Request], Response]


class Route(NamedTuple):
    path: str
    methods: tuple[str, ...]
    operation: Operation
    lane: str | None = PREDICT
    """The ``inference.lanes`` lane the HTTP server runs it in; None: answered on the event loop at once (no
    model work, as /ping). The Lambda answers one request at a time and has no lanes."""


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    text = write_document(body)
    if status < 400:
        return Response(status, text, JSON, NO_HEADERS, body.get("count", 0), None, None, body.get("predictions"))
    error = body.get("error") or {}
    return Response(status, text, JSON, NO_HEADERS, 0, error.get("code"), error.get("field"))


def error_response(error: InferenceError, headers: Mapping[str, str] = NO_HEADERS) -> Response:
    """The error's status and JSON body, with its own headers (``Retry-After``...) and ``headers``."""
    own = error.headers
    return json_response(error.to_body(), error.status)._replace(headers={**own, **headers} if own else headers)


INTERNAL_ERROR = json_response({"error": {"code": "internal_error", "message": "internal error"}}, 500)
"""The answer to anything unexpected: no internals (the adapter logs the traceback)."""


def answer(route: Route, predictor: Predictor, request: Request) -> Response:
    try:
        return route.operation(predictor, request)
    except InferenceError as error:
        return error_response(error)


def _predict(predictor: Predictor, request: Request) -> Response:
    if request.method == "GET":
        return json_response(predictor.predict_query(request.query))
    return json_response(predictor.predict(request.body, request.headers.get("content-type")))


def _explain(predictor: Predictor, request: Request) -> Response:
    if request.method == "GET":
        response = json_response(predictor.explain_query(request.query))
    else:
        response = json_response(predictor.explain(request.body, request.headers.get("content-type")))
    return response._replace(predictions=None)  # explanations, not predictions


def _invocations(predictor: Predictor, request: Request) -> Response:
    invocation = predictor.invoke(request.body, request.headers, request.query)
    predicted = None if invocation.predicted is None else predictor.answers(np.asarray(invocation.predicted))
    return Response(invocation.status, invocation.body, invocation.content_type, rows=invocation.rows,
                    predictions=predicted)  # fmt: skip


def _ping(predictor: Predictor, request: Request) -> Response:
    status, body = predictor.health()
    return json_response(body, status)


class RouteTable:
    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes: dict[str, Route] = {route.path: route for route in routes}
        self._by_suffix = lru_cache(maxsize=256)(self._suffix_match)  # bounded: a path is the client's to choose

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes.values())

    def extended(self, *routes: Route) -> RouteTable:
        """This table and ``routes`` (the server's own pages)."""
        return RouteTable([*self.routes.values(), *routes])

    def find(self, path: str, *, suffix: bool = False) -> Route | None:
        """The route of ``path``: exactly, or (``suffix``) the route its last segment names."""
        return self._by_suffix(path) if suffix else self.routes.get(path)

    def not_found(self) -> Response:
        return error_response(NotFound(f"no such route: use {self.listing()}"))

    def not_allowed(self, route: Route, method: str) -> Response:
        error = MethodNotAllowed(f"{method} is not allowed here; use {' or '.join(route.methods)}")
        return error_response(error, {"allow": ", ".join(route.methods)})

    def refusal(self, method: str, path: str) -> Response:
        """The 404, or the 405 with ``Allow``, for a request the server's router found no route for."""
        route = self.find(path)
        return self.not_found() if route is None else self.not_allowed(route, method)

    def listing(self) -> str:
        """The operations, for a 404's hint: ``GET or POST /predict, ...``."""
        return ", ".join(f"{' or '.join(route.methods)} {route.path}" for route in SHARED)

    def _suffix_match(self, path: str) -> Route | None:
        return next((route for route in self.routes.values() if path.endswith(route.path)), None)


SHARED = (
    Route("/predict", ("GET", "POST"), _predict),
    Route("/explain", ("GET", "POST"), _explain, EXPLAIN),
    Route("/invocations", ("POST",), _invocations),
    Route("/ping", ("GET",), _ping, None),
)
"""Every backend's routes."""
TABLE = RouteTable(SHARED)
