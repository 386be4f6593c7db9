"""A progress line on a terminal (carriage returns, on stderr), and the summary a job ends with."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO


class Progress:
    """Redraws ``done()`` of ``total`` bytes every ``interval`` seconds while running, when ``stream`` is a tty."""

    def __init__(self, total: int, done: Callable[[], int], stream: TextIO = sys.stderr, interval: float = 0.5) -> None:
        self.total, self.done, self.stream, self.interval = total, done, stream, interval
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="progress", daemon=True)

    def __enter__(self) -> Progress:
        if self.stream.isatty():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.stream.write("\r\033[K" + self.line())
            self.stream.flush()

    def line(self) -> str:
        done, elapsed = min(self.done(), self.total), time.monotonic() - self.started
        share = done / self.total if self.total else 1.0
        left = f", {elapsed * (1 - share) / share:.0f} s left" if 0 < share < 1 else ""
        return f"scored {share:6.1%} of {_size(self.total)} in {elapsed:.0f} s{left}"


def _size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def summary_text(summary: dict[str, Any]) -> str:
    """The lines a finished job prints: what was scored, how fast, what failed, where the results are."""
    seconds = summary["seconds"]
    rate = f", {summary['rows'] / seconds:,.0f} rows/s" if seconds > 0 else ""
    failed = summary["failed_rows"]
    lines = [
        f"scored {summary['rows']:,} rows of {summary['input']} in {seconds:.1f} s{rate}: "
        f"{summary['rows'] - failed:,} answered, {failed:,} failed, {summary['blank_lines']:,} blank lines",
        f"answers: {summary['output']} (one line per input line, in order)",
        f"errors:  {summary['errors']}" + (" (none)" if not failed else " (line, status and message of each)"),
        f"model:   {summary['model_version']}",
    ]
    return "\n".join(lines)
