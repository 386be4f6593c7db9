"""Turn decoded request values into the model's float32 matrix, checked against the loaded schema.

One ``Columns`` is built per loaded schema (the ranges, missing flags and category codes as arrays and
dicts), so decoding a row is a few lookups. Numbers stay numbers; a categorical feature takes its
category name and becomes the name's index (the encoding training used); SageMaker's formats take the index
itself as well (``coded_text``, ``coded_json``). A missing value (JSON null, an absent optional key, an empty
CSV field) becomes NaN, XGBoost's "missing", where the schema allows it. A name that is not a category is
refused, listing the categories, unless the feature opted into reading it as missing (``unknown_categories``).
Every refusal is an ``InvalidInput`` naming the feature and the row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter, le
from typing import Any

import numpy as np

from inference.errors import InvalidInput, echoed
from inference.model.schema import Feature, Schema

_NUMBER = re.compile(
    r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*|\s*[+-]?(nan|inf|infinity)\s*", re.IGNORECASE | re.ASCII
)  # ASCII: float() would also take other scripts' digits
_NUMERIC_TYPES = frozenset({float, int})
_FLOAT32_MAX = float(np.finfo(np.float32).max)


class Columns:
    """The loaded schema's features as converters and vectorized range checks."""

    def __init__(self, schema: Schema, *, unseen: float | None = None) -> None:
        self.schema = schema
        self.unseen = unseen
        """What a category name that is not one of the categories reads as (the monitor's reading counts them);
        None: refused, or missing where the feature may be missing."""
        self.features = schema.features
        self.names = schema.names
        self.index = schema.index
        self.required = tuple(f.name for f in schema.features if not f.missing)
        self.codes = [None if f.categories is None else {c: float(i) for i, c in enumerate(f.categories)}
                      for f in schema.features]  # fmt: skip
        self.code_values = [frozenset(codes.values()) if codes else frozenset() for codes in self.codes]
        self.all_numeric = not any(f.categorical for f in schema.features)
        self.numeric_category_names = any(
            _NUMBER.fullmatch(name) for f in schema.features for name in f.categories or ()
        )
        """Whether a category is named like a number, so that a number in SageMaker's formats may read two ways."""
        self.minima = np.array([-np.inf if f.minimum is None else f.minimum for f in schema.features])
        self.maxima = np.array([np.inf if f.maximum is None else f.maximum for f in schema.features])
        self.may_miss = np.array([f.missing for f in schema.features])
        self._values_of = itemgetter(*self.names) if len(self.names) > 1 else lambda row: (row[self.names[0]],)
        self._bounds = list(zip(self.minima.tolist(), self.maxima.tolist(), self.may_miss.tolist(), strict=True))
        # A value is fine when within both its range and float32's: one interval per feature, for _check_row.
        self._lowest = [max(low, -_FLOAT32_MAX) for low in self.minima.tolist()]
        self._highest = [min(high, _FLOAT32_MAX) for high in self.maxima.tolist()]
        self._lowest_array, self._highest_array = np.array(self._lowest), np.array(self._highest)

    def json_value(self, value: object, row: int, column: int) -> float:
        """A JSON value for one feature: a number, a category name, or null where missing is allowed."""
        codes = self.codes[column]
        if codes is None:
            if type(value) is float:
                return value
            if type(value) is int:
                return _int_to_float(value)
        elif type(value) is str and value in codes:
            return codes[value]
        return self._other(value, row, column)

    def text_value(self, text: str, row: int, column: int) -> float:
        """A value written as text (a CSV cell, a query parameter); empty means missing."""
        codes = self.codes[column]
        if codes is not None:
            stripped = text.strip()
            return codes[stripped] if stripped in codes else self._other(stripped or None, row, column)
        if _NUMBER.fullmatch(text) is not None:
            return float(text)
        if not text.strip():
            return self._other(None, row, column)
        feature = self.features[column]
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise InvalidInput(f"{feature.name} must be a number, got {shown!r}", code="not_a_number",
                           field=feature.name, row=row)  # fmt: skip

    def _other(self, value: object, row: int, column: int) -> float:
        feature = self.features[column]
        if self.unseen is not None and feature.categories is not None and type(value) is str:
            return self.unseen
        if feature.missing and (value is None or (type(value) is str and feature.unknown_is_missing)):
            return math.nan  # null, or an unknown category where the spec opted into reading it as missing
        raise _refusal(feature, value, row)

    def coded_text(self, text: str, row: int, column: int) -> float:
        """A cell of SageMaker's text formats: a number, or for a categorical feature its code or (an extension)
        its name; empty or ``nan`` is missing (checked afterwards). A cell that reads two ways (a name that is
        also another category's code) is refused, never guessed."""
        stripped = text.strip()
        if not stripped:
            return math.nan
        number = float(stripped) if _NUMBER.fullmatch(stripped) else None
        codes = self.codes[column]
        if codes is None:
            return number if number is not None else self._not_number(stripped, row, column)
        named = codes.get(stripped)
        if named is not None and number is not None and number != named and number in self.code_values[column]:
            raise _ambiguous(self.features[column], stripped, named, number, row)
        if named is not None:
            return named
        return number if number is not None else self._other(stripped, row, column)

    def coded_json(self, value: object, row: int, column: int) -> float:
        """A JSON value of SageMaker's formats (jsonlines, a v2 tensor): a number (a category's code), a
        category's name, or null (missing, checked afterwards)."""
        if value is None:
            return math.nan
        if type(value) is float:
            return value
        if type(value) is int:
            return _int_to_float(value)
        codes = self.codes[column]
        if codes is not None and type(value) is str:
            return codes[value] if value in codes else self._other(value, row, column)
        got = "a string (categorical features take their code or name)" if type(value) is str else type(value).__name__
        name = self.names[column]
        raise InvalidInput(f"{name} must be a number or null, got {got}", code="not_a_number", field=name, row=row)

    def _not_number(self, text: str, row: int, column: int) -> float:
        name = self.names[column]
        raise InvalidInput(f"{name} must be a number, got {echoed(text, 40)!r}", code="not_a_number", field=name,
                           row=row)  # fmt: skip

    def named_row(self, row: dict[str, Any], index: int) -> list[float]:
        """A row given as an object of feature name -> value; optional features may be left out."""
        names = self.names
        if len(row) != len(names) or any(name not in row for name in names):
            self.check_keys(row, index)
            return [self._named_value(row, name, index, column) for column, name in enumerate(names)]
        return [self.json_value(row[name], index, column) for column, name in enumerate(names)]

    def _named_value(self, row: dict[str, Any], name: str, index: int, column: int) -> float:
        return self.json_value(row[name], index, column) if name in row else math.nan

    def check_keys(self, keys: Any, row: int | None) -> None:
        """Every required feature present and no unknown name (absent optional features are missing)."""
        missing = [name for name in self.required if name not in keys]
        if missing:
            raise InvalidInput(f"{missing[0]} is missing", code="missing_feature", field=missing[0], row=row)
        unknown = [key for key in keys if key not in self.index]
        if unknown:
            shown = echoed(unknown[0])
            raise InvalidInput(f"{shown!r} is not a feature; expected {self.listing()}", code="unknown_feature",
                               field=shown, row=row)  # fmt: skip

    def check_length(self, values: Sequence[object], row: int, field: str) -> None:
        if len(values) != len(self.names):
            separator = next((mark for mark in (";", "\t", "|") if len(values) == 1 and mark in str(values[0])), None)
            hint = (
                f" (CSV fields are separated by commas; this row seems separated by {separator!r})" if separator else ""
            )
            raise InvalidInput(f"row {row} has {len(values)} values; expected {len(self.names)} in this order: "
                               f"{self.listing()}{hint}", code="wrong_row_length", field=field, row=row)  # fmt: skip

    def ordered_row(self, values: list[Any], index: int, field: str) -> list[float]:
        self.check_length(values, index, field)
        if self.all_numeric and _NUMERIC_TYPES.issuperset(map(type, values)):
            return [float(v) if type(v) is float else _int_to_float(v) for v in values]
        return [self.json_value(value, index, column) for column, value in enumerate(values)]

    def listing(self, limit: int = 12) -> str:
        names = self.names
        return ", ".join(names) if len(names) <= limit else ", ".join(names[:limit]) + f", ... ({len(names)} in all)"

    def plain_matrix(self, rows: list[Any], named: bool) -> np.ndarray | None:
        """Rows that need no conversion, at C speed: all dicts of exactly the feature names (``named``) or
        all lists of one value per feature, every value a number, no categorical feature. None when any row
        is otherwise: the row-by-row path then decodes them, and refuses what it refuses, as before."""
        if not self.all_numeric or set(map(len, rows)) != {len(self.names)}:
            return None
        try:
            values = list(chain.from_iterable(map(self._values_of, rows) if named else rows))
        except (KeyError, TypeError):  # a feature name is absent (so an unknown one is there), or not a row
            return None
        if not _NUMERIC_TYPES.issuperset(map(type, values)):
            return None
        try:
            if len(rows) == 1:  # checked on Python floats, then float32 directly, as ``checked`` makes it
                row = [value if type(value) is float else float(value) for value in values]
                self._check_row(row)
                return np.array([row], dtype=np.float32)
            return self.checked(np.array(values, dtype=np.float64).reshape(len(rows), len(self.names)))
        except OverflowError:  # an integer beyond float range: the row-by-row path reports it
            return None

    def matrix(self, rows: list[list[float]]) -> np.ndarray:
        """Stack rows; every value finite (or NaN where missing is allowed) and inside its feature's range."""
        return self.checked(np.array(rows, dtype=np.float64))

    def checked(self, matrix: np.ndarray) -> np.ndarray:
        """A float64 (rows, features) matrix checked like ``matrix`` does, as float32."""
        if len(matrix) == 1:  # one request row: the same checks on Python floats cost a fraction of the ufuncs'
            self._check_row(matrix[0].tolist())
            return matrix.astype(np.float32)
        nan = np.isnan(matrix)
        bad = (~np.isfinite(matrix) & ~(nan & self.may_miss)) | (matrix < self.minima) | (matrix > self.maxima)
        bad |= np.abs(matrix) > _FLOAT32_MAX  # finite as float64, inf as the float32 the trees compare
        if bad.any():
            row, column = (int(i) for i in np.argwhere(bad)[0])
            raise _bad_value(self.features[column], float(matrix[row, column]), row)
        return matrix.astype(np.float32)

    def checked_finite(self, matrix: np.ndarray) -> np.ndarray:
        """``checked`` for a matrix known to hold finite numbers only (no NaN, no infinity): two comparisons
        per value instead of a dozen; any value out of bounds is reported by ``checked``, as always."""
        if ((matrix < self._lowest_array) | (matrix > self._highest_array)).any():
            return self.checked(matrix)
        return matrix.astype(np.float32)

    def _check_row(self, values: list[float]) -> None:
        if all(map(le, self._lowest, values)) and all(map(le, values, self._highest)):
            return  # the usual row, in two passes at C speed; NaN fails both comparisons
        for column, (value, (low, high, may_miss)) in enumerate(zip(values, self._bounds, strict=True)):
            if math.isfinite(value):
                if low <= value <= high and abs(value) <= _FLOAT32_MAX:
                    continue
            elif value != value and may_miss:  # NaN, where the feature may be missing
                continue
            raise _bad_value(self.features[column], value, 0)


