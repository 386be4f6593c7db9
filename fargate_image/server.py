"""HTTP adapter over ``inference`` for ECS Fargate: the route table served by Starlette, plus the page.

Each worker process loads the model once, when uvicorn calls ``create_app``. An endpoint takes a place in its
route's lane (``inference.lanes``: 503 with Retry-After at once when the lane is full), reads the body (bounded
in size and time), answers the ``inference.routes.Request`` through the route table on the lane's threads, off
the event loop, and writes the response; the router's 404 and 405 are the table's. The server adds its own
routes to the table (answered on the event loop): the OpenAPI document and the page.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.requests import Request as HttpRequest
from starlette.responses import Response as HttpResponse
from starlette.routing import Route as StarletteRoute

from fargate_image.metrics import PROMETHEUS_TYPE, ServerMetrics
from fargate_image.openapi import openapi_document
from fargate_image.page import NO_REPORT, PAGE_ASSETS, PAGE_SECURITY_HEADERS, REPORT_PATH, REPORT_SECURITY_HEADERS
from inference import InferenceError, Predictor
from inference.capture import Capture
from inference.errors import RequestTimeout
from inference.lanes import Admission, lanes_for
from inference.model.schema import Schema
from inference.protocols.formats.application_json import write_document
from inference.protocols.limits import MAX_BODY_BYTES, body_too_large
from inference.routes import (
    INTERNAL_ERROR,
    TABLE,
    Request,
    Response,
    Route,
    RouteTable,
    answer,
)
from inference.settings import Settings

LOGGER = logging.getLogger("inference.http_server")
T = TypeVar("T")


def create_app(
    predictor: Predictor | None = None, settings: Settings | None = None, capture: Capture | None = None
) -> Starlette:
    """The ASGI app; without a predictor, loads one from the environment (``MODEL_URI``...), and captures
    requests as the environment says unless given ``capture``."""
    started = time.perf_counter()
    settings = settings or Settings.from_environ()
    model = predictor if predictor is not None else Predictor.from_settings(settings)
    capture = capture if capture is not None else Capture.from_settings(settings, "server")
    metrics = ServerMetrics(settings, model, started=started)
    table = server_table(metrics, settings.monitor_report)
    timeout = settings.request_timeout_seconds
    lanes = lanes_for(settings)

    def endpoint(route: Route) -> Any:
        lane = None if route.lane is None else lanes[route.lane]

        async def respond(request: HttpRequest) -> HttpResponse:
            path = request.scope["path"]
            matched = table.match(path)
            if matched is None or matched.route is not route:  # Starlette's "^/$" also matches "/\n" ("/%0A")
                return http_response(table.not_found(path))
            arrived, model_seconds = time.perf_counter(), 0.0
            try:
                with lane.admit() if lane is not None else nullcontext() as admission:  # a full lane: 503 at once
                    table_request = await read_request(request, route, path, matched.params, timeout)
                    work = partial(timed_answer, route, model, table_request)
                    response, model_seconds = await run(admission, work, table_request)
                if capture is not None:
                    response = capture.record(route.path, table_request, response, model_version=model.model_version)
            except InferenceError as error:  # a full lane, a body too large or too slow
                response = route.refuse(error, {})
            except ClientDisconnect:
                return HttpResponse(status_code=400)  # nobody is left to read it
            except Exception:
                LOGGER.exception("unexpected error", extra={"route": route.path, "method": request.method})
                response = INTERNAL_ERROR
            answered = http_response(response)
            if route.path in MEASURED:
                metrics.observe(route.path, response.status, response.rows, model_seconds,
                                time.perf_counter() - arrived, response.predictions)  # fmt: skip
            return answered

        return respond

    async def refused(request: HttpRequest, exc: Exception) -> HttpResponse:
        """The router's 404 and 405, as the table answers them."""
        response = table.refusal(request.method, request.scope["path"])
        metrics.observe(UNKNOWN_ROUTE if response.status == 404 else request.scope["path"], response.status, 0,
                        0.0, 0.0, None)  # fmt: skip
        return http_response(response)

    routes = [
        StarletteRoute(route.path, endpoint(route), methods=list(route.methods)) for route in table.routes.values()
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: refused})
    app.state.lanes = lanes  # how much model work is running or waiting, by lane
    app.router.redirect_slashes = False  # a redirect would name the Host the client sent; answer 404 like the Lambda
    return app


