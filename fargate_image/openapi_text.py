"""Regular expressions for the text bodies the OpenAPI document describes (CSV rows, JSON lines), from the schema.

JSON Schema can only say "a string" of a CSV body; a ``pattern`` can say which strings are rows the server
answers. Each numeric cell is one of a few decimals inside the feature's range (its bounds, and a whole number
between them with a fraction), a categorical cell one of the names (or, for ``/invocations``, a code), an optional
cell may be empty; so every string the pattern matches is answered 200. The server takes more (any decimal in
range, exponents, ``nan``): the pattern describes what the document promises, its description and the README the
rest.
"""

from __future__ import annotations

import math
import re

from inference.model.schema import Feature, Schema

_FRACTION = r"(\.[0-9]{1,4})?"


def number_in(feature: Feature) -> str:
    """A few decimals inside ``feature``'s range: its bounds, and a whole number between them with any fraction
    (kept small: Hypothesis generates from the pattern, and a long alternation makes it crawl)."""
    low, high = feature.minimum, feature.maximum
    middle = math.floor(((low or 0.0) + (high if high is not None else (low or 0.0) + 100.0)) / 2)
    choices = [re.escape(repr(float(bound))) for bound in (low, high) if bound is not None]
    if (low is None or middle >= low) and (high is None or middle + 1 <= high):
        choices.append(f"{middle}{_FRACTION}")
    return "(" + "|".join(choices or ["0"]) + ")"


def value(feature: Feature, *, coded: bool) -> str:
    """One present value of ``feature``: a number in range, a category (its name, or its code where ``coded``)."""
    if feature.categories is None:
        return number_in(feature)
    names = [str(code) for code in range(len(feature.categories))] if coded else map(re.escape, feature.categories)
    return "(" + "|".join(names) + ")"


def csv_rows(schema: Schema, *, coded: bool) -> str:
    """One or more CSV rows of the schema's features in order, ``\\n``-separated, a final newline allowed; an
    optional feature's cell may be empty."""
    cells = [value(f, coded=coded) + ("?" if f.missing else "") for f in schema.features]
    return _lines(",".join(cells))


def json_lines(schema: Schema) -> str:
    """One or more JSON arrays of a row's values (codes for categories, null where missing), one per line."""
    values = [f"({value(f, coded=True)}|null)" if f.missing else value(f, coded=True) for f in schema.features]
    return _lines(r"\[" + ", ".join(values) + r"\]")


def _lines(row: str) -> str:
    return f"^{row}(\\n{row})*\\n?$"
