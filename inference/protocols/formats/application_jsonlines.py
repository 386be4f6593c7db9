"""``application/jsonlines``: one JSON array of a row's values (or ``{"features": [...]}``) per line.

Read on ``/invocations`` (the container has no jsonlines reader; SageMaker's ``{"features": [...]}`` is the
common shape), a category by its code or its name, ``null`` a missing value; answers are one JSON object per line.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from inference.errors import InvalidInput, json_refusal
from inference.model.columns import Columns
from inference.protocols.formats.cells import FIELD, checked_matrix, data_lines

MEDIA_TYPE = "application/jsonlines"


def read(text: str, columns: Columns) -> np.ndarray:
    rows = []
    for row, line in enumerate(data_lines(text)):
        values = json_line(line, row)
        if isinstance(values, dict) and list(values) == ["features"]:
            values = values["features"]
        if not isinstance(values, list):
            raise InvalidInput(f'line {row} must be a JSON array of {len(columns.names)} values or {{"features": '
                               "[...]}", code="malformed_json", field=FIELD, row=row)  # fmt: skip
        columns.check_length(values, row, FIELD)
        rows.append([columns.coded_json(value, row, column) for column, value in enumerate(values)])
    return checked_matrix(rows, columns)


def write(records: list[dict[str, Any]], keys: list[str] | None) -> bytes:
    """One JSON object per line (``keys`` is for CSV: the records hold what JSON writes, in order)."""
    return "".join(json.dumps(record, allow_nan=False) + "\n" for record in records).encode()


def json_line(line: str, row: int) -> Any:
    try:
        return json.loads(line, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except InvalidInput as error:
        error.row = row
        raise
    except (ValueError, RecursionError) as error:
        raise InvalidInput(f"line {row} is not valid JSON: {json_refusal(error)}", code="malformed_json", field=FIELD,
                           row=row) from None  # fmt: skip


def _refuse_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not JSON; send null for a missing value", code="malformed_json", field=FIELD)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise InvalidInput("a JSON object repeats a key", code="duplicate_field", field=FIELD)
    return document