MEASURED = frozenset(route.path for route in TABLE)
"""The routes every backend counts (``inference.metrics`` leaves ``/ping`` out); not the page or ``/metrics``."""
UNKNOWN_ROUTE = "unknown"


def server_table(metrics: ServerMetrics | None = None, report: str | None = None) -> RouteTable:
    """Every backend's routes, the OpenAPI document of the loaded schema, the page, (with ``metrics``)
    ``GET /metrics`` in Prometheus's text format, and ``report``: the latest monitoring report, read at each
    request (``make monitor`` rewrites it), or a page that says where it is."""
    documents: dict[int, bytes] = {}

    def openapi(predictor: Predictor, request: Request) -> Response:
        schema: Schema = predictor.bundle.schema  # 503 while no model is loaded
        if id(schema) not in documents:  # a model loaded later may bring another schema
            documents.clear()
            documents[id(schema)] = write_document(openapi_document(schema)).encode()
        return Response(200, documents[id(schema)])

    def page(predictor: Predictor, request: Request) -> Response:
        media_type, content = PAGE_ASSETS[request.path]
        return Response(200, content, media_type, PAGE_SECURITY_HEADERS)

    def monitoring_report(predictor: Predictor, request: Request) -> Response:
        path = Path(report) if report else None
        content = path.read_bytes() if path is not None and path.is_file() else NO_REPORT
        return Response(200, content, "text/html; charset=utf-8", REPORT_SECURITY_HEADERS)

    # No model work on these: answered on the event loop (lane None).
    own = [
        Route("/openapi.json", ("GET",), openapi, lane=None),
        *(Route(path, ("GET",), page, lane=None) for path in PAGE_ASSETS),
        Route(REPORT_PATH, ("GET",), monitoring_report, lane=None),
    ]
    if metrics is not None:
        exposition = metrics.prometheus

        def prometheus(predictor: Predictor, request: Request) -> Response:
            return Response(200, exposition.page(), PROMETHEUS_TYPE)

        own.append(Route("/metrics", ("GET",), prometheus, lane=None))
    return TABLE.extended(*own)


def http_response(response: Response) -> HttpResponse:
    if response.status >= 500:
        LOGGER.warning("request failed", extra={"status": response.status, "error_code": response.error_code})
    return HttpResponse(response.body, response.status, dict(response.headers), response.content_type)


def timed_answer(route: Route, model: Predictor, request: Request) -> tuple[Response, float]:
    """``answer``, and the seconds it took (the model latency the metrics report)."""
    before = time.perf_counter()
    response = answer(route, model, request)
    return response, time.perf_counter() - before


async def run(admission: Admission | None, work: Callable[[], T], request: Request) -> T:
    """``work`` on the event loop when its route has no lane, or in its lane (awaited unless done at once)."""
    if admission is None:
        return work()
    future = admission.run(work, body_bytes=len(request.body))
    return future.result() if future.done() else await asyncio.wrap_future(future)


async def read_request(
    request: HttpRequest, route: Route, path: str, params: Mapping[str, str], timeout: float
) -> Request:
    """The route table's request: the body (bounded in size and time), the query (each name's values) and the
    path's parameters."""
    body = await read_body(request, timeout) if request.method == "POST" else b""
    query: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        query.setdefault(name, []).append(value)
    return Request(request.method, path, query, request.headers, body, params)


async def read_body(request: HttpRequest, timeout: float) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``MAX_BODY_BYTES`` and with 408
    when it has not all arrived within ``timeout`` seconds (a slow client must not hold a worker)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise body_too_large()
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise body_too_large()
                chunks.append(chunk)
    except TimeoutError as exc:
        raise RequestTimeout(f"the request body did not arrive within {timeout:g} s", field="body") from exc
    return b"".join(chunks)
