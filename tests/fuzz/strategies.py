"""Hypothesis strategies for values: schema-free hostile ones, and valid or nearly valid ones per feature.

A feature's valid values come from the schema: a number in its range (a float, or an int where the range
holds one), one of its category names, and null where the feature may be missing. Nearly valid values sit
just outside: past a bound, a category name in another case or with spaces, a category's index.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import strategies as st

from inference.model.schema import Feature, Schema

JSON_TYPES = st.sampled_from([None, "", "application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
                              "application/json;;;"])  # fmt: skip
CSV_TYPES = st.sampled_from(["text/csv", "text/csv; header=absent", "Text/CSV;charset=latin-1"])
OTHER_TYPES = st.sampled_from(
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", " ; ", "*/*",
     "application/xml", "application/jsonx", "text/csvx", "json"]
) | st.text(max_size=30)  # fmt: skip
CONTENT_TYPES = JSON_TYPES | CSV_TYPES | OTHER_TYPES

HUGE_AND_TINY = st.sampled_from(
    [0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
     3.4028235e38, 3.4028236e38, -3.4028236e38, 10**30, -(10**30), 10**400, 1e-300, float("inf"), float("-inf"),
     float("nan")]
)  # fmt: skip
ODD_VALUES = (
    st.none() | st.booleans() | st.text(max_size=12) | st.integers() | HUGE_AND_TINY
    | st.floats(allow_nan=True, allow_infinity=True) | st.lists(st.integers(), max_size=3)
    | st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)
)  # fmt: skip
JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
ANY_JSON = st.recursive(
    JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=15,
)  # fmt: skip
FLOAT32_MAX = 3.4028234663852886e38
"""An unbounded feature's valid values stay inside float32, the type the model reads."""


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each drawn in proportion to its weight (``|`` would draw every branch alike). The
    first is also what Hypothesis shrinks towards (and leans to a little): put the valid one first."""
    return st.sampled_from([strategy for weight, strategy in choices for _ in range(weight)]).flatmap(lambda s: s)


def valid_value(feature: Feature) -> st.SearchStrategy[Any]:
    """A value the decoders must accept for ``feature`` (JSON types: float, int, str or None)."""
    if feature.categories is not None:
        values: st.SearchStrategy[Any] = st.sampled_from(feature.categories)
    else:
        low = -FLOAT32_MAX if feature.minimum is None else feature.minimum
        high = FLOAT32_MAX if feature.maximum is None else feature.maximum
        values = st.floats(low, high, allow_nan=False, allow_infinity=False)
        if math.ceil(low) <= math.floor(high):
            values |= st.integers(max(math.ceil(low), -(2**53)), min(math.floor(high), 2**53))
    return values | st.none() if feature.missing else values


def nearly_valid_value(feature: Feature) -> st.SearchStrategy[Any]:
    """A value just outside what ``feature`` accepts (or, by chance, inside it: the decoder decides)."""
    if feature.categories is not None:
        names = st.sampled_from(feature.categories)
        return (
            names.map(str.upper) | names.map(str.title) | names.map(lambda n: f" {n} ") | names.map(lambda n: n + "x")
            | st.integers(-1, len(feature.categories)) | st.integers(0, len(feature.categories)).map(str)
            | st.sampled_from(["", " ", "null", "None", "NaN"])
        )  # fmt: skip
    bounds = [b for b in (feature.minimum, feature.maximum) if b is not None]
    edges = [e for b in bounds for e in (b, math.nextafter(b, -math.inf), math.nextafter(b, math.inf), b - 1, b + 1)]
    outside = st.sampled_from(edges) if edges else HUGE_AND_TINY
    return outside | outside.map(repr) | st.sampled_from([True, False, "", "1e3", "0x10", "1_000"])


def feature_value(feature: Feature) -> st.SearchStrategy[Any]:
    return valid_value(feature) | nearly_valid_value(feature) | ODD_VALUES


def text_cell(value: object) -> str:
    """A value as it is written in a CSV cell or a query parameter (missing: empty)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else repr(value) if isinstance(value, float) else json.dumps(value)


def feature_names(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    """The schema's names, near misses of them (case, spaces) and any text: keys of rows and query strings."""
    near = sorted({variant for n in names for variant in (n.lower(), n.upper(), n + " ", " " + n)} - set(names))
    return (
        st.sampled_from(names)
        | st.sampled_from(near)
        | st.text(max_size=20)
        | st.sampled_from(["\ud800", "", "instances"])
    )


def a_valid_row(schema: Schema) -> list[Any]:
    """One row that every schema accepts, whatever its ranges: a bound (or 0) per number, the first category."""
    row: list[Any] = []
    for feature in schema.features:
        if feature.categories is not None:
            row.append(feature.categories[0])
        else:
            row.append(next((b for b in (feature.minimum, feature.maximum) if b is not None), 0.0))
    return row
