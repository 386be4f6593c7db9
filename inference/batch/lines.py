"""A byte stream as lines, in bounded memory: a line longer than the limit is skipped, not held.

Lines come in batches (one per block read), each without its ``\\n``; a ``\\r`` before it is left for the
readers, which take ``\\r\\n`` as they do in a request. A line past ``max_line`` bytes becomes a ``LongLine``
(its length) while the stream goes on past it: a 2 GB line costs the time to read it, never the memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from inference.protocols.limits import MAX_BODY_BYTES

MAX_LINE = MAX_BODY_BYTES
"""The longest line scored: what one ``/invocations`` request may carry."""


class LongLine(NamedTuple):
    """A line longer than the limit, skipped: its length in bytes (without its terminator)."""

    length: int


Batch = list[bytes] | LongLine


def lines_of(blocks: Iterable[bytes], max_line: int = MAX_LINE) -> Iterator[Batch]:
    """The lines of the concatenated ``blocks``: lists of lines, or one ``LongLine`` at a time, in order.
    A last line without a final newline is a line; an empty stream has none."""
    carry, skipped = b"", -1  # skipped >= 0: inside a long line, that many bytes read so far
    for block in blocks:
        if skipped >= 0:
            end = block.find(b"\n")
            if end < 0:
                skipped += len(block)
                continue
            yield LongLine(skipped + end)
            skipped, block = -1, block[end + 1 :]
        last = block.rfind(b"\n")
        if last < 0:
            carry += block
        else:
            yield from _bounded((carry + block[:last]).split(b"\n"), max_line)
            carry = block[last + 1 :]
        if len(carry) > max_line:
            skipped, carry = len(carry), b""
    if skipped >= 0:
        yield LongLine(skipped)
    elif carry:
        yield [carry]


def _bounded(lines: list[bytes], max_line: int) -> Iterator[Batch]:
    if max(map(len, lines)) <= max_line:
        yield lines
        return
    start = 0
    for index, line in enumerate(lines):
        if len(line) > max_line:
            if start < index:
                yield lines[start:index]
            yield LongLine(len(line))
            start = index + 1
    if start < len(lines):
        yield lines[start:]


def count_lines(blocks: Iterable[bytes]) -> int:
    """How many lines ``lines_of`` finds in the stream, without splitting it."""
    count, last = 0, b"\n"
    for block in blocks:
        if block:
            count, last = count + block.count(b"\n"), block[-1:]
    return count + (last != b"\n")
