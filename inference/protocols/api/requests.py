"""How our API reads a request: a body through the codec registry (``application/json`` by default, or
``text/csv``), one row from query parameters, or a direct Lambda invocation's decoded document."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from inference.errors import InvalidInput
from inference.model.columns import Columns
from inference.protocols.codecs import API, CODECS, Reading
from inference.protocols.formats import application_json

READING = Reading(API, "/predict and /explain", application_json.MEDIA_TYPE)


def read_body(body: bytes | str, content_type: str | None, columns: Columns) -> np.ndarray:
    return CODECS.read(body, content_type, READING, columns)


def read_payload(payload: object, columns: Columns) -> np.ndarray:
    """An already decoded JSON document (a direct Lambda invocation)."""
    return application_json.read_payload(payload, columns)


def read_query(params: Mapping[str, Sequence[str]], columns: Columns) -> np.ndarray:
    """One row from query parameters; each name maps to every value given for it. An optional feature may be
    left out (missing); a name given without a value counts as not given."""
    params = {name: values for name, values in params.items() if values}
    for name, values in params.items():
        if name in columns.index and len(values) > 1:
            raise InvalidInput(f"{name} is given {len(values)} times", code="duplicate_feature", field=name, row=0)
    columns.check_keys(params.keys(), 0)
    row = [columns.text_value(params[name][0], 0, column) if name in params else math.nan
           for column, name in enumerate(columns.names)]  # fmt: skip
    return columns.matrix([row])
