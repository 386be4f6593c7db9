"""The request bodies of SageMaker's built-in XGBoost container, decoded into the loaded schema's matrix.

``/invocations`` takes what the container takes, numbers only (a categorical feature by its code, the
index in the schema's ``categories`` that the model was trained on), one row per line, blank lines ignored:
- ``text/csv``: the schema's features in order, comma-separated, no header, no label; an empty field or
  ``nan`` is a missing value.
- ``text/libsvm`` (``text/x-libsvm``): ``index:value`` pairs, 0-based indices below the feature count, each
  index at most once; an absent index is a missing value. A leading label (a number without ``:``, as in
  training files) is ignored, as the container ignores it.
- ``application/jsonlines`` (ours; the container has none): a JSON array of the row's values, or SageMaker's
  common ``{"features": [...]}``, per line; ``null`` is a missing value.
Every value is then checked against the schema: missing only where allowed, codes whole numbers in
0..k-1, numbers finite and inside their range. Every refusal is an ``InvalidInput`` naming feature and row.
"""

from __future__ import annotations

import io
import json
import math
import re
from typing import Any

import numpy as np

from inference.errors import InvalidInput
from inference.model.columns import Columns, check_row_count, echoed
from inference.model.schema import MAX_ROWS

FIELD = "body"
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)", re.IGNORECASE | re.ASCII)
_INDEX = re.compile(r"\d+", re.ASCII)  # ASCII digits only: int() and float() also read other scripts' digits
_MAX_INDEX_DIGITS = 9  # int() of a longer digit string is slow, or refused past 4300 digits


def decode_csv(text: str, columns: Columns) -> list[list[float]]:
    rows = []
    for row, line in enumerate(data_lines(text)):
        cells = line.split(",")
        columns.check_length(cells, row, FIELD)
        rows.append([_number(cell, row, columns.names[column]) for column, cell in enumerate(cells)])
    return rows


def decode_libsvm(text: str, columns: Columns) -> list[list[float]]:
    return [_libsvm_row(line.split(), row, columns) for row, line in enumerate(data_lines(text))]


def decode_jsonlines(text: str, columns: Columns) -> list[list[float]]:
    rows = []
    for row, line in enumerate(data_lines(text)):
        values = _json_line(line, row)
        if isinstance(values, dict) and list(values) == ["features"]:
            values = values["features"]
        if not isinstance(values, list):
            raise InvalidInput(f'line {row} must be a JSON array of {len(columns.names)} values or {{"features": '
                               "[...]}", code="malformed_json", field=FIELD, row=row)  # fmt: skip
        columns.check_length(values, row, FIELD)
        rows.append([_json_number(value, row, columns.names[column]) for column, value in enumerate(values)])
    return rows


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


def checked_matrix(rows: list[list[float]], columns: Columns) -> np.ndarray:
    """The float32 matrix of decoded rows: missing only where allowed, category codes 0..k-1, ranges kept."""
    matrix = np.array(rows, dtype=np.float64)
    absent = np.isnan(matrix) & ~columns.may_miss
    if absent.any():
        row, column = (int(i) for i in np.argwhere(absent)[0])
        name = columns.names[column]
        raise InvalidInput(f"{name} (column {column}) is missing in row {row}; it needs a value",
                           code="missing_feature", field=name, row=row)  # fmt: skip
    for column, feature in enumerate(columns.features):
        if feature.categories is not None:
            _check_codes(matrix[:, column], column, columns)
    return columns.matrix(rows)


def _check_codes(codes: np.ndarray, column: int, columns: Columns) -> None:
    categories = columns.features[column].categories or ()
    bad = ~np.isnan(codes) & ((codes != np.floor(codes)) | (codes < 0) | (codes >= len(categories)))
    if bad.any():
        row = int(np.argmax(bad))
        name = columns.names[column]
        listing = ", ".join(f"{code}={category}" for code, category in enumerate(categories[:6]))
        more = ", ..." if len(categories) > 6 else ""
        raise InvalidInput(f"{name} takes a category code from 0 to {len(categories) - 1} ({listing}{more}), got "
                           f"{codes[row]:g}", code="unknown_category", field=name, row=row)  # fmt: skip


def _number(text: str, row: int, name: str) -> float:
    stripped = text.strip()
    if not stripped:
        return math.nan
    if _NUMBER.fullmatch(stripped):
        return float(stripped)
    raise InvalidInput(f"{name} must be a number, got {echoed(stripped, 40)!r}", code="not_a_number", field=name,
                       row=row)  # fmt: skip


def _libsvm_row(tokens: list[str], row: int, columns: Columns) -> list[float]:
    if tokens and ":" not in tokens[0] and _NUMBER.fullmatch(tokens[0]):
        tokens = tokens[1:]  # the label column of a training file
    values = [math.nan] * len(columns.names)
    given: set[int] = set()
    for token in tokens:
        index_text, colon, value_text = token.partition(":")
        if not colon or not _INDEX.fullmatch(index_text) or not value_text:
            raise InvalidInput(f"{echoed(token, 40)!r} in row {row} is not index:value", code="malformed_libsvm",
                               field=FIELD, row=row)  # fmt: skip
        index = int(index_text) if len(index_text) <= _MAX_INDEX_DIGITS else len(values)
        if index >= len(values):
            raise InvalidInput(f"index {echoed(index_text, 20)} in row {row} is not a feature: indices are 0-based, "
                               f"0 to {len(values) - 1}", code="unknown_feature", field=FIELD, row=row)  # fmt: skip
        name = columns.names[index]
        if index in given:
            raise InvalidInput(f"index {index} ({name}) appears twice in row {row}", code="duplicate_feature",
                               field=name, row=row)  # fmt: skip
        given.add(index)
        values[index] = _number(value_text, row, name)
    return values


def _json_line(line: str, row: int) -> Any:
    try:
        return json.loads(line, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except InvalidInput as error:
        error.row = row
        raise
    except (ValueError, RecursionError) as error:
        raise InvalidInput(f"line {row} is not valid JSON: {error}", code="malformed_json", field=FIELD,
                           row=row) from None  # fmt: skip


def _refuse_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not JSON; send null for a missing value", code="malformed_json", field=FIELD)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise InvalidInput("a JSON object repeats a key", code="duplicate_field", field=FIELD)
    return document


def _json_number(value: object, row: int, name: str) -> float:
    if value is None:
        return math.nan
    if type(value) is float:
        return value
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:
            return math.inf  # refused as not finite
    got = "a string (categorical features take their code)" if type(value) is str else type(value).__name__
    raise InvalidInput(f"{name} must be a number or null, got {got}", code="not_a_number", field=name, row=row)
