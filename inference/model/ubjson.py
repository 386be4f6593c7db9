"""A strict, bounded decoder for the UBJSON that ``Booster.save_model`` writes (XGBoost >= 2.1).

Typed arrays become NumPy arrays straight from the bytes; it decodes data only, and every length is checked
against the bytes that remain before anything is allocated. Its fast paths: docs/dev/runtime.md.
"""

from __future__ import annotations

import re
import struct
from typing import Any

import numpy as np

from inference.errors import ModelFormatError
from inference.trees import scan as tree_scan
from inference.trees.scan import TreeColumns

_INTEGERS = {ord(m): struct.Struct(f) for m, f in (("i", ">b"), ("U", ">B"), ("I", ">h"), ("l", ">i"), ("L", ">q"))}
_FLOATS = {ord("d"): struct.Struct(">f"), ord("D"): struct.Struct(">d")}
_NUMBER_DTYPES = {ord(marker): np.dtype(dtype) for marker, dtype in tree_scan.TYPED.items()}
_NATIVE = {dtype: dtype.newbyteorder("=") for dtype in _NUMBER_DTYPES.values()}
_INTEGER_RUNS = {
    ord(marker): (re.compile(b"(?:" + re.escape(marker.encode()) + b"." * np.dtype(dtype).itemsize + b")+", re.DOTALL),
                  np.dtype(dtype))
    for marker, dtype in tree_scan.TYPED.items() if marker in "iUIlL"
}  # fmt: skip
_CONSTANTS = {ord("Z"): None, ord("T"): True, ord("F"): False}
_INT64, _INT64_FORMAT = ord("L"), _INTEGERS[ord("L")]
_NOOP, _DOLLAR, _HASH = ord("N"), ord("$"), ord("#")
_ARRAY, _ARRAY_END, _OBJECT, _OBJECT_END = ord("["), ord("]"), ord("{"), ord("}")
_STRINGS, _CHAR = (ord("S"), ord("H")), ord("C")
MAX_DEPTH = 64


def loads(data: bytes, *, start: int = 0, end: int | None = None, tree_columns: bool = False) -> Any:
    """Decode one UBJSON document (``data[start:end]``, read in place); raise ModelFormatError on anything
    malformed or truncated.

    With ``tree_columns``, an array of objects under the key ``trees`` is decoded by ``inference.trees.scan``
    into a ``TreeColumns`` (the same trees, as concatenated node arrays) when its trees all follow the first
    one's layout; otherwise, and always without it, into a list of dicts."""
    data = bytes(data)
    reader = _Reader(data, start, len(data) if end is None else min(end, len(data)), tree_columns)
    value = reader.value(reader.marker(), depth=0)
    reader.skip_noops()
    if reader.pos != reader.end:
        raise reader.error("unexpected bytes after the document")
    return value


