"""The columns of a batch input: a header line's names (``--header``), and what a join keeps beside each answer.

With a header, features are found by name, in any order, and other columns are ignored; each row is
rewritten as the features in model order, which ``/invocations`` then reads as it reads any CSV row. A join
(SageMaker's ``DataProcessing.JoinSource=Input``) puts the input line, or chosen columns such as an id,
beside the answer: first and then the answer for CSV, under ``SageMakerOutput`` for JSON, as Batch
Transform writes them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from inference.errors import InvalidInput, echoed

INPUT = "input"
"""``join``: the whole input line."""
OUTPUT_KEY, INPUT_KEY = "SageMakerOutput", "SageMakerInput"


def cells_of(lines: Sequence[str]) -> list[list[str]]:
    """CSV lines as their cells (quoted cells unquoted), with ``csv``'s C reader."""
    return list(csv.reader(lines))


class Table:
    """A header line's columns: where each feature is, and which columns a join keeps."""

    def __init__(self, header: str, features: Sequence[str], join: Sequence[str] = ()) -> None:
        self.names = [name.strip() for name in cells_of([header])[0]]
        repeated = sorted({name for name in self.names if self.names.count(name) > 1})
        if repeated:
            raise _header_error(f"the header names {echoed(repeated[0])!r} more than once")
        missing = [name for name in features if name not in self.names]
        if missing:
            listing = ", ".join(features)
            raise _header_error(f"the header has no column {missing[0]!r}; it needs every feature: {listing}")
        unknown = [name for name in join if name not in self.names]
        if unknown:
            raise _header_error(f"join column {echoed(unknown[0])!r} is not in the header: {', '.join(self.names)}")
        self._features = itemgetter(*(self.names.index(name) for name in features), 0)  # 0: always a tuple
        self.kept = [self.names.index(name) for name in join]

    def feature_line(self, cells: list[str], row: int) -> str:
        """A row's features in model order, as a CSV line of the SageMaker convention."""
        if len(cells) != len(self.names):
            raise InvalidInput(f"row {row} has {len(cells)} values; the header names {len(self.names)} columns",
                               code="wrong_row_length", field="body", row=row)  # fmt: skip
        return ",".join(self._features(cells)[:-1])


def _header_error(message: str) -> InvalidInput:
    return InvalidInput(message, code="malformed_header", field="header")


class Join:
    """What goes beside each answer: nothing, the input line, or chosen columns of a ``Table``."""

    def __init__(self, spec: str | None, table: Table | None, *, csv_answer: bool, json_input: bool) -> None:
        self.enabled = spec is not None
        self.whole = spec == INPUT
        self.table, self.csv_answer, self.json_input = table, csv_answer, json_input

    def line(self, source: str, cells: list[str] | None, answer: bytes) -> bytes:
        """The answer with the input (or its chosen columns) beside it."""
        if self.csv_answer:
            chosen = self.table.kept if self.table is not None else []
            kept = source if self.whole else _csv_line([cells[i] for i in chosen] if cells else [])
            return kept.encode() + b"," + answer
        output = json.loads(answer)
        if not self.whole and self.table is not None and cells is not None:
            document: dict[str, Any] = {self.table.names[i]: cells[i] for i in self.table.kept}
            return json.dumps({**document, OUTPUT_KEY: output}).encode()
        value: Any = json.loads(source) if self.json_input else cells if cells is not None else source
        if isinstance(value, dict):
            return json.dumps({**value, OUTPUT_KEY: output}).encode()
        return json.dumps({INPUT_KEY: value, OUTPUT_KEY: output}).encode()

    def header(self, table: Table | None) -> list[str]:
        """The names of the joined columns, for a CSV output's header line."""
        if table is None or not self.enabled:
            return []
        return table.names if self.whole else [table.names[i] for i in table.kept]


def _csv_line(cells: list[str]) -> str:
    stream = io.StringIO()
    csv.writer(stream, lineterminator="").writerow(cells)
    return stream.getvalue()
