"""JSON for large bodies with msgspec: plain numeric instances decoded straight to checked rows, and float lists
written exactly as ``json.dumps`` writes them; whatever it cannot do exactly answers None and the standard
library's path takes over. Imported by the first large body only. Why it is exact: docs/dev/runtime.md.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import chain
from typing import Any

import msgspec
import numpy as np

from inference.model.columns import Columns
from inference.protocols.json_text import no_key_repeats
from inference.protocols.limits import MAX_ROWS

SMALLEST_PLAIN, LARGEST_PLAIN = 1e-4, 1e16
"""Magnitudes (besides 0) that both ``repr`` and msgspec write as plain decimals, digit for digit."""
_ENCODER = msgspec.json.Encoder()


@lru_cache(maxsize=8)
def _decoder(names: tuple[str, ...]) -> tuple[msgspec.json.Decoder[Any], type]:
    """A decoder of ``{"instances": [row, ...]}``, each row an object of exactly ``names`` or an array of as
    many numbers, and the struct type a named row decodes to. Fields are named ``f0, f1, ...`` (a feature
    name need not be an identifier) and renamed to the feature names in JSON."""
    fields = [f"f{i}" for i in range(len(names))]
    row: Any = msgspec.defstruct(
        "Row",
        [(field, float) for field in fields],
        rename=dict(zip(fields, names, strict=True)),
        forbid_unknown_fields=True,
        gc=False,
    )
    ordered: Any = tuple[(float,) * len(names)]  # type: ignore[misc]
    payload = msgspec.defstruct("Payload", [("instances", list[row | ordered])], forbid_unknown_fields=True, gc=False)
    return msgspec.json.Decoder(payload), row


def plain_matrix(text: str, columns: Columns) -> np.ndarray | None:
    """The checked float32 matrix of a body of plain numeric rows (all named, or all ordered), or None."""
    if not columns.all_numeric:
        return None
    decoder, row_type = _decoder(columns.names)
    try:
        rows = decoder.decode(text).instances
    except (ValueError, RecursionError):  # msgspec.DecodeError and ValidationError; a str with a lone surrogate
        return None
    count, width = len(rows), len(columns.names)
    kinds = set(map(type, rows))
    if not 0 < count <= MAX_ROWS or len(kinds) != 1:
        return None
    named = kinds == {row_type}
    if not no_key_repeats(text, 1 + (count * width if named else 0)):
        return None
    values = chain.from_iterable(map(msgspec.structs.astuple, rows) if named else rows)
    matrix = np.fromiter(values, np.float64, count * width).reshape(count, width)
    return columns.checked_finite(matrix)  # msgspec reads no NaN, Infinity or number past float range


def float_list(values: list[Any]) -> str | None:
    """``json.dumps(values)``, byte for byte, when every value is a float 0 or within [1e-4, 1e16) in magnitude;
    None otherwise."""
    if set(map(type, values)) != {float}:
        return None
    magnitudes = np.abs(np.array(values, dtype=np.float64))
    if not magnitudes.max() < LARGEST_PLAIN:  # NaN fails it too
        return None
    if not magnitudes.min() >= SMALLEST_PLAIN and not ((magnitudes >= SMALLEST_PLAIN) | (magnitudes == 0)).all():
        return None
    return _ENCODER.encode(values).decode("ascii").replace(",", ", ")
