"""Run a command and sample the resident memory of its whole process tree (a parent and its workers)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

SAMPLE_SECONDS = 0.1


class Measured(NamedTuple):
    seconds: float
    cpu_seconds: float
    """User and system time of the process and every descendant it waited for (its workers)."""
    peak_mb: float
    """The largest sum of VmRSS over the process and its descendants seen while it ran (pages that forked
    workers share with their parent count once per process: an upper bound)."""
    returncode: int
    stderr: str


def run_measured(command: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Measured:
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)  # fmt: skip
    assert process.stderr is not None
    peak, status, usage = 0, 0, None
    while usage is None:
        peak = max(peak, tree_rss_kb(process.pid))
        pid, status, found = os.wait4(process.pid, os.WNOHANG)
        if pid:
            usage = found
        else:
            time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read()
    process.stderr.close()
    return Measured(seconds, usage.ru_utime + usage.ru_stime, peak / 1024, process.returncode, stderr)


def tree_rss_kb(pid: int) -> int:
    total = 0
    for member in [pid, *descendants(pid)]:
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


def descendants(pid: int) -> list[int]:
    try:
        children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split()]  # fmt: skip
    except OSError:
        return []
    return [grandchild for child in children for grandchild in (child, *descendants(child))]
