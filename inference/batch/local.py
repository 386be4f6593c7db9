"""Score a local file on every core: byte ranges at line boundaries, one process each, parts joined in order.

Each process scores its ranges into part files beside the output (bounded memory: a range is streamed);
the parts are appended to the output as soon as they come in order, and deleted. The output and its errors
file appear whole, by a rename, when every range is scored.
"""

from __future__ import annotations

import multiprocessing
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.batch.progress import Progress
from inference.batch.ranges import ByteRange, blocks, file_reader, header, plan
from inference.batch.scorer import Scorer
from inference.batch.stream import Counts, renumbered, score_stream

ERRORS_SUFFIX = ".errors.jsonl"
MIN_RANGE_BYTES = 1 << 20


@dataclass(frozen=True)
class _Worker:
    scorer: Scorer
    input: str
    parts: str
    done: Any  # multiprocessing.Value("q"): bytes scored, for the progress line


_WORKER: list[_Worker] = []
"""The scorer each process inherits (fork) from the parent, which loaded the model once."""


def range_size(size: int, workers: int, range_bytes: int) -> int:
    """Ranges small enough that every process gets several (an even finish), at most ``range_bytes``."""
    return max(MIN_RANGE_BYTES, min(range_bytes, -(-size // (workers * 8))))


def score_file(scorer: Scorer, source: Path, output: Path, *, workers: int, range_bytes: int) -> dict[str, Any]:
    """Score ``source`` into ``output`` and ``output.errors.jsonl``; the summary's counts and times."""
    started, size = time.monotonic(), source.stat().st_size
    with file_reader(str(source)) as read:
        first = header(read, size)[1] if scorer.options.header else 0
        ranges = plan(size, range_size(size - first, workers, range_bytes), read, first=first)
    directory = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        counts = _score_ranges(scorer, source, ranges, directory, workers, first)
        (directory / "answers").replace(output)
        (directory / "errors").replace(output.with_name(output.name + ERRORS_SUFFIX))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return {"input": str(source), "output": str(output), "errors": str(output) + ERRORS_SUFFIX,
            **counts.to_document(), "seconds": round(time.monotonic() - started, 3), "workers": workers,
            "ranges": len(ranges), "model_version": scorer.bundle.version}  # fmt: skip


def _score_ranges(scorer: Scorer, source: Path, ranges: list[ByteRange], directory: Path, workers: int,
                  first: int) -> Counts:  # fmt: skip
    context = multiprocessing.get_context("fork")  # each process inherits the loaded model: no pickling, no reload
    done = context.Value("q", 0)
    _WORKER[:] = [_Worker(scorer, str(source), str(directory), done)]
    counts = Counts(lines=1 if first else 0)
    with (directory / "answers").open("wb") as answers, (directory / "errors").open("wb") as errors:
        head = scorer.header_line()
        answers.write(b"" if head is None else head + b"\n")
        # The pool forks before the progress thread starts: a fork copies no other thread.
        with _pool(context, min(workers, len(ranges))) as pool, \
                Progress(sum(end - start for start, end in ranges), lambda: int(done.value)):  # fmt: skip
            for index, part in pool.imap(_score_range, enumerate(ranges)):
                errors.write(renumbered(_take(directory / f"{index}.errors"), counts.lines))
                with (directory / f"{index}.answers").open("rb") as answered:
                    shutil.copyfileobj(answered, answers, 1 << 20)
                (directory / f"{index}.answers").unlink()
                counts.add(part)
    return counts


STOPS = (signal.SIGTERM, signal.SIGHUP)


def _pool(context: Any, processes: int) -> Any:
    """``processes`` forked workers (or this process alone). A stop signal waits while they fork: raised in a
    fork's own callbacks, its exception would be dropped and the job would go on."""
    if processes < 2:
        return _InProcess()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
    try:
        return context.Pool(processes, _default_signals)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _default_signals() -> None:
    """A worker dies at once when the pool is terminated (the parent's handlers are for the parent's cleanup)."""
    for stop in STOPS:
        signal.signal(stop, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)


class _InProcess:
    """A pool of one: the ranges scored in this process, in order."""

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap(self, function: Any, tasks: Any) -> Any:
        return map(function, tasks)


def _take(path: Path) -> bytes:
    data = path.read_bytes()
    path.unlink()
    return data


def _score_range(task: tuple[int, ByteRange]) -> tuple[int, Counts]:
    index, (start, end) = task
    worker = _WORKER[0]

    def scored(size: int) -> None:
        with worker.done.get_lock():
            worker.done.value += size

    parts = Path(worker.parts)
    with file_reader(worker.input) as read, (parts / f"{index}.answers").open("wb", buffering=1 << 20) as answers, \
            (parts / f"{index}.errors").open("wb") as errors:  # fmt: skip
        counts = score_stream(worker.scorer, blocks(read, start, end), answers, errors, at_start=start == 0,
                              progress=scored)  # fmt: skip
    return index, counts
