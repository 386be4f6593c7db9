"""One range of an input scored into its part: the answer lines, the errors, the counts.

The range is read as a stream of blocks and scored ``CHUNK`` lines at a time, so memory stays bounded
whatever its size. Errors are JSON lines ``{"line": n, "status", "code", "message", "field"}`` with ``n``
the line's index in the range; ``renumbered`` turns it into the input's line number (from 1) once the
lines before the range are known, which is when the parts are assembled.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from inference.batch.lines import LongLine, lines_of
from inference.batch.ranges import BOM
from inference.batch.scorer import Scorer
from inference.errors import InferenceError
from inference.protocols.limits import MAX_ROWS, body_too_large

CHUNK = 4 * MAX_ROWS
"""Lines scored together: read a request's worth at a time, predicted together."""


@dataclass
class Counts:
    lines: int = 0
    """Every line, blank ones included (and the header line, in an object's counts)."""
    rows: int = 0
    failed: int = 0
    blank: int = 0

    def add(self, other: Counts) -> None:
        self.lines, self.rows = self.lines + other.lines, self.rows + other.rows
        self.failed, self.blank = self.failed + other.failed, self.blank + other.blank

    def to_document(self) -> dict[str, int]:
        return {"lines": self.lines, "rows": self.rows, "failed_rows": self.failed, "blank_lines": self.blank}

    @classmethod
    def from_document(cls, document: dict[str, int]) -> Counts:
        return cls(document["lines"], document["rows"], document["failed_rows"], document["blank_lines"])


def score_stream(scorer: Scorer, blocks: Iterable[bytes], answers: IO[bytes], errors: IO[bytes], *,
                 at_start: bool, progress: Callable[[int], None] | None = None) -> Counts:  # fmt: skip
    """Score every line of ``blocks`` into ``answers`` (one line each, in order) and ``errors``."""
    counts = Counts()
    for batch in lines_of(_counted(blocks, at_start, progress)):
        if isinstance(batch, LongLine):
            answers.write(b"\n")
            errors.write(error_line(counts.lines, body_too_large()))
            counts.add(Counts(1, 1, 1))
            continue
        for start in range(0, len(batch), CHUNK):
            chunk = batch[start : start + CHUNK]
            scored = scorer.score(chunk)
            answers.write(b"\n".join(scored.answers) + b"\n")
            errors.write(b"".join(error_line(counts.lines + index, error) for index, error in scored.errors))
            rows = len(chunk) - scored.blank
            counts.add(Counts(len(chunk), rows, len(scored.errors), scored.blank))
    return counts


def _counted(blocks: Iterable[bytes], at_start: bool, progress: Callable[[int], None] | None) -> Iterator[bytes]:
    for block in blocks:
        if progress is not None:
            progress(len(block))
        if at_start:
            block, at_start = block.removeprefix(BOM), False
        yield block


def error_line(line: int, error: InferenceError) -> bytes:
    record = {"line": line, "status": error.status, **error.to_body()["error"]}
    record.pop("row", None)  # the row of a one-line request: always 0, the line says which
    return (json.dumps(record) + "\n").encode()


_LINE = re.compile(rb'^\{"line": (\d+)', re.MULTILINE)


def renumbered(errors: bytes, lines_before: int) -> bytes:
    """A part's errors with each line's number in the input (from 1): ``lines_before`` lines precede the part."""
    return _LINE.sub(lambda match: b'{"line": %d' % (int(match[1]) + lines_before + 1), errors)
