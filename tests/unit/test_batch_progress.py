"""The progress line: redrawn on a terminal while a job runs, never written elsewhere (a log, a pipe)."""

from __future__ import annotations

import io
import time

from inference.batch.progress import Progress, summary_text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_the_share_done_redrawn_then_cleared() -> None:
    done = [0]
    terminal = Terminal()
    with Progress(2_000_000, lambda: done[0], terminal, interval=0.01):
        for step in range(1, 5):
            done[0] = step * 500_000
            time.sleep(0.05)
    drawn = terminal.getvalue()
    assert "scored  25.0% of 2.0 MB" in drawn and "scored 100.0% of 2.0 MB" in drawn
    assert " s left" in drawn and drawn.endswith("\r\033[K")


def test_a_pipe_gets_no_progress_line() -> None:
    pipe = io.StringIO()
    with Progress(100, lambda: 50, pipe, interval=0.01):
        time.sleep(0.05)
    assert pipe.getvalue() == ""


def test_the_summary_says_what_failed_and_where_the_results_are() -> None:
    text = summary_text({"input": "in.csv", "output": "out.csv", "errors": "out.csv.errors.jsonl", "rows": 10,
                         "failed_rows": 2, "blank_lines": 1, "seconds": 0.5, "model_version": "v1"})  # fmt: skip
    assert text.splitlines() == [
        "scored 10 rows of in.csv in 0.5 s, 20 rows/s: 8 answered, 2 failed, 1 blank lines",
        "answers: out.csv (one line per input line, in order)",
        "errors:  out.csv.errors.jsonl (line, status and message of each)",
        "model:   v1",
    ]
