"""Typed errors. Adapters map ``status`` to the HTTP status and ``to_body()`` to the JSON body."""

from __future__ import annotations

import json
from typing import Any


class InferenceError(Exception):
    """Base class: every error a client can cause, or a missing model, is one of these."""

    status = 500
    default_code = "internal_error"

    def __init__(
        self, message: str, *, code: str | None = None, field: str | None = None, row: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.row = row

    @property
    def headers(self) -> dict[str, str]:
        """Headers the answer carries besides the body (lower-case names)."""
        return {}

    def to_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        if self.row is not None:
            error["row"] = self.row
        return {"error": error}


class InvalidInput(InferenceError):
    status = 400
    default_code = "invalid_input"


class PayloadTooLarge(InferenceError):
    status = 413
    default_code = "payload_too_large"


class UnsupportedMediaType(InferenceError):
    status = 415
    default_code = "unsupported_media_type"


class NotFound(InferenceError):
    status = 404
    default_code = "not_found"


class MethodNotAllowed(InferenceError):
    status = 405
    default_code = "method_not_allowed"


class RequestTimeout(InferenceError):
    status = 408
    default_code = "request_timeout"


class ModelUnavailable(InferenceError):
    """The model is not loaded (missing, unreadable or refused). Answered with 503, never a guess."""

    status = 503
    default_code = "model_unavailable"


class Overloaded(InferenceError):
    """As much work of this kind as the server takes on is already running or waiting: answered 503 at once,
    with ``Retry-After`` (seconds), rather than left to stall the server's other requests."""

    status = 503
    default_code = "overloaded"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"retry-after": str(self.retry_after)}


class ModelFormatError(Exception):
    """A model artifact that must not or cannot be loaded (pickle, legacy binary, wrong shape...)."""


def echoed(name: object, limit: int = 64) -> str:
    """A client-supplied name made safe to echo in an error: valid UTF-8 (lone surrogates escaped), bounded."""
    text = str(name).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "..."


def json_refusal(error: Exception) -> str:
    """Why ``json.loads`` refused a text, in words about the text, never Python's own ("maximum recursion depth
    exceeded", "use sys.set_int_max_str_digits()")."""
    if isinstance(error, RecursionError):
        return "arrays or objects nest too deeply"
    if isinstance(error, json.JSONDecodeError):  # its msg names the JSON syntax that is wrong ("Expecting value")
        return f"{error.msg} at line {error.lineno}, column {error.colno}"
    if isinstance(error, UnicodeDecodeError):
        return f"it is not UTF-8 text (byte {error.start})"
    if "integer string conversion" in str(error):
        return "a number has more than 4300 digits"
    return "it is not JSON"
