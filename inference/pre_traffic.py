"""What the pre-traffic hook asks a new Lambda version, as API Gateway (HTTP API 2.0) events, and what it must
answer: ``/ping`` ready; the model's example through ``/predict``, ``/explain`` and ``/invocations`` (every output
key) answered as ``model.expected.json`` says (``inference.expected``); a malformed row refused with 400 naming
its field. ``check`` returns the misses; an empty list lets the deployment go on."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

from inference.expected import misses

Invoke = Callable[[dict[str, Any]], dict[str, Any]]
"""Sends an event to the version being checked; answers its proxy response (``statusCode``, ``headers``, ``body``)."""
NOT_A_NUMBER = "not a number"


def event(method: str, path: str, body: str = "", headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", **(headers or {})},
        "requestContext": {"http": {"method": method, "path": path}, "requestId": "pre-traffic-hook"},
        "body": base64.b64encode(body.encode()).decode(),
        "isBase64Encoded": True,
    }


def check(invoke: Invoke, expected: dict[str, Any] | None) -> list[str]:
    """Ask, compare, and say what missed (nothing: the version answers as its model must)."""
    found = _expect(invoke, "GET /ping", event("GET", "/ping"), 200, None)
    if expected is None:
        return found + _expect(invoke, "POST /predict {", event("POST", "/predict", "{"), 400, None)
    row, keys = expected["row"], ",".join(expected["output_keys"])
    body = json.dumps({"instances": [row]})
    found += _expect(invoke, "POST /predict", event("POST", "/predict", body), 200, expected["predict"])
    found += _expect(invoke, "POST /explain", event("POST", "/explain", body), 200, expected["explain"])
    invocation = event(
        "POST",
        "/invocations",
        expected["csv"],
        {"content-type": "text/csv", "accept": "application/json", "x-inference-output": keys},
    )
    found += _expect(invoke, "POST /invocations", invocation, 200, expected["invocations"])
    first = next(iter(row))
    malformed = json.dumps({"instances": [{**row, first: NOT_A_NUMBER}]})
    refused = _expect(invoke, "POST /predict (malformed)", event("POST", "/predict", malformed), 400,
                      {"error": {"field": first}})  # fmt: skip
    return found + refused


def _expect(invoke: Invoke, what: str, request: dict[str, Any], status: int, body: dict[str, Any] | None) -> list[str]:
    try:
        response = invoke(request)
    except Exception as error:  # the invocation itself failed: a miss, with why
        return [f"{what}: the invocation failed ({type(error).__name__}: {error})"]
    got = response.get("statusCode")
    if got != status:
        return [f"{what}: expected status {status}, got {got} ({str(response.get('body'))[:200]})"]
    if body is None:
        return []
    try:
        answered = json.loads(response.get("body") or "")
    except ValueError:
        return [f"{what}: the body is not JSON ({str(response.get('body'))[:200]})"]
    return misses(body, answered, what)