class _Reader:
    def __init__(self, data: bytes, start: int, end: int, tree_columns: bool) -> None:
        self.data = data
        self.tree_columns = tree_columns
        self.start = self.pos = start
        self.end = end

    def error(self, what: str) -> ModelFormatError:
        return ModelFormatError(f"corrupt UBJSON model at byte {self.pos - self.start}: {what}")

    def advance(self, size: int) -> int:
        """Claim the next ``size`` bytes; returns where they start."""
        start = self.pos
        if size < 0 or start + size > self.end:
            raise self.error(f"needs {size} more bytes, {self.end - start} remain")
        self.pos = start + size
        return start

    def marker(self) -> int:
        pos = self.pos
        if pos < self.end and self.data[pos] != _NOOP:  # the common case: nothing to skip
            self.pos = pos + 1
            return self.data[pos]
        self.skip_noops()
        if self.pos >= self.end:
            raise self.error("needs 1 more bytes, 0 remain")
        self.pos += 1
        return self.data[self.pos - 1]

    def skip_noops(self) -> None:
        data, pos, end = self.data, self.pos, self.end
        while pos < end and data[pos] == _NOOP:
            pos += 1
        self.pos = pos

    def integer(self, marker: int) -> int:
        unpacker = _INTEGERS.get(marker)
        if unpacker is None:
            raise self.error(f"expected an integer marker, got {bytes([marker])!r}")
        return int(unpacker.unpack_from(self.data, self.advance(unpacker.size))[0])

    def length(self) -> int:
        data, pos = self.data, self.pos
        if pos + 9 <= self.end and data[pos] == _INT64:
            # Fast path for what XGBoost writes before every key, string and array: an 'L' (int64) length.
            size = int(_INT64_FORMAT.unpack_from(data, pos + 1)[0])
            self.pos = pos + 9
        else:
            size = self.integer(self.marker())
        if size < 0 or size > self.end - self.pos:
            raise self.error(f"length {size} exceeds the remaining input")
        return size

    def string(self) -> str:
        size = self.length()  # checked against the remaining input
        start = self.pos
        self.pos += size
        try:
            return str(self.data[start : start + size], "utf-8")
        except UnicodeDecodeError as exc:
            raise self.error("string is not UTF-8") from exc

    def value(self, marker: int, depth: int) -> Any:
        data, pos = self.data, self.pos
        if marker == _ARRAY and depth < MAX_DEPTH and pos + 12 <= self.end and data[pos] == _DOLLAR:
            # Fast path for XGBoost's node arrays, "[$<type>#L<int64 count>" then the numbers: same
            # checks as the general path (array -> container_header -> length), without the calls.
            dtype = _NUMBER_DTYPES.get(data[pos + 1])
            if dtype is not None and data[pos + 2] == _HASH and data[pos + 3] == _INT64:
                self.pos = pos + 12
                count = int(_INT64_FORMAT.unpack_from(data, pos + 4)[0])
                if count < 0 or count > self.end - self.pos:
                    raise self.error(f"length {count} exceeds the remaining input")
                return self.numbers(dtype, count)
        if marker in _CONSTANTS:
            return _CONSTANTS[marker]
        if marker in _INTEGERS:
            return self.integer(marker)
        if marker in _FLOATS:
            unpacker = _FLOATS[marker]
            return float(unpacker.unpack_from(self.data, self.advance(unpacker.size))[0])
        if marker in _STRINGS:
            return self.string()
        if marker == _CHAR:
            return chr(self.data[self.advance(1)])
        if depth >= MAX_DEPTH:
            raise self.error(f"nesting deeper than {MAX_DEPTH}")
        if marker == _ARRAY:
            return self.array(depth + 1)
        if marker == _OBJECT:
            return self.object(depth + 1)
        raise self.error(f"unknown marker {bytes([marker])!r}")

    def container_header(self) -> tuple[int | None, int | None]:
        """Read the optional ``$type`` and ``#count`` of an optimized container."""
        data, end = self.data, self.end
        element_type = count = None
        if self.pos < end and data[self.pos] == _DOLLAR:
            self.pos += 1
            element_type = data[self.advance(1)]
            if self.pos >= end or data[self.pos] != _HASH:
                raise self.error("typed container without a count")
        if self.pos < end and data[self.pos] == _HASH:
            self.pos += 1
            count = self.length()
        return element_type, count

    def array(self, depth: int) -> Any:
        element_type, count = self.container_header()
        if count is not None and element_type in _NUMBER_DTYPES:
            return self.numbers(_NUMBER_DTYPES[element_type], count)
        items: list[Any] = self.integer_runs(count) if element_type is None else []
        while count is None or len(items) < count:
            if count is None:
                marker = self.marker()
                if marker == _ARRAY_END:
                    return items
            else:
                marker = self.marker() if element_type is None else element_type
            items.append(self.value(marker, depth))
        return items

    def integer_runs(self, count: int | None) -> list[int]:
        """An untyped array's leading integers, a run of one marker at a time (XGBoost writes ``tree_info`` and
        ``iteration_indptr`` so: a marker per number), decoded as ``integer`` would, without a call per number."""
        items: list[int] = []
        data, end = self.data, self.end
        while (count is None or len(items) < count) and self.pos < end and data[self.pos] in _INTEGER_RUNS:
            pattern, dtype = _INTEGER_RUNS[data[self.pos]]
            stride = dtype.itemsize + 1
            match = pattern.match(data, self.pos, end)
            if match is None:  # a truncated number: ``integer`` says so
                break
            size = (match.end() - self.pos) // stride
            size = size if count is None else min(size, count - len(items))
            run = np.frombuffer(data, np.uint8, size * stride, self.pos).reshape(size, stride)[:, 1:]
            items += np.ascontiguousarray(run).view(dtype).ravel().tolist()
            self.pos += size * stride
        return items

    def numbers(self, dtype: np.dtype[Any], count: int) -> np.ndarray:
        start = self.advance(count * dtype.itemsize)
        if count == 0:  # a quarter of a model's arrays (categories of numerical trees): skip the copy
            return np.empty(0, _NATIVE[dtype])
        # frombuffer reads in place; astype makes the writable, native-order copy callers get.
        return np.frombuffer(self.data, dtype, count, start).astype(_NATIVE[dtype])

    def object(self, depth: int) -> dict[str, Any]:
        element_type, count = self.container_header()
        result: dict[str, Any] = {}
        data, end = self.data, self.end
        while count is None or len(result) < count:
            if self.pos < end and data[self.pos] == _NOOP:
                self.skip_noops()
            if count is None and self.pos < end and data[self.pos] == _OBJECT_END:
                self.pos += 1
                return result
            key = self.string()
            if key in result:
                raise self.error(f"duplicate key {key!r}")
            if key == "trees" and self.tree_columns and element_type is None:
                columns = self.tree_array(depth)
                if columns is not None:
                    result[key] = columns
                    continue
            result[key] = self.value(self.marker() if element_type is None else element_type, depth)
        return result

    def tree_array(self, depth: int) -> TreeColumns | None:
        """An array of objects decoded by ``tree_scan``, or None (nothing read) when the scanner declines it."""
        start, data = self.pos, self.data
        if depth + 1 >= MAX_DEPTH or data[start : start + 1] != b"[":
            return None
        try:
            self.pos += 1
            element_type, count = self.container_header()
            first_at = self.pos
            if element_type is not None or count == 0 or data[first_at : first_at + 1] != b"{":
                raise self.error("not an array of objects")
            self.pos += 1
            scanned = tree_scan.scan(data, first_at, self.end, self.object(depth + 2), count)
        except ModelFormatError:
            scanned = None  # the general decoder meets the same fault and says where
        if scanned is None:
            self.pos = start
            return None
        self.pos = scanned[1]
        return scanned[0]
