"""Score lines as ``/invocations`` answers each of them: one answer line per input line, and per-row errors.

A chunk of lines (at most ``MAX_ROWS``, the rows one request may carry) is read by the codec registry's
reader in one go; when the reader refuses it, each line is read alone, so a malformed row fails by itself
with the very error ``/invocations`` would answer for it, and its neighbours are scored. Blank lines answer
blank lines and are not rows. Answers are written by the Accept's writer, one line per row.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from inference.batch.options import Options
from inference.batch.table import Join, Table, cells_of
from inference.errors import InferenceError
from inference.model.bundle import ModelBundle
from inference.protocols.codecs import CODECS, utf8_text
from inference.protocols.limits import MAX_ROWS
from inference.protocols.sagemaker.answers import records, selected_keys
from inference.protocols.sagemaker.invocations import READING, negotiate
from inference.trees.objectives import objective_of

NOT_FINITE = "the model predicted a value that is not finite"


class Scored(NamedTuple):
    answers: list[bytes]
    """One per input line: the answer, or b"" for a blank line or a row that failed."""
    errors: list[tuple[int, InferenceError]]
    """(index of the line in the chunk, the error /invocations answers for it)."""
    blank: int


class Scorer:
    """One job's reading, prediction and writing; refuses impossible options at once (415, 406, 400)."""

    def __init__(self, bundle: ModelBundle, options: Options, header: str | None = None) -> None:
        self.bundle, self.options = bundle, options
        self.read = CODECS.reader(options.content_type, READING)
        codec = negotiate(options.accept, None)
        assert codec.writer is not None and codec.answer_type is not None
        self.writer, self.answer_type = codec.writer, codec.answer_type
        self.objective = bundle.ensemble.objective
        self.keys = selected_keys(options.output_keys, self.objective, "output_keys")
        self.table = Table(header or "", bundle.schema.names, options.join_columns()) if options.header else None
        csv_input = READING.default if self.table is None else "text/csv"
        self.csv_answer = self.answer_type.startswith("text/csv")
        self.join = Join(options.join, self.table, csv_answer=self.csv_answer,
                         json_input="json" in options.content_type.lower())  # fmt: skip
        self._cells = self.table is not None or (self.join.enabled and not self.csv_answer and
                                                 options.content_type.lower().startswith(csv_input))  # fmt: skip

    def header_line(self) -> bytes | None:
        """A CSV output's header line when the input has one: joined columns, then the answer's."""
        if self.table is None or not self.csv_answer:
            return None
        return ",".join([*self.join.header(self.table), *self.answer_names()]).encode()

    def answer_names(self) -> list[str]:
        if self.keys is not None:
            return self.keys
        if objective_of(self.objective).output == "probabilities":
            return [f"score_{k}" for k in range(self.bundle.ensemble.num_groups)]
        return ["score"]

    def score(self, lines: list[bytes]) -> Scored:
        """``lines`` (without their ``\n``) scored: read ``MAX_ROWS`` at a time, the fast way when every line
        reads, and predicted together (larger batches predict faster)."""
        if self.table is None and not self.join.enabled:
            matrix = self._read_plain(lines)
            if matrix is not None:
                return self._answer(matrix, list(range(len(lines))), lines, [], None, 0)
        return self._careful(lines)

    def _read_plain(self, lines: list[bytes]) -> np.ndarray | None:
        """Every line as a row, read a request's worth at a time; None when any part is refused or has a
        blank line (then the lines are looked at one by one)."""
        parts = []
        for start in range(0, len(lines), MAX_ROWS):
            part = lines[start : start + MAX_ROWS]
            try:
                matrix = self.read(utf8_text(b"\n".join(part)), self.bundle.columns)
            except InferenceError:
                return None
            if len(matrix) != len(part):
                return None
            parts.append(matrix)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _careful(self, lines: list[bytes]) -> Scored:
        """Line by line: blank lines and undecodable ones apart, then the rows read together, else one by one."""
        errors: list[tuple[int, InferenceError]] = []
        blank, candidates = 0, []
        for index, line in enumerate(lines):
            try:
                text = utf8_text(line).removesuffix("\r")
            except InferenceError as error:
                errors.append((index, error))
                continue
            if text.strip():
                candidates.append((index, text))
            else:
                blank += 1
        every_cells = cells_of([text for _, text in candidates]) if self._cells else [None] * len(candidates)
        rows = []
        for (index, text), cells in zip(candidates, every_cells, strict=True):
            try:
                features = self.table.feature_line(cells or [], 0) if self.table is not None else text
                rows.append(_Row(index, text, cells, features))
            except InferenceError as error:
                errors.append((index, error))
        matrix, rows = self._read_rows(rows, errors)
        return self._answer(matrix, [row.line for row in rows], lines, errors, rows, blank)

    def _read_rows(self, rows: list[_Row], errors: list[tuple[int, InferenceError]]) -> tuple[np.ndarray, list[_Row]]:
        """The rows' matrix, read a request's worth at a time; a part refused is read row by row, each as its
        own request would be."""
        columns, read, parts = self.bundle.columns, [], []
        for start in range(0, len(rows), MAX_ROWS):
            part = rows[start : start + MAX_ROWS]
            try:
                matrix = self.read("\n".join(row.text for row in part), columns)
                if len(matrix) == len(part):
                    read += part
                    parts.append(matrix)
                    continue
            except InferenceError:
                pass
            self._read_one_by_one(part, errors, read, parts)
        return (np.concatenate(parts) if parts else np.empty((0, len(columns.names)), np.float32)), read

    def _read_one_by_one(self, rows: list[_Row], errors: list[tuple[int, InferenceError]], read: list[_Row],
                         parts: list[np.ndarray]) -> None:  # fmt: skip
        content_type = self.options.content_type if self.table is None else None
        for row in rows:
            try:
                parts.append(CODECS.read(row.text.encode(), content_type, READING, self.bundle.columns))
                read.append(row)
            except InferenceError as error:
                errors.append((row.line, error))

    def _answer(self, matrix: np.ndarray, indices: list[int], lines: list[bytes],
                errors: list[tuple[int, InferenceError]], rows: list[_Row] | None, blank: int) -> Scored:  # fmt: skip
        predicted = self.bundle.ensemble.predict(matrix).astype(np.float32) if indices else np.empty(0, np.float32)
        finite = np.isfinite(predicted) if predicted.ndim == 1 else np.isfinite(predicted).all(axis=1)
        if not finite.all():
            bad = set(np.flatnonzero(~finite).tolist())
            errors += [(indices[i], InferenceError(NOT_FINITE, code="non_finite_prediction")) for i in sorted(bad)]
            indices, predicted = [n for i, n in enumerate(indices) if i not in bad], predicted[finite]
            rows = [row for i, row in enumerate(rows) if i not in bad] if rows is not None else None
        written = self._write(predicted.tolist())
        if self.join.enabled and rows is not None:
            written = [self.join.line(row.source, row.cells, answer) for row, answer in zip(rows, written, strict=True)]
        if len(indices) == len(lines):
            return Scored(written, errors, blank)
        answers = [b""] * len(lines)
        for index, answer in zip(indices, written, strict=True):
            answers[index] = answer
        return Scored(answers, sorted(errors, key=lambda pair: pair[0]), blank)

    def _write(self, values: list[object]) -> list[bytes]:
        """Each row's answer line: the writer's answer for all rows, split; row by row when not one line each."""
        rows = records(values, self.keys, self.objective, self.bundle.ensemble.num_groups)
        if not rows:
            return []
        written = self.writer(rows, self.keys).split(b"\n")
        if written[-1] == b"" and len(written) == len(rows) + 1:
            written.pop()
        if len(written) == len(rows):
            return written
        return [self.writer([row], self.keys).rstrip(b"\n") for row in rows]


class _Row(NamedTuple):
    line: int
    """The line's index in its chunk."""
    source: str
    """The input line, as text."""
    cells: list[str] | None
    """Its CSV cells, when a header or a join needs them."""
    text: str
    """What the reader reads: the line, or (with a header) its features in model order."""
