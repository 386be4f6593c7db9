"""HTTP adapter over ``inference`` for ECS Fargate: the route table served by Starlette, plus the page.

Each worker process loads the model once, when uvicorn calls ``create_app``. An endpoint reads the body
(bounded in size and time), answers the ``inference.routes.Request`` through the route table and writes the
response; the router's 404 and 405 are the table's. The server adds its own routes to the table: the
OpenAPI document and the page.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.requests import Request as HttpRequest
from starlette.responses import Response as HttpResponse
from starlette.routing import Route as StarletteRoute

from fargate_image.openapi import openapi_document
from fargate_image.page import NO_REPORT, PAGE_ASSETS, PAGE_SECURITY_HEADERS, REPORT_PATH, REPORT_SECURITY_HEADERS
from inference import InferenceError, Predictor
from inference.capture import Capture
from inference.errors import RequestTimeout
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
    error_response,
)
from inference.settings import Settings

LOGGER = logging.getLogger("inference.http_server")


def create_app(
    predictor: Predictor | None = None, settings: Settings | None = None, capture: Capture | None = None
) -> Starlette:
    """The ASGI app; without a predictor, loads one from the environment (``MODEL_URI``...), and captures
    requests as the environment says unless given ``capture``."""
    settings = settings or Settings.from_environ()
    model = predictor if predictor is not None else Predictor.from_settings(settings)
    capture = capture if capture is not None else Capture.from_settings(settings, "server")
    table = server_table(settings.monitor_report)
    timeout = settings.request_timeout_seconds

    def endpoint(route: Route) -> Any:
        async def respond(request: HttpRequest) -> HttpResponse:
            if request.scope["path"] != route.path:  # Starlette's "^/$" also matches "/\n" (a client's "/%0A")
                return http_response(table.not_found())
            try:
                body = await read_body(request, timeout) if request.method == "POST" else b""
                query: dict[str, list[str]] = {}
                for name, value in request.query_params.multi_items():
                    query.setdefault(name, []).append(value)
                asked = Request(request.method, route.path, query, request.headers, body)
                response = answer(route, model, asked)
                if capture is not None:
                    response = capture.record(route.path, asked, response, model_version=model.model_version)
            except InferenceError as error:
                response = error_response(error)
            except ClientDisconnect:
                return HttpResponse(status_code=400)  # nobody is left to read it
            except Exception:
                LOGGER.exception("unexpected error", extra={"route": route.path, "method": request.method})
                response = INTERNAL_ERROR
            return http_response(response)

        return respond

    async def refused(request: HttpRequest, exc: Exception) -> HttpResponse:
        """The router's 404 and 405, as the table answers them."""
        return http_response(table.refusal(request.method, request.scope["path"]))

    routes = [
        StarletteRoute(route.path, endpoint(route), methods=list(route.methods)) for route in table.routes.values()
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: refused})
    app.router.redirect_slashes = False  # a redirect would name the Host the client sent; answer 404 like the Lambda
    return app


def server_table(report: str | None = None) -> RouteTable:
    """Every backend's routes, the OpenAPI document of the loaded schema, the page, and ``report``: the latest
    monitoring report, read at each request (``make monitor`` rewrites it), or a page that says where it is."""
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

    return TABLE.extended(
        Route("/openapi.json", ("GET",), openapi),
        *(Route(path, ("GET",), page) for path in PAGE_ASSETS),
        Route(REPORT_PATH, ("GET",), monitoring_report),
    )


def http_response(response: Response) -> HttpResponse:
    if response.status >= 500:
        LOGGER.warning("request failed", extra={"status": response.status, "error_code": response.error_code})
    return HttpResponse(response.body, response.status, dict(response.headers), response.content_type)


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
