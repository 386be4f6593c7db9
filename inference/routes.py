"""The one route table both adapters serve, and how a request becomes a response.

A ``Route`` is a path template (literal segments and ``{parameter}`` segments), the methods it allows, the
operation that answers it and how it answers an error (its protocol's shape). ``RouteTable.match`` finds the
route of a path and its parameters: the server matches the whole path; the Lambda its last segments (the
longest template first), so that stage and route prefixes such as ``/lambda/x86/predict`` or
``/fargate/v2/models/{name}/infer`` work. ``answer`` runs the operation and turns an ``InferenceError`` into the
route's error response; anything else is the adapter's to log, answered ``INTERNAL_ERROR``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from inference.errors import InferenceError, MethodNotAllowed, NotFound, UnsupportedMediaType
from inference.exchange import (
    INTERNAL_ERROR,
    NO_HEADERS,
    NO_PARAMS,
    Refusal,
    Request,
    Response,
    error_response,
    json_response,
    model_error_response,
    v2_error_response,
)
from inference.lanes import EXPLAIN, PREDICT
from inference.protocols.v2 import documents as v2
from inference.service import Predictor

Operation = Callable[[Predictor, Request], Response]

__all__ = ["INTERNAL_ERROR", "SHARED", "TABLE", "Matched", "Request", "Response", "Route", "RouteTable", "answer",
           "error_response", "json_response"]  # fmt: skip


class Route(NamedTuple):
    path: str
    methods: tuple[str, ...]
    operation: Operation
    refuse: Refusal = error_response
    """How it answers an error: its protocol's error shape."""
    lane: str | None = PREDICT
    """The ``inference.lanes`` lane the HTTP server runs it in; None: answered on the event loop at once (no
    model work, as /ping). The Lambda answers one request at a time and has no lanes."""


class Matched(NamedTuple):
    route: Route
    params: Mapping[str, str]


def answer(route: Route, predictor: Predictor, request: Request) -> Response:
    try:
        return route.operation(predictor, request)
    except InferenceError as error:
        return route.refuse(error, NO_HEADERS)


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


NO_BODY = Response(200, b"", None)
"""The Open Inference Protocol's health answers: the status alone."""


def _v2_live(predictor: Predictor, request: Request) -> Response:
    return NO_BODY


def _v2_ready(predictor: Predictor, request: Request) -> Response:
    predictor.bundle  # noqa: B018  (503 while no model is loaded)
    return NO_BODY


def _v2_model_ready(predictor: Predictor, request: Request) -> Response:
    predictor.v2_model(request.params["name"], request.params.get("version"))
    return NO_BODY


def _v2_server(predictor: Predictor, request: Request) -> Response:
    return json_response(dict(v2.SERVER))


def _v2_metadata(predictor: Predictor, request: Request) -> Response:
    return json_response(predictor.v2_metadata(request.params["name"], request.params.get("version")))


def _v2_infer(predictor: Predictor, request: Request) -> Response:
    if v2.BINARY_HEADER in request.headers:
        raise UnsupportedMediaType("binary tensor data (Triton's extension) is not read: send the tensors as JSON "
                                   "(tritonclient: binary_data=False)", field=v2.BINARY_HEADER)  # fmt: skip
    params, content_type = request.params, request.headers.get("content-type")
    body = predictor.v2_infer(params["name"], params.get("version"), request.body, content_type)
    return json_response(body)._replace(rows=body["outputs"][0]["shape"][0])


