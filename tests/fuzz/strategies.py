"""Hypothesis strategies for request bodies, query strings and content types: valid, nearly valid and hostile."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from inference.schema import FEATURE_NAMES, FEATURES, MAX_ROWS

CONTENT_TYPES = st.sampled_from(
    [None, "", "application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "text/csv",
     "text/csv; header=absent", "Text/CSV;charset=latin-1", "text/plain", "application/x-www-form-urlencoded",
     "multipart/form-data; boundary=x", "application/json;;;", " ; ", "*/*", "application/xml", "application/jsonx"]
) | st.text(max_size=30)  # fmt: skip

HUGE_AND_TINY = st.sampled_from(
    [0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
     10**30, -(10**30), 10**400, 1e-300, float("inf"), float("-inf"), float("nan")]
)  # fmt: skip
ODD_VALUES = (
    st.none() | st.booleans() | st.text(max_size=12) | st.integers() | HUGE_AND_TINY
    | st.floats(allow_nan=True, allow_infinity=True) | st.lists(st.integers(), max_size=3)
    | st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)
)  # fmt: skip
VALID_VALUE = {f.name: st.floats(f.minimum, f.maximum) for f in FEATURES}
NAMES = st.sampled_from(FEATURE_NAMES) | st.text(max_size=20) | st.sampled_from(["medinc", "MedInc ", "\ud800", ""])


@st.composite
def named_rows(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {name: draw(VALID_VALUE[name] | ODD_VALUES) for name in FEATURE_NAMES}
    for name in draw(st.lists(st.sampled_from(FEATURE_NAMES), max_size=2)):
        row.pop(name, None)
    row.update(draw(st.dictionaries(NAMES, ODD_VALUES, max_size=2)))
    return row


@st.composite
def ordered_rows(draw: st.DrawFn) -> list[Any]:
    row = [draw(VALID_VALUE[name] | ODD_VALUES) for name in FEATURE_NAMES]
    return draw(st.sampled_from([row, row[:-1], [*row, 1.0], []]))


JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
ANY_JSON = st.recursive(
    JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=15,
)  # fmt: skip
ROWS = st.lists(named_rows() | ordered_rows() | ANY_JSON, min_size=0, max_size=4)
PAYLOADS = (
    st.fixed_dictionaries({"instances": ROWS}) | st.fixed_dictionaries({"pred_x_csv": st.text(max_size=80)})
    | st.fixed_dictionaries({"instances": ROWS}, optional={"pred_x_csv": ANY_JSON, "extra": ANY_JSON})
    | ANY_JSON
)  # fmt: skip


def csv_cell(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    rows = draw(st.lists(ordered_rows(), max_size=3))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\n\n"]))
    separator = draw(st.sampled_from([",", ", ", ";", "\t"]))
    return newline.join(separator.join(csv_cell(v) for v in row) for row in rows)


def _deeply_nested(depth: int) -> str:
    return '{"instances": ' + "[" * depth + "]" * depth + "}"


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["payload", "payload", "truncated", "nested", "big_number", "duplicate", "text"]))
    text = json.dumps(draw(PAYLOADS), allow_nan=True)
    if kind == "truncated":
        return text[: draw(st.integers(0, max(len(text) - 1, 0)))]
    if kind == "nested":
        return _deeply_nested(draw(st.sampled_from([10, 500, 5000, 100_000])))
    if kind == "big_number":
        digits = "9" * draw(st.sampled_from([20, 310, 4301, 10_000]))
        return '{"instances": [[' + ",".join([digits] * 8) + "]]}"
    if kind == "duplicate":
        return text.replace("{", '{"instances": 1, ', 1)
    return text if kind == "payload" else draw(st.text(max_size=50))


BODIES = json_texts() | csv_texts() | st.text(max_size=100) | st.binary(max_size=100)


def _oversized(kind: str) -> bytes | str:
    return b"{" * (1024 * 1024 + 1) if kind == "bytes" else json.dumps({"instances": [[1.0] * 8] * (MAX_ROWS + 1)})


OVERSIZED = st.sampled_from(["bytes", "rows"]).map(_oversized)
QUERY_VALUES = st.lists(st.text(max_size=12) | st.floats().map(repr) | st.integers().map(str), min_size=1, max_size=2)
QUERIES = st.dictionaries(NAMES, QUERY_VALUES, max_size=10) | st.fixed_dictionaries(
    {name: st.lists(VALID_VALUE[name].map(repr), min_size=1, max_size=1) for name in FEATURE_NAMES}
)  # fmt: skip
