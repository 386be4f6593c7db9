"""Comparable outcomes of the request decoders, for the tests holding the fast paths to the general one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from inference.errors import InferenceError
from inference.model.columns import Columns
from inference.protocols.api import requests
from inference.protocols.formats import application_json

Decoder = Callable[[str, Columns], np.ndarray]


def outcome(decode: Decoder, text: str, columns: Columns) -> tuple[Any, ...]:
    """What a decoder answers, comparable: the matrix's bits, or the error's every part."""
    try:
        matrix = decode(text, columns)
    except InferenceError as error:
        return ("refused", type(error), error.status, error.code, error.field, error.row, error.to_body())
    return ("decoded", matrix.dtype, matrix.shape, matrix.tobytes())


def served(text: str, columns: Columns) -> np.ndarray:
    """What the adapters decode a JSON body with."""
    return requests.read_body(text, "application/json", columns)


def general(text: str, columns: Columns) -> np.ndarray:
    """The general path alone (after the one BOM ``decode_body`` takes off): the duplicate-key hook, row by row."""
    return requests.read_payload(application_json.load_json(text.removeprefix("\ufeff")), columns)


NUMBER_LITERALS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(min_value=-130, max_value=150).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.from_regex(r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,24})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["-0", "-0.0", "0", "NaN", "Infinity", "1e400", "true", "null", '"1"', "3.5e38", "1" + "0" * 400]),
)
"""JSON values as written in a body: numbers of every form, and the literals a feature value must not be."""


def row_text(names: tuple[str, ...], literals: list[str], *, named: bool) -> str:
    """One row of ``{"instances": [...]}`` holding ``literals`` as written: an object, or an array."""
    if named:
        return "{" + ", ".join(f'"{name}": {value}' for name, value in zip(names, literals, strict=True)) + "}"
    return "[" + ", ".join(literals) + "]"
