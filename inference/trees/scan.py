"""Decode XGBoost's array of trees in one vectorized pass, into every tree's node arrays concatenated.

The first tree, decoded by the general decoder, is the skeleton every tree must follow byte for byte; NumPy
checks all trees against it at once. Anything else makes ``scan`` decline (the general decoder then decodes
or refuses as before): it never answers what the general decoder would not. How: docs/dev/runtime.md.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

TYPED = {"i": "i1", "U": "u1", "I": ">i2", "l": ">i4", "L": ">i8", "d": ">f4", "D": ">f8"}
"""UBJSON's numeric markers and the NumPy dtype of each."""
_MARKER_OF = {np.dtype(dtype).newbyteorder("="): ord(marker) for marker, dtype in TYPED.items()}
_INTEGER_TYPES = [(ord(m), np.dtype(TYPED[m])) for m in "iUIlL"]
_INT64 = struct.Struct(">q")
_WIDTHS = np.zeros(256, np.int64)
_WIDTHS[[marker for marker, _ in _INTEGER_TYPES]] = [dtype.itemsize for _, dtype in _INTEGER_TYPES]
MAX_STRING = 4096
"""Longest string value the scanner takes (tree_param's are a few digits); a longer one is left to the decoder."""


class Declined(Exception):
    """The trees do not follow the first tree's skeleton exactly: the general decoder takes over."""


_Array = tuple[np.dtype[Any], np.ndarray, np.ndarray]
"""A typed array of every tree: its dtype as written, where each tree's values start in the document, and
each tree's offsets into the column (tree i has entries ``offsets[i]`` to ``offsets[i + 1]``)."""


class TreeColumns(Sequence[dict[str, Any]]):
    """The trees of a model as columns: per key, every tree's values concatenated in tree order.

    Indexing (and iteration) gives each tree as the general decoder would: a dict of fresh arrays, ints and
    strings, in the document's key order. ``column(key)`` and ``counts(key)`` give a node array of all trees
    and each tree's number of entries, without building the dicts; a column is read out of the document's
    bytes when first asked for (the bytes are kept until then)."""

    def __init__(self, data: bytes, keys: list[str], arrays: dict[str, _Array], integers: dict[str, np.ndarray],
                 strings: dict[str, dict[str, tuple[str, np.ndarray]]]) -> None:  # fmt: skip
        self.keys = keys
        self._data = data
        self._arrays = arrays
        self._columns: dict[str, np.ndarray] = {}
        self._integers = integers
        self._strings = strings  # key -> inner key -> (all trees' values joined, offsets)
        self._count = len(next(iter(arrays.values()))[1]) if arrays else len(next(iter(integers.values())))

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        tree = range(self._count)[index]  # IndexError and negative indices as for a list
        result: dict[str, Any] = {}
        for key in self.keys:
            if key in self._arrays:
                offsets = self._arrays[key][2]
                result[key] = self.column(key)[offsets[tree] : offsets[tree + 1]].copy()
            elif key in self._integers:
                result[key] = int(self._integers[key][tree])
            else:
                result[key] = {name: text[at[tree] : at[tree + 1]] for name, (text, at) in self._strings[key].items()}
        return result

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(self.__getitem__, range(self._count))

    def column(self, key: str) -> np.ndarray:
        """Every tree's ``key`` array, concatenated (native byte order); KeyError if the trees have no ``key``,
        TypeError if it is not an array."""
        column = self._columns.get(key)
        if column is None:
            if key not in self._arrays:
                raise KeyError(key) if key not in self.keys else TypeError(f"{key} is not an array")
            dtype, starts, offsets = self._arrays[key]
            column = self._columns[key] = _joined_values(self._data, dtype, starts, offsets)
        return column

    def counts(self, key: str) -> np.ndarray:
        """How many entries each tree's ``key`` array has (int64, one per tree); errors as ``column``."""
        if key not in self._arrays:
            self.column(key)
        return np.diff(self._arrays[key][2])