class RouteTable:
    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes: dict[str, Route] = {route.path: route for route in routes}
        self._literal = {route.path: route for route in routes if "{" not in route.path}
        self._templates = sorted(((tuple(route.path.split("/")[1:]), route) for route in routes),
                                 key=lambda pair: -len(pair[0]))  # fmt: skip
        self._by_suffix = lru_cache(maxsize=256)(self._suffix_match)  # bounded: a path is the client's to choose

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes.values())

    def extended(self, *routes: Route) -> RouteTable:
        """This table and ``routes`` (the server's own pages)."""
        return RouteTable([*self.routes.values(), *routes])

    def match(self, path: str, *, suffix: bool = False) -> Matched | None:
        """The route of ``path`` and its parameters: the whole path, or (``suffix``) its last segments."""
        if suffix:
            return self._by_suffix(path)
        route = self._literal.get(path)
        if route is not None:
            return Matched(route, NO_PARAMS)
        segments = tuple(path.split("/")[1:]) if path.startswith("/") else ()
        return next((found for found in (_fits(t, r, segments) for t, r in self._templates) if found), None)

    def find(self, path: str, *, suffix: bool = False) -> Route | None:
        """The route of ``path`` (``match`` without the parameters)."""
        matched = self.match(path, suffix=suffix)
        return None if matched is None else matched.route

    def not_found(self, path: str = "") -> Response:
        refuse = v2_error_response if v2.PREFIX in path.split("/") else error_response
        return refuse(NotFound(f"no such route: use {self.listing()}"), NO_HEADERS)

    def not_allowed(self, route: Route, method: str) -> Response:
        error = MethodNotAllowed(f"{method} is not allowed here; use {' or '.join(route.methods)}")
        return route.refuse(error, {"allow": ", ".join(route.methods)})

    def refusal(self, method: str, path: str) -> Response:
        """The 404, or the 405 with ``Allow``, for a request the server's router found no route for."""
        route = self.find(path)
        return self.not_found(path) if route is None else self.not_allowed(route, method)

    def listing(self) -> str:
        """The operations, for a 404's hint: ``GET or POST /predict, ...``; the v2 protocol's by its prefix."""
        listed = [f"{' or '.join(route.methods)} {route.path}" for route in SHARED if not route.path.startswith("/v2")]
        return ", ".join(listed) + f", and the Open Inference Protocol under /{v2.PREFIX}"

    def _suffix_match(self, path: str) -> Matched | None:
        segments = tuple(path.split("/")[1:]) if path.startswith("/") else ()
        for template, route in self._templates:
            if len(segments) >= len(template):
                found = _fits(template, route, segments[len(segments) - len(template) :])
                if found:
                    return found
        return None


def _fits(template: tuple[str, ...], route: Route, segments: tuple[str, ...]) -> Matched | None:
    """``route`` with its parameters when ``segments`` fit ``template``: literal segments equal, every
    parameter segment not empty."""
    if len(template) != len(segments):
        return None
    params = {}
    for pattern, segment in zip(template, segments, strict=True):
        if pattern.startswith("{") and pattern.endswith("}"):
            if not segment:
                return None
            params[pattern[1:-1]] = segment
        elif pattern != segment:
            return None
    return Matched(route, params or NO_PARAMS)


SHARED = (
    Route("/predict", ("GET", "POST"), _predict),
    Route("/explain", ("GET", "POST"), _explain, lane=EXPLAIN),
    Route("/invocations", ("POST",), _invocations),
    Route("/endpoints/{name}/invocations", ("POST",), _invocations, refuse=model_error_response),
    Route("/ping", ("GET",), _ping, lane=None),
    *(Route(f"/{v2.PREFIX}{path}", methods, operation, refuse=v2_error_response, lane=lane)
      for path, methods, operation, lane in (
        ("", ("GET",), _v2_server, None),
        ("/health/live", ("GET",), _v2_live, None),
        ("/health/ready", ("GET",), _v2_ready, None),
        ("/models/{name}", ("GET",), _v2_metadata, None),
        ("/models/{name}/versions/{version}", ("GET",), _v2_metadata, None),
        ("/models/{name}/ready", ("GET",), _v2_model_ready, None),
        ("/models/{name}/versions/{version}/ready", ("GET",), _v2_model_ready, None),
        ("/models/{name}/infer", ("POST",), _v2_infer, PREDICT),
        ("/models/{name}/versions/{version}/infer", ("POST",), _v2_infer, PREDICT),
    )),
)  # fmt: skip
"""Every backend's routes."""
TABLE = RouteTable(SHARED)
