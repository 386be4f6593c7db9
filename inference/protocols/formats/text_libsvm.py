"""``text/libsvm`` (``text/x-libsvm``): ``index:value`` pairs, as SageMaker's container reads them.

0-based indices below the feature count, each at most once a row; an absent index is a missing value. A
leading label (a number without ``:``, as in training files) is ignored, as the container ignores it.
"""

from __future__ import annotations

import math
import re

import numpy as np

from inference.errors import InvalidInput, echoed
from inference.model.columns import Columns
from inference.protocols.formats.cells import FIELD, NUMBER, checked_matrix, data_lines

MEDIA_TYPE = "text/libsvm"
_INDEX = re.compile(r"\d+", re.ASCII)  # ASCII digits only: int() and float() also read other scripts' digits
_MAX_INDEX_DIGITS = 9  # int() of a longer digit string is slow, or refused past 4300 digits


def read(text: str, columns: Columns) -> np.ndarray:
    rows = [libsvm_row(line.split(), row, columns) for row, line in enumerate(data_lines(text))]
    return checked_matrix(rows, columns)


def libsvm_row(tokens: list[str], row: int, columns: Columns) -> list[float]:
    if tokens and ":" not in tokens[0] and NUMBER.fullmatch(tokens[0]):
        tokens = tokens[1:]  # the label column of a training file
    values = [math.nan] * len(columns.names)
    given: set[int] = set()
    for token in tokens:
        index_text, colon, value_text = token.partition(":")
        if not colon or not _INDEX.fullmatch(index_text) or not value_text:
            raise InvalidInput(f"{echoed(token, 40)!r} in row {row} is not index:value", code="malformed_libsvm",
                               field=FIELD, row=row)  # fmt: skip
        index = int(index_text) if len(index_text) <= _MAX_INDEX_DIGITS else len(values)
        if index >= len(values):
            raise InvalidInput(f"index {echoed(index_text, 20)} in row {row} is not a feature: indices are 0-based, "
                               f"0 to {len(values) - 1}", code="unknown_feature", field=FIELD, row=row)  # fmt: skip
        name = columns.names[index]
        if index in given:
            raise InvalidInput(f"index {index} ({name}) appears twice in row {row}", code="duplicate_feature",
                               field=name, row=row)  # fmt: skip
        given.add(index)
        values[index] = columns.coded_text(value_text, row, index)
    return values
