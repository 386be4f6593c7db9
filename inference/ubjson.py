"""A strict, bounded decoder for the UBJSON that ``Booster.save_model`` writes.

XGBoost >= 2.1 saves models as Universal Binary JSON (draft 12). Its large arrays are "optimized
containers" (``[$d#L<count>`` followed by big-endian float32s); this decoder turns those straight into
NumPy arrays with ``np.frombuffer`` instead of building millions of Python floats, which is what makes
loading a 2000-tree model take milliseconds. It decodes data only: nothing in the input can make it run
code, and every length is checked against the bytes that remain before anything is allocated.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from inference.errors import ModelFormatError

_INT_FORMATS = {b"i": ">b", b"U": ">B", b"I": ">h", b"l": ">i", b"L": ">q"}
_NUMBER_DTYPES = {b"i": ">i1", b"U": ">u1", b"I": ">i2", b"l": ">i4", b"L": ">i8", b"d": ">f4", b"D": ">f8"}
_CONSTANTS = {b"Z": None, b"T": True, b"F": False}
MAX_DEPTH = 64


def loads(data: bytes) -> Any:
    """Decode one UBJSON document; raise ModelFormatError on anything malformed or truncated."""
    reader = _Reader(memoryview(data))
    value = reader.value(reader.marker(), depth=0)
    reader.skip_noops()
    if reader.pos != len(data):
        raise reader.error("unexpected bytes after the document")
    return value


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def error(self, what: str) -> ModelFormatError:
        return ModelFormatError(f"corrupt UBJSON model at byte {self.pos}: {what}")

    def take(self, size: int) -> memoryview:
        if size < 0 or self.pos + size > len(self.data):
            raise self.error(f"needs {size} more bytes, {len(self.data) - self.pos} remain")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def marker(self) -> bytes:
        self.skip_noops()
        return bytes(self.take(1))

    def skip_noops(self) -> None:
        while self.pos < len(self.data) and self.data[self.pos] == ord("N"):
            self.pos += 1

    def integer(self, marker: bytes) -> int:
        fmt = _INT_FORMATS.get(marker)
        if fmt is None:
            raise self.error(f"expected an integer marker, got {marker!r}")
        return int(struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0])

    def length(self) -> int:
        size = self.integer(self.marker())
        if size < 0 or size > len(self.data) - self.pos:
            raise self.error(f"length {size} exceeds the remaining input")
        return size

    def string(self) -> str:
        try:
            return str(self.take(self.length()), "utf-8")
        except UnicodeDecodeError as exc:
            raise self.error("string is not UTF-8") from exc

    def value(self, marker: bytes, depth: int) -> Any:
        if marker in _CONSTANTS:
            return _CONSTANTS[marker]
        if marker in _INT_FORMATS:
            return self.integer(marker)
        if marker in (b"d", b"D"):
            return float(struct.unpack(">f" if marker == b"d" else ">d", self.take(4 if marker == b"d" else 8))[0])
        if marker in (b"S", b"H"):
            return self.string()
        if marker == b"C":
            return chr(self.take(1)[0])
        if depth >= MAX_DEPTH:
            raise self.error(f"nesting deeper than {MAX_DEPTH}")
        if marker == b"[":
            return self.array(depth + 1)
        if marker == b"{":
            return self.object(depth + 1)
        raise self.error(f"unknown marker {marker!r}")

    def container_header(self) -> tuple[bytes | None, int | None]:
        """Read the optional ``$type`` and ``#count`` of an optimized container."""
        element_type = count = None
        if self.pos < len(self.data) and self.data[self.pos] == ord("$"):
            self.pos += 1
            element_type = bytes(self.take(1))
            if self.pos >= len(self.data) or self.data[self.pos] != ord("#"):
                raise self.error("typed container without a count")
        if self.pos < len(self.data) and self.data[self.pos] == ord("#"):
            self.pos += 1
            count = self.length()
        return element_type, count

    def array(self, depth: int) -> Any:
        element_type, count = self.container_header()
        if element_type in _NUMBER_DTYPES and count is not None:
            dtype = np.dtype(_NUMBER_DTYPES[element_type])
            raw = self.take(count * dtype.itemsize)
            return np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="))
        items: list[Any] = []
        while count is None or len(items) < count:
            if count is None:
                marker = self.marker()
                if marker == b"]":
                    return items
            else:
                marker = element_type or self.marker()
            items.append(self.value(marker, depth))
        return items

    def object(self, depth: int) -> dict[str, Any]:
        element_type, count = self.container_header()
        result: dict[str, Any] = {}
        while count is None or len(result) < count:
            self.skip_noops()
            if count is None and self.pos < len(self.data) and self.data[self.pos] == ord("}"):
                self.pos += 1
                return result
            key = self.string()
            if key in result:
                raise self.error(f"duplicate key {key!r}")
            result[key] = self.value(element_type or self.marker(), depth)
        return result
