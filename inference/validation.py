"""Turn decoded values into a float32 matrix in schema order, or a typed error naming the field and row."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from inference.errors import InvalidInput, PayloadTooLarge
from inference.schema import FEATURE_NAMES, FEATURES, MAX_ROWS

_MINIMA = np.array([f.minimum for f in FEATURES])
_MAXIMA = np.array([f.maximum for f in FEATURES])
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*|\s*[+-]?(nan|inf|infinity)\s*", re.IGNORECASE)


def echoed(name: object, limit: int = 64) -> str:
    """A client-supplied name made safe to echo in an error: valid UTF-8 (lone surrogates escaped), bounded."""
    text = str(name).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "..."


def check_row_count(count: int, field: str) -> None:
    if count == 0:
        raise InvalidInput("the batch is empty: send at least one row", code="empty_batch", field=field)
    if count > MAX_ROWS:
        raise PayloadTooLarge(
            f"{count} rows is more than the limit of {MAX_ROWS} per request; split the batch",
            code="too_many_rows",
            field=field,
        )


def json_number(value: object, row: int, column: int) -> float:
    """A JSON value that must be a number (not a string, bool or null)."""
    if type(value) is float:
        return value
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:
            return math.inf
    name = FEATURE_NAMES[column]
    raise InvalidInput(
        f"{name} must be a number, got {type(value).__name__ if value is not None else 'null'}",
        code="not_a_number",
        field=name,
        row=row,
    )


def text_number(text: str, row: int, column: int) -> float:
    """A value written as text (CSV cell, query parameter)."""
    if _NUMBER.fullmatch(text) is None:
        name = FEATURE_NAMES[column]
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise InvalidInput(f"{name} must be a number, got {shown!r}", code="not_a_number", field=name, row=row)
    return float(text)


def check_length(values: Sequence[object], row: int, field: str) -> None:
    if len(values) != len(FEATURES):
        raise InvalidInput(
            f"row {row} has {len(values)} values; expected {len(FEATURES)} in this order: {', '.join(FEATURE_NAMES)}",
            code="wrong_row_length",
            field=field,
            row=row,
        )


def to_matrix(rows: list[list[float]]) -> np.ndarray:
    """Stack rows and check every value is finite and inside its feature's schema range."""
    matrix = np.array(rows, dtype=np.float64)
    bad = ~np.isfinite(matrix) | (matrix < _MINIMA) | (matrix > _MAXIMA)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        _raise_bad_value(matrix[row, column], row, column)
    return matrix.astype(np.float32)


def _raise_bad_value(value: float, row: int, column: int) -> None:
    feature = FEATURES[column]
    if not math.isfinite(value):
        raise InvalidInput(f"{feature.name} must be a finite number, got {value}", code="not_finite",
                           field=feature.name, row=row)  # fmt: skip
    raise InvalidInput(
        f"{feature.name} must be between {feature.minimum:g} and {feature.maximum:g} ({feature.unit}), got {value:g}",
        code="out_of_range",
        field=feature.name,
        row=row,
    )
