"""HTTP adapter over ``inference.Predictor`` for ECS Fargate: the Lambda's API plus SageMaker-style routes.

Each worker process loads the model once, when uvicorn calls ``create_app``. Handlers are async and predict
inline (a prediction takes well under a millisecond: a threadpool hop would cost more than it saves).
Every error a client can cause is answered with ``InferenceError.to_body()`` and its status.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fargate_image.openapi import openapi_document
from fargate_image.page import PAGE_ASSETS, PAGE_SECURITY_HEADERS
from fargate_image.protocol import REQUEST_TIMEOUT_SECONDS
from inference import InferenceError, MethodNotAllowed, NotFound, Predictor
from inference.errors import RequestTimeout
from inference.model.schema import MAX_BODY_BYTES, Schema
from inference.protocols.api.instances import body_too_large

LOGGER = logging.getLogger("inference.http_server")
ROUTE_METHODS: dict[str, tuple[str, ...]] = {
    "/predict": ("GET", "POST"), "/explain": ("GET", "POST"), "/invocations": ("POST",), "/ping": ("GET",),
    "/openapi.json": ("GET",),
    **dict.fromkeys(PAGE_ASSETS, ("GET",)),
}  # fmt: skip
Endpoint = Callable[[Request], Awaitable[Response]]


def create_app(predictor: Predictor | None = None) -> Starlette:
    """The ASGI app; without a predictor, loads one from the environment (``MODEL_URI``...)."""
    model = predictor if predictor is not None else Predictor.from_env()
    documents: dict[int, dict[str, Any]] = {}

    def spec_of(schema: Schema) -> dict[str, Any]:
        """The OpenAPI document of the schema loaded now (a model loaded later may bring another)."""
        if id(schema) not in documents:
            documents.clear()
            documents[id(schema)] = openapi_document(schema)
        return documents[id(schema)]

    async def predict(request: Request) -> Response:
        if request.method == "POST":
            body = await read_body(request)
            return JSONResponse(model.predict(body, request.headers.get("content-type")))
        return JSONResponse(model.predict_query(_query(request)))

    async def explain(request: Request) -> Response:
        if request.method == "POST":
            body = await read_body(request)
            return JSONResponse(model.explain(body, request.headers.get("content-type")))
        return JSONResponse(model.explain_query(_query(request)))

    async def invocations(request: Request) -> Response:
        answer = model.invoke(await read_body(request), request.headers, _query(request))
        return Response(answer.body, status_code=answer.status, media_type=answer.content_type)

    async def ping(request: Request) -> Response:
        status, body = model.health()
        return JSONResponse(body, status_code=status)

    async def openapi(request: Request) -> Response:
        return JSONResponse(spec_of(model.bundle.schema))

    async def page(request: Request) -> Response:
        media_type, content = PAGE_ASSETS[request.url.path]
        return Response(content, media_type=media_type, headers=PAGE_SECURITY_HEADERS)

    routes = [
        Route("/predict", _answer_errors(predict), methods=["GET", "POST"]),
        Route("/explain", _answer_errors(explain), methods=["GET", "POST"]),
        Route("/invocations", _answer_errors(invocations), methods=["POST"]),
        Route("/ping", _answer_errors(ping), methods=["GET"]),
        Route("/openapi.json", _answer_errors(openapi), methods=["GET"]),
        *(Route(path, page, methods=["GET"]) for path in PAGE_ASSETS),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _routing_error})
    app.router.redirect_slashes = False  # a redirect would name the Host the client sent; answer 404 like the Lambda
    return app


def _query(request: Request) -> dict[str, list[str]]:
    """Each query name with every value given for it, as the decoders take them."""
    params: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        params.setdefault(name, []).append(value)
    return params


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``MAX_BODY_BYTES`` and with 408
    when it has not all arrived within ``REQUEST_TIMEOUT_SECONDS`` (a slow client must not hold a worker)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise body_too_large()
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise body_too_large()
                chunks.append(chunk)
    except TimeoutError as exc:
        message = f"the request body did not arrive within {REQUEST_TIMEOUT_SECONDS:g} s"
        raise RequestTimeout(message, field="body") from exc
    return b"".join(chunks)


def _answer_errors(endpoint: Endpoint) -> Endpoint:
    async def answered(request: Request) -> Response:
        try:
            return await endpoint(request)
        except InferenceError as error:
            return error_response(error)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is left to read it
        except Exception:
            LOGGER.exception("unexpected error", extra={"route": request.url.path, "method": request.method})
            return JSONResponse({"error": {"code": "internal_error", "message": "internal error"}}, status_code=500)

    return answered


def error_response(error: InferenceError, headers: dict[str, str] | None = None) -> JSONResponse:
    if error.status >= 500:
        LOGGER.warning("request failed", extra={"status": error.status, "error_code": error.code})
    return JSONResponse(error.to_body(), status_code=error.status, headers=headers)


async def _routing_error(request: Request, exc: Exception) -> Response:
    """404 and 405 from the router, as the same JSON error bodies the Lambda adapter sends."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    allowed = ROUTE_METHODS.get(request.url.path)
    if status == 405 and allowed:
        error: InferenceError = MethodNotAllowed(f"{request.method} is not allowed here; use {' or '.join(allowed)}")
        return error_response(error, headers={"allow": ", ".join(allowed)})
    if status == 404:
        return error_response(NotFound("no such route: use POST or GET /predict or /explain, or GET /ping"))
    detail: Any = exc.detail if isinstance(exc, HTTPException) else "error"
    return JSONResponse({"error": {"code": "http_error", "message": str(detail)}}, status_code=status)