def _int_to_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _refusal(feature: Feature, value: object, row: int) -> InvalidInput:
    got = "null" if value is None else type(value).__name__
    if value is None:
        wanted = feature.range_text() if feature.categorical else f"a number {feature.range_text()}"
        return InvalidInput(f"{feature.name} may not be missing (its spec says missing = false): send {wanted}",
                            code="missing_feature", field=feature.name, row=row)  # fmt: skip
    if feature.categories is None:
        return InvalidInput(f"{feature.name} must be a number, got {got}", code="not_a_number", field=feature.name,
                            row=row)  # fmt: skip
    if type(value) is str:
        shown = echoed(value, 40)
        return InvalidInput(f"{shown!r} is not a category of {feature.name}: it must be {feature.range_text()}",
                            code="unknown_category", field=feature.name, row=row)  # fmt: skip
    return InvalidInput(f"{feature.name} must be a category name (a string), got {got}", code="not_a_category",
                        field=feature.name, row=row)  # fmt: skip


def _ambiguous(feature: Feature, text: str, named: float, number: float, row: int) -> InvalidInput:
    other = (feature.categories or ())[int(number)]
    return InvalidInput(f"{feature.name}: {echoed(text, 40)!r} is both the name of category {int(named)} and the code "
                        f"of {other!r}; send the other category's name, or the code {int(named)}",
                        code="ambiguous_category", field=feature.name, row=row)  # fmt: skip


def _bad_value(feature: Feature, value: float, row: int) -> InvalidInput:
    if math.isfinite(value) and abs(value) > _FLOAT32_MAX:
        return InvalidInput(f"{feature.name} must be a float32 number (at most {_FLOAT32_MAX:.4g} in magnitude), got "
                            f"{value:g}", code="out_of_range", field=feature.name, row=row)  # fmt: skip
    if not math.isfinite(value):
        return InvalidInput(f"{feature.name} must be a finite number, got {value}", code="not_finite",
                            field=feature.name, row=row)  # fmt: skip
    unit = f" ({feature.unit})" if feature.unit else ""
    return InvalidInput(f"{feature.name} must be {feature.range_text()}{unit}, got {value:g}", code="out_of_range",
                        field=feature.name, row=row)  # fmt: skip
