"""A SageMaker training channel's CSV (label in column 0, then the features in model order, no header; an empty
field is missing) as float32 labels and features, like the container's DMatrix reads it."""

from __future__ import annotations

import io
import re

import numpy as np

_EMPTY_FIELD = re.compile(r"(?<![^,\n])(?![^,\n])")
"""A field with nothing in it (between two commas, or at the start or end of a line)."""


class ChannelError(ValueError):
    """A channel that is empty or not shaped like the schema (label + one column per feature)."""


def parse_channel(text: str, feature_count: int, origin: str) -> tuple[np.ndarray, np.ndarray]:
    """(labels, features) as float32, NaN where a feature is missing; ``ChannelError`` names ``origin``."""
    if not text.strip():
        raise ChannelError(f"{origin} is empty")
    table_text = _EMPTY_FIELD.sub("nan", text.rstrip("\n"))
    try:
        table = np.loadtxt(io.StringIO(table_text), delimiter=",", dtype=np.float32, ndmin=2)
    except ValueError as error:
        raise ChannelError(f"{origin}: not a channel file ({error})") from None
    if table.shape[1] != 1 + feature_count:
        raise ChannelError(f"{origin}: expected rows of label + {feature_count} features, got {table.shape[1]} columns")
    if np.isnan(table[:, 0]).any():
        raise ChannelError(f"{origin}: a row has no label (column 0 is empty)")
    return table[:, 0], table[:, 1:]
