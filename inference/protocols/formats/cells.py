"""Reading the line-per-row bodies of SageMaker's conventions (CSV, libsvm, JSON lines), value by value.

Numbers, as the container takes them (a categorical feature by its code, the index in the schema's
``categories``, or by its name: ``Columns.coded_text``), one row per line, blank lines ignored; then every value
is checked against the schema: missing only where allowed, codes whole numbers in 0..k-1, numbers finite and
inside their range. Every refusal is an ``InvalidInput`` naming the feature and the row.
"""

from __future__ import annotations

import io
import re

import numpy as np

from inference.errors import InvalidInput
from inference.model.columns import Columns
from inference.protocols.limits import MAX_ROWS, check_row_count

FIELD = "body"
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)", re.IGNORECASE | re.ASCII)


def data_lines(text: str) -> list[str]:
    """The body's non-blank lines (``\\n`` or ``\\r\\n``); a 400 for none, a 413 past ``MAX_ROWS``."""
    lines = []
    for line in io.StringIO(text, newline="\n"):  # lazily: a body of blank lines is never split whole
        if line.strip():
            lines.append(line.rstrip("\n").rstrip("\r"))
            if len(lines) > MAX_ROWS:
                check_row_count(MAX_ROWS + 1, FIELD)
    check_row_count(len(lines), FIELD)
    return lines


def checked_matrix(rows: list[list[float]] | np.ndarray, columns: Columns) -> np.ndarray:
    """The float32 matrix of decoded rows: missing only where allowed, category codes 0..k-1, ranges kept."""
    matrix = np.asarray(rows, dtype=np.float64)
    absent = np.isnan(matrix) & ~columns.may_miss
    if absent.any():
        row, column = (int(i) for i in np.argwhere(absent)[0])
        name = columns.names[column]
        raise InvalidInput(f"{name} (column {column}) is missing in row {row}; it needs a value",
                           code="missing_feature", field=name, row=row)  # fmt: skip
    check_codes(matrix, columns)
    return columns.checked(matrix)


def check_codes(matrix: np.ndarray, columns: Columns) -> None:
    """Every categorical feature's values are codes 0..k-1 (or NaN): a 400 naming the first that is not. Where the
    columns read unknown categories as ``unseen`` (the monitor's reading), such a value becomes ``unseen`` instead."""
    for column, feature in enumerate(columns.features):
        if feature.categories is None:
            continue
        codes = matrix[:, column]
        bad = ~np.isnan(codes) & ((codes != np.floor(codes)) | (codes < 0) | (codes >= len(feature.categories)))
        if columns.unseen is not None:
            codes[bad] = columns.unseen
        else:
            _refuse_codes(codes, bad, column, columns)


def _refuse_codes(codes: np.ndarray, bad: np.ndarray, column: int, columns: Columns) -> None:
    categories = columns.features[column].categories or ()
    if bad.any():
        row = int(np.argmax(bad))
        name = columns.names[column]
        listing = ", ".join(f"{code}={category}" for code, category in enumerate(categories[:6]))
        more = ", ..." if len(categories) > 6 else ""
        raise InvalidInput(f"{name} takes a category code from 0 to {len(categories) - 1} ({listing}{more}), got "
                           f"{codes[row]:g}", code="unknown_category", field=name, row=row)  # fmt: skip
