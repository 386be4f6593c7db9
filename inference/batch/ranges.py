"""Byte ranges of an input at line boundaries: each range holds whole lines, together every line once, in order.

A range's nominal end (every ``range_bytes`` from the first row) moves forward to just after the next
``\\n``, found by reading a small window there (``read(offset, size)``: a file's ``pread`` or a ranged GET).
When the window holds no ``\\n`` (a line longer than the window), that boundary is dropped and its range
runs on to the next one: a line is never split, and no planning read is larger than the window. A header
line (``--header``) is read first and kept out of every range.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import pairwise
from typing import NamedTuple

from inference.errors import InvalidInput
from inference.protocols.limits import MAX_BODY_BYTES

Read = Callable[[int, int], bytes]
"""``read(offset, size)``: up to ``size`` bytes of the input from ``offset`` (fewer at its end)."""
WINDOW = 64 * 1024
"""Bytes read at each nominal boundary to find the next line start."""
MAX_RANGES = 10_000
"""At most this many ranges an object (S3 multipart uploads take 10,000 parts): larger ones get wider ranges."""
BOM = b"\xef\xbb\xbf"


class ByteRange(NamedTuple):
    start: int
    end: int
    """Exclusive."""


def plan(size: int, range_bytes: int, read: Read, *, first: int = 0, threads: int = 1) -> list[ByteRange]:
    """Ranges covering ``[first, size)``, each starting at a line start; ``threads`` reads windows in parallel."""
    if first >= size:
        return []
    step = max(range_bytes, -(-(size - first) // MAX_RANGES), 1)
    nominal = range(first + step, size, step)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        starts = list(pool.map(lambda offset: next_line_start(read, offset, size), nominal))
    bounds = [first, *sorted({start for start in starts if start is not None and first < start < size}), size]
    return [ByteRange(start, end) for start, end in pairwise(bounds)]


def next_line_start(read: Read, offset: int, size: int) -> int | None:
    """The first line start at or after ``offset``, or None when ``WINDOW`` bytes hold no ``\\n``."""
    window = read(offset - 1, min(WINDOW, size - offset + 1))
    cut = window.find(b"\n")
    return None if cut < 0 else offset + cut


def header(read: Read, size: int, limit: int = MAX_BODY_BYTES) -> tuple[str, int]:
    """The header line's text (a BOM, and a ``\\r`` before its ``\\n``, dropped) and where the rows start."""
    data = read(0, min(size, limit + 2))
    cut = data.find(b"\n")
    if cut < 0 and len(data) > limit:
        raise InvalidInput(f"the header line is longer than {limit} bytes", code="malformed_header", field="header")
    line = data if cut < 0 else data[:cut]
    try:
        text = line.removeprefix(BOM).decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        raise InvalidInput("the header line is not UTF-8 text", code="malformed_header", field="header") from None
    if not text.strip():
        raise InvalidInput("the header line is empty; --header needs the feature names on the first line",
                           code="malformed_header", field="header")  # fmt: skip
    return text, len(data) if cut < 0 else cut + 1


@contextmanager
def file_reader(path: str) -> Iterator[Read]:
    """``read`` over a local file (``os.pread``: no shared position, safe from any thread)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        yield lambda offset, size: os.pread(fd, size, offset)
    finally:
        os.close(fd)


def blocks(read: Read, start: int, end: int, block: int = 1 << 20) -> Iterator[bytes]:
    """``[start, end)`` in blocks of at most ``block`` bytes."""
    for offset in range(start, end, block):
        yield read(offset, min(block, end - offset))