def _joined_values(data: bytes, dtype: np.dtype[Any], starts: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    if offsets[-1] == 0:
        return np.empty(0, dtype.newbyteorder("="))
    stops = starts + np.diff(offsets) * dtype.itemsize
    values = np.frombuffer(_join(data, starts, stops), dtype)
    native = dtype.newbyteorder("=")
    return values if native == dtype else values.byteswap(inplace=True).view(native)


def _join(data: bytes, starts: np.ndarray, stops: np.ndarray) -> bytearray:
    """``data[start:stop]`` for each pair, joined (writable)."""
    return bytearray().join(map(memoryview(data).__getitem__, map(slice, starts.tolist(), stops.tolist())))


def scan(data: bytes, start: int, end: int, first: dict[str, Any],
         count: int | None) -> tuple[TreeColumns, int] | None:  # fmt: skip
    """The trees of the array whose first tree (decoded as ``first``) starts at ``start``, and where the array
    ends; None when they do not all follow that tree's skeleton (the caller then decodes them one by one).
    Nothing at or past ``end`` is read. ``count`` is the array's declared length, None when ``]`` ends it."""
    try:
        skeleton = _skeleton(first)
        starts = _find_starts(data, start, end, skeleton, count)
        return _Walk(data, end, starts).trees(skeleton, count is None)
    except Declined:
        return None


def _skeleton(first: dict[str, Any]) -> list[tuple[str, bytes, Any]]:
    """(key, the bytes that write the key, what its value is) per key: a typed array's (marker, item size,
    entries in the first tree), ``int``, or the inner keys of an object of strings (and their bytes)."""
    skeleton: list[tuple[str, bytes, Any]] = []
    for key, value in first.items():
        if isinstance(value, np.ndarray) and value.dtype in _MARKER_OF:
            kind: Any = (_MARKER_OF[value.dtype], value.dtype.itemsize, len(value))
        elif type(value) is int:
            kind = int
        elif isinstance(value, dict) and all(type(text) is str for text in value.values()):
            kind = [(name, _key_bytes(name)) for name in value]
        else:
            raise Declined
        skeleton.append((key, _key_bytes(key), kind))
    if not skeleton:
        raise Declined
    return skeleton


def _key_bytes(key: str) -> bytes:
    encoded = key.encode()
    return b"L" + _INT64.pack(len(encoded)) + encoded


def _find_starts(data: bytes, start: int, end: int, skeleton: list[tuple[str, bytes, Any]],
                 count: int | None) -> np.ndarray:  # fmt: skip
    """Where each tree seems to start: found by its first key's bytes, past the bytes its node arrays take if
    they have as many entries as its first array (``_Walk`` then checks that every tree ends where the next
    one starts, so a wrong guess only declines)."""
    _, key_bytes, kind = skeleton[0]
    head, step = b"{" + key_bytes, 0
    if isinstance(kind, tuple):
        head += b"[$" + bytes([kind[0]]) + b"#L"
        step = sum(value[1] for _, _, value in skeleton if isinstance(value, tuple) and value[2] == kind[2])
    if data[start : start + len(head)] != head:
        raise Declined
    starts, position, find = [start], start, data.find
    while count is None or len(starts) < count:
        at = position + len(head)
        entries = _INT64.unpack_from(data, at)[0] if step and at + 8 <= end else 0
        position = find(head, at + min(max(entries, 0) * step, end), end)
        if position < 0:
            break
        starts.append(position)
    if count is not None and len(starts) != count:
        raise Declined
    return np.array(starts, dtype=np.int64)


class _Walk:
    """A cursor per tree, moved through every tree's bytes at once, key by key."""

    def __init__(self, data: bytes, end: int, starts: np.ndarray) -> None:
        self.data = data
        self.end = end
        self.bytes = np.frombuffer(data, np.uint8)
        self.starts = starts
        self.pos = starts.copy()

    def trees(self, skeleton: list[tuple[str, bytes, Any]], ends_with_bracket: bool) -> tuple[TreeColumns, int]:
        arrays, integers, strings = {}, {}, {}
        opening = b"{"  # bytes owed to the next check: the tree's "{", or the "}" that closes an object of strings
        for key, key_bytes, kind in skeleton:
            prefix, opening = opening + key_bytes, b""
            if isinstance(kind, tuple):
                dtype = np.dtype(TYPED[chr(kind[0])])
                counts = self.counted(prefix + b"[$" + bytes([kind[0]]) + b"#L")
                arrays[key] = (dtype, self.pos.copy(), _offsets(counts))
                self.skip(counts, dtype.itemsize)
            elif kind is int:
                self.expect(prefix)
                integers[key] = self.integer()
            else:
                self.expect(prefix + b"{")
                strings[key] = {name: self.string(name_bytes) for name, name_bytes in kind}
                opening = b"}"
        self.expect(opening + b"}")
        if not np.array_equal(self.pos[:-1], self.starts[1:]):
            raise Declined
        end = int(self.pos[-1])
        if ends_with_bracket:
            if end >= self.end or self.data[end] != ord("]"):
                raise Declined
            end += 1
        return TreeColumns(self.data, [key for key, _, _ in skeleton], arrays, integers, strings), end

    def gather(self, size: int) -> np.ndarray:
        """The next ``size`` bytes of every tree, (trees, size); the cursors move past them."""
        if int(self.pos.max()) + size > self.end:
            raise Declined
        taken = self.bytes.take(self.pos[:, None] + np.arange(size))
        self.pos += size
        return taken

    def expect(self, template: bytes) -> None:
        if template and not (self.gather(len(template)) == np.frombuffer(template, np.uint8)).all():
            raise Declined

    def counted(self, template: bytes) -> np.ndarray:
        """Check ``template`` and read the int64 that follows it."""
        taken = self.gather(len(template) + 8)
        if not (taken[:, : len(template)] == np.frombuffer(template, np.uint8)).all():
            raise Declined
        return np.ascontiguousarray(taken[:, len(template) :]).view(">i8")[:, 0].astype(np.int64)

    def skip(self, counts: np.ndarray, item_size: int) -> None:
        if np.any((counts < 0) | (counts > (self.end - self.pos) // item_size)):
            raise Declined
        self.pos += counts * item_size

    def integer(self) -> np.ndarray:
        markers = self.gather(1)[:, 0]
        widths = _WIDTHS[markers]
        if not widths.all() or int((self.pos + widths).max()) > self.end:
            raise Declined
        values = np.empty(len(markers), np.int64)
        for marker, dtype in _INTEGER_TYPES:
            chosen = np.flatnonzero(markers == marker)
            if len(chosen):
                raw = self.bytes[self.pos[chosen, None] + np.arange(dtype.itemsize)]
                values[chosen] = raw.view(dtype)[:, 0]
        self.pos += widths
        return values

    def string(self, name_bytes: bytes) -> tuple[str, np.ndarray]:
        lengths = self.counted(name_bytes + b"SL")
        if np.any(lengths > MAX_STRING):
            raise Declined
        starts = self.pos.copy()
        self.skip(lengths, 1)
        text = _join(self.data, starts, self.pos)
        if not text.isascii():
            raise Declined
        return text.decode("ascii"), _offsets(lengths)


def _offsets(counts: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets
