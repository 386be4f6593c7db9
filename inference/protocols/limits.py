"""How much one request may carry, and the refusals past it (413)."""

from __future__ import annotations

from inference.errors import InvalidInput, PayloadTooLarge

MAX_ROWS = 1000
"""Most rows one request may carry; more is answered with 413."""
MAX_BODY_BYTES = 1024 * 1024
"""Largest request body accepted (1 MiB); larger is answered with 413."""


def check_row_count(count: int, field: str) -> None:
    if count == 0:
        raise InvalidInput("the batch is empty: send at least one row", code="empty_batch", field=field)
    if count > MAX_ROWS:
        raise PayloadTooLarge(f"{count} rows is more than the limit of {MAX_ROWS} per request; split the batch",
                              code="too_many_rows", field=field)  # fmt: skip


def body_too_large() -> PayloadTooLarge:
    """The 413 for a body over MAX_BODY_BYTES; the HTTP server raises it while streaming, before decoding."""
    return PayloadTooLarge(f"request body is larger than {MAX_BODY_BYTES} bytes", code="body_too_large", field="body")
