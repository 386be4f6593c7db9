"""Reading an Open Inference Protocol inference request: its input tensors as the model's checked matrix.

Two shapes are read: one ``[N, F]`` tensor of numbers (FP32, FP64 or an integer type) holding every feature in
model order, a categorical feature by its code, as ``/invocations`` takes it; or one ``[N]`` (or ``[N, 1]``)
tensor per feature, named after it, numbers for a numeric feature and BYTES (category names) for a categorical
one, an optional feature left out or ``null`` where missing. ``data`` is flat (row-major) or nested. Every
refusal is a 400 naming the input or the feature (413 past the row limit).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from inference.errors import InvalidInput, echoed
from inference.model.columns import Columns
from inference.protocols.formats.application_json import load_json, repeated_key
from inference.protocols.formats.cells import checked_matrix
from inference.protocols.limits import check_row_count

NUMERIC = frozenset(
    {"FP16", "FP32", "FP64", *(f"{kind}{bits}" for kind in ("INT", "UINT") for bits in (8, 16, 32, 64))}
)
DATATYPES = NUMERIC | {"BYTES"}
OUTPUTS = ("predict", "predict_proba")
FIELD = "inputs"
_REQUEST_KEYS = frozenset({"id", "parameters", "inputs", "outputs"})
_TENSOR_KEYS = frozenset({"name", "shape", "datatype", "data", "parameters"})


class InferRequest(NamedTuple):
    rows: np.ndarray
    outputs: tuple[str, ...]
    """The outputs asked for, in order; ``("predict",)`` when the request names none."""
    id: str | None


class Tensor(NamedTuple):
    name: str
    shape: tuple[int, ...]
    datatype: str
    values: list[Any]
    """Flat, row-major."""


def read(text: str, columns: Columns) -> InferRequest:
    document = load_json(text)
    if not isinstance(document, dict) or not isinstance(document.get("inputs"), list) or not document["inputs"]:
        raise InvalidInput('the body must be a JSON object with "inputs", a non-empty list of tensors',
                           code="missing_field", field=FIELD)  # fmt: skip
    _no_repeated_key(document)
    unknown = sorted(set(document) - _REQUEST_KEYS)
    if unknown:
        raise InvalidInput(f"{echoed(unknown[0])!r} is not a field of an inference request", code="unknown_field",
                           field=echoed(unknown[0]))  # fmt: skip
    request_id = document.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise InvalidInput("id must be a string", code="malformed_json", field="id")
    tensors = [tensor(item, index) for index, item in enumerate(document["inputs"])]
    whole = len(tensors) == 1 and tensors[0].name not in columns.index and len(tensors[0].shape) == 2
    rows = whole_matrix(tensors[0], columns) if whole else by_feature(tensors, columns)
    return InferRequest(rows, outputs(document.get("outputs")), request_id)


def tensor(item: object, index: int) -> Tensor:
    """One input tensor, checked: a name, a shape of whole numbers, a datatype read here, as many values."""
    where = f"inputs[{index}]"
    if not isinstance(item, dict) or not {"name", "shape", "datatype", "data"} <= set(item):
        raise InvalidInput(f"{where} must be an object with name, shape, datatype and data", code="malformed_json",
                           field=FIELD)  # fmt: skip
    _no_repeated_key(item)
    unknown = sorted(set(item) - _TENSOR_KEYS)
    name, shape, datatype = item["name"], item["shape"], item["datatype"]
    if unknown or not isinstance(name, str) or not name:
        raise InvalidInput(f"{where} must have a non-empty string name and no {unknown[:1]}", code="malformed_json",
                           field=FIELD)  # fmt: skip
    if not isinstance(shape, list) or not all(type(size) is int and size >= 0 for size in shape) or not shape:
        raise InvalidInput(f"{where} ({echoed(name)}): shape must be a list of sizes", code="malformed_json",
                           field=echoed(name))  # fmt: skip
    if datatype not in DATATYPES:
        raise InvalidInput(f"{where} ({echoed(name)}): datatype must be one of FP32, FP64, BYTES or an integer type, "
                           f"got {echoed(datatype)!r}", code="unsupported_datatype", field=echoed(name))  # fmt: skip
    values = list(_flat(item["data"], len(shape)))
    if len(values) != math.prod(shape):
        raise InvalidInput(f"{where} ({echoed(name)}) holds {len(values)} values, not the {math.prod(shape)} of its "
                           f"shape {shape}", code="wrong_shape", field=echoed(name))  # fmt: skip
    return Tensor(name, tuple(shape), datatype, values)


def _no_repeated_key(value: dict[str, Any]) -> None:
    key = repeated_key(value)
    if key is not None:
        raise InvalidInput(f"key {echoed(key)!r} appears twice", code="duplicate_field", field=echoed(key))


def _flat(data: object, depth: int) -> Iterator[Any]:
    if not isinstance(data, list):
        raise InvalidInput("data must be a list of values (flat, or nested as the shape)", code="malformed_json",
                           field=FIELD)  # fmt: skip
    for value in data:
        if isinstance(value, list):
            if depth <= 1:
                raise InvalidInput("data is nested deeper than its shape", code="wrong_shape", field=FIELD)
            yield from _flat(value, depth - 1)
        else:
            yield value


def whole_matrix(matrix: Tensor, columns: Columns) -> np.ndarray:
    """One [N, F] tensor: every feature in model order, numbers (a category by its code), null where missing."""
    count, width = matrix.shape
    if width != len(columns.names) or matrix.datatype not in NUMERIC:
        raise InvalidInput(f"input {echoed(matrix.name)!r} must be a numeric [N, {len(columns.names)}] tensor (one "
                           f"column per feature: {columns.listing()}) or one tensor per feature, named after it",
                           code="wrong_shape", field=echoed(matrix.name))  # fmt: skip
    check_row_count(count, FIELD)
    names = columns.names
    values = matrix.values
    rows = [[columns.coded_json(values[row * width + column], row, column) for column in range(len(names))]
            for row in range(count)]  # fmt: skip
    return checked_matrix(rows, columns)


def by_feature(tensors: list[Tensor], columns: Columns) -> np.ndarray:
    """One [N] or [N, 1] tensor per feature: numbers for a numeric one, BYTES (names) for a categorical one."""
    given = {}
    for found in tensors:
        if found.name in given:
            raise InvalidInput(f"input {echoed(found.name)!r} appears twice", code="duplicate_feature",
                               field=echoed(found.name))  # fmt: skip
        given[found.name] = found
    columns.check_keys(given.keys(), None)
    counts = {found.shape[0] for found in tensors}
    if any(len(found.shape) > 2 or found.shape[1:] not in ((), (1,)) for found in tensors) or len(counts) != 1:
        raise InvalidInput("each feature's input must have the shape [N] or [N, 1], the same N for all",
                           code="wrong_shape", field=FIELD)  # fmt: skip
    count = counts.pop()
    check_row_count(count, FIELD)
    for feature in columns.features:
        datatype = given[feature.name].datatype if feature.name in given else None
        wanted = "BYTES" if feature.categorical else "a numeric datatype (FP32, FP64 or an integer type)"
        if datatype is not None and (datatype == "BYTES") != feature.categorical:
            raise InvalidInput(f"input {feature.name} must be {wanted}, got {datatype}", code="wrong_datatype",
                               field=feature.name)  # fmt: skip
    present = [(column, given[name].values) for column, name in enumerate(columns.names) if name in given]
    rows = [[math.nan] * len(columns.names) for _ in range(count)]
    for column, values in present:
        for row, value in enumerate(values):
            rows[row][column] = columns.json_value(value, row, column)
    return columns.matrix(rows)


def outputs(value: object) -> tuple[str, ...]:
    """The outputs a request asks for (``[{"name": ...}, ...]``), each ``predict`` or ``predict_proba``."""
    if value is None:
        return ("predict",)
    if not isinstance(value, list) or not value or not all(isinstance(item, dict) for item in value):
        raise InvalidInput('outputs must be a non-empty list of {"name": ...}', code="malformed_json", field="outputs")
    names = tuple(item.get("name") for item in value)
    unknown = [name for name in names if name not in OUTPUTS]
    if unknown:
        raise InvalidInput(f"{echoed(unknown[0])!r} is not an output; outputs: {', '.join(OUTPUTS)}",
                           code="unknown_output", field="outputs")  # fmt: skip
    return tuple(str(name) for name in names)
