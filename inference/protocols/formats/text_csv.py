"""``text/csv``: one row per line, the schema's features in order, comma-separated, no header, no label.

Two readings: our API's (``read_named``: a categorical feature by its category name) and SageMaker's
container's (``read_coded``: numbers, a category by its code or, an extension, its name; ``nan`` missing). An
empty field is a missing value in both. Answers are written as the container writes them (``write``).
"""

from __future__ import annotations

import csv
import io
import re
from operator import methodcaller
from typing import Any

import numpy as np

from inference.errors import InvalidInput
from inference.model.columns import Columns
from inference.protocols.formats.cells import FIELD, check_codes, checked_matrix, data_lines
from inference.protocols.limits import MAX_ROWS, check_row_count

MEDIA_TYPE = "text/csv"
_NOT_PLAIN = re.compile(r"[^0-9.,eE+\-\n]")
"""Anything but what plain numbers, commas and line ends are written with."""
_COMMAS = methodcaller("count", ",")


def read_named(text: str, columns: Columns, *, field: str = FIELD) -> np.ndarray:
    """Our API's CSV: numbers, category names, empty fields missing; a header line is refused by name."""
    lines = [line for line in text.splitlines() if line.strip()]
    check_row_count(len(lines), field)
    if lines and [cell.strip() for cell in lines[0].split(",")] == list(columns.names):
        raise InvalidInput("CSV rows take no header line (SageMaker convention); remove it", code="not_a_number",
                           field=columns.names[0], row=0)  # fmt: skip
    rows = []
    for index, line in enumerate(lines):
        cells = line.split(",")
        columns.check_length(cells, index, field)
        rows.append([columns.text_value(cell, index, column) for column, cell in enumerate(cells)])
    return columns.matrix(rows)


def read_coded(text: str, columns: Columns) -> np.ndarray:
    """SageMaker's CSV: numbers (a category by its code or its name), an empty field or ``nan`` missing."""
    plain = plain_matrix(text, columns)
    return plain if plain is not None else read_cells(text, columns)


def read_cells(text: str, columns: Columns) -> np.ndarray:
    """``read_coded`` value by value: what it answers, and every refusal, for any body."""
    rows = []
    for row, line in enumerate(data_lines(text)):
        cells = line.split(",")
        columns.check_length(cells, row, FIELD)
        rows.append([columns.coded_text(cell, row, column) for column, cell in enumerate(cells)])
    return checked_matrix(rows, columns)


def plain_matrix(text: str, columns: Columns) -> np.ndarray | None:
    """``read_coded``'s answer at C speed for the common body: every line exactly one plain number a feature,
    no blank line. None for anything else, refusals included: ``read_coded`` then reads the body value by
    value and refuses what it refuses, with its own message (so the answers are the same either way)."""
    if columns.numeric_category_names:  # "1" could be a name or a code: read_cells refuses what reads two ways
        return None
    text = text.replace("\r\n", "\n")
    if _NOT_PLAIN.search(text):  # no letters (nan, inf), spaces, quotes or underscores: float() = NUMBER here
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    width = len(columns.names)
    if not 0 < len(lines) <= MAX_ROWS or set(map(_COMMAS, lines)) != {width - 1}:
        return None
    try:
        values = np.array(",".join(lines).split(","), dtype=np.float64).reshape(len(lines), width)
        check_codes(values, columns)  # no NaN can be written with these characters: nothing is missing
        return columns.checked_finite(values)  # an overflow to inf is out of bounds: checked() refuses it
    except (ValueError, InvalidInput):  # an empty cell (missing), "1.2.3", "e5", a value out of range...
        return None


def write(records: list[dict[str, Any]], keys: list[str] | None) -> bytes:
    """The container's CSV: by default ``csv.writer`` rows of each record's one value (a list spreads over the
    columns), ``\\n``-terminated; with selected ``keys``, their values in the order asked, ``str()`` of each,
    lists quoted, rows joined by ``\\n`` with no final newline."""
    if keys is None:
        values = [next(iter(record.values())) for record in records]
        if set(map(type, values)) == {float}:  # one float a row: csv.writer writes repr() of each
            return ("\n".join(map(repr, values)) + "\n").encode()
        stream = io.StringIO()
        csv.writer(stream, lineterminator="\n").writerows(v if isinstance(v, list) else [v] for v in values)
        return stream.getvalue().encode()
    lines = (",".join(f'"{row[k]}"' if isinstance(row[k], list) else str(row[k]) for k in keys) for row in records)
    return "\n".join(lines).encode()
