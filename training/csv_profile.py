"""What a user's CSV holds, column by column: the facts ``training.spec_init`` writes a starting spec from.

A column is numeric when its present values are numbers (a few stray texts such as ``?`` are tolerated and
reported: data preparation drops those rows); otherwise it is categorical, with its sorted distinct values.
A value is missing when its field is empty or ``na``, ``nan``, ``null`` or ``none`` (as data preparation reads it).
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from training.rows import MISSING_TOKENS

NUMERIC_SHARE = 0.9
"""A column is numeric when at least this share of its present values are finite numbers."""


class ProfileError(ValueError):
    """The CSV cannot be profiled (no header, no rows, an unknown target column)."""


@dataclass(frozen=True)
class ColumnProfile:
    column: str
    present: int
    missing: int
    counts: Counter[str]
    """Each distinct present value (as text) and how often it occurs."""
    numbers: tuple[float, ...]
    """The present values that are finite numbers."""
    missing_texts: Counter[str] = field(default_factory=Counter)
    """Missing values written as a word (``none``, ``NA``...), as written, and how often: maybe not meant missing."""

    @property
    def numeric(self) -> bool:
        return self.present > 0 and len(self.numbers) >= NUMERIC_SHARE * self.present

    @property
    def not_numbers(self) -> list[str]:
        """Present values of a numeric column that are not numbers (sorted)."""
        return sorted(value for value in self.counts if _number(value) is None)

    @property
    def integral(self) -> bool:
        return self.numeric and all(number.is_integer() for number in self.numbers)

    @property
    def categories(self) -> list[str]:
        return sorted(self.counts)

    @property
    def identifier_like(self) -> bool:
        """Text with a distinct value in most rows (an id, free text): nothing a model can learn from."""
        return not self.numeric and len(self.counts) > 20 and len(self.counts) > 0.5 * self.present


@dataclass(frozen=True)
class CsvProfile:
    path: Path
    rows: int
    columns: dict[str, ColumnProfile]
    first_rows: list[dict[str, str]]
    """The first rows (column -> text), to pick an example from."""


def profile_csv(path: Path, keep_rows: int = 1000) -> CsvProfile:
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream)
            header = [name.strip() for name in next(reader, [])]
            if not header or not all(header) or len(set(header)) != len(header):
                raise ProfileError(f"{path}: the first line must be a header of distinct, non-empty column names")
            values: dict[str, list[str]] = {name: [] for name in header}
            first_rows: list[dict[str, str]] = []
            for record in reader:
                if len(record) != len(header):
                    continue  # blank or malformed line: data preparation drops it too
                cells = [cell.strip() for cell in record]
                for name, cell in zip(header, cells, strict=True):
                    values[name].append(cell)
                if len(first_rows) < keep_rows:
                    first_rows.append(dict(zip(header, cells, strict=True)))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ProfileError(f"cannot read {path}: {error}") from None
    if not first_rows:
        raise ProfileError(f"{path} has a header but no rows")
    columns = {name: _profile(name, cells) for name, cells in values.items()}
    return CsvProfile(path, len(values[header[0]]), columns, first_rows)


def is_missing(text: str) -> bool:
    return text.strip().lower() in MISSING_TOKENS


def _profile(column: str, cells: list[str]) -> ColumnProfile:
    present = [cell for cell in cells if not is_missing(cell)]
    numbers = tuple(number for number in map(_number, present) if number is not None)
    words = Counter(cell for cell in cells if cell and is_missing(cell))
    return ColumnProfile(column, len(present), len(cells) - len(present), Counter(present), numbers, words)


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
