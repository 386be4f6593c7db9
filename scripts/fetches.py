"""Say what a make target is about to fetch, before it fetches it: what, how big, why, and where it is kept.

    python3 scripts/fetches.py local|test|synth|deploy|check [DATASET]

Standard library only: it runs before any environment exists, and stops a Python older than 3.11 with a message
that says which Python to pass. It lists only what is missing, so a later run
prints nothing, and it names what this user cannot install (Chromium, the arm64 root: they need root) with what
is skipped instead. The sizes were measured on x86_64 Linux with CPython 3.11 (README, "Set up").
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATASET = "california_housing"
UV_CACHE = " (downloads kept in uv's cache, ~/.cache/uv)"


@dataclass(frozen=True)
class Fetch:
    what: str
    size: str
    why: str
    where: str
    present: Callable[[], bool]
    needs_root: bool = False


def _exists(relative: str) -> Callable[[], bool]:
    return lambda: (REPO_ROOT / relative).exists()


def _installed(*commands: str) -> Callable[[], bool]:
    return lambda: any(shutil.which(command) for command in commands)


def _california_cached() -> bool:
    """scikit-learn's copy is in its data home (the rule of ``training.sources.sklearn_data_home``)."""
    home = Path(os.environ.get("SCIKIT_LEARN_DATA", "~/scikit_learn_data")).expanduser()
    return (home / "cal_housing_py3.pkz").is_file()


UV_FETCH = Fetch(
    what="uv 0.13.9, the installer",
    size="17 MB",
    why="it installs every environment below from its hashed lock, ~20x faster than pip",
    where="build/uv",
    present=_exists("build/uv/bin/uv"),
)
LOCAL_FETCH = Fetch(
    what="xgboost-cpu, scikit-learn, matplotlib, numpy and the server",
    size="96 MB download, 330 MB installed",
    why="training and serving on 127.0.0.1",
    where=f".venv-local{UV_CACHE}",
    present=_exists(".venv-local/.installed"),
)
DEV_FETCH = Fetch(
    what="the development toolchain (aws-cdk-lib, Node 24, pytest, moto, Playwright without a browser, ruff, mypy)",
    size="395 MB download, 1.3 GB installed",
    why="the tests, synth, deploy and the linters",
    where=f".venv{UV_CACHE}",
    present=_exists(".venv/.installed"),
)
SCAN_FETCH = Fetch(
    what="checkov and schemathesis",
    size="65 MB download, 230 MB installed",
    why="the template scan and the OpenAPI tests (their own venv: their pins conflict with .venv's)",
    where="build/scan-venv",
    present=_exists("build/scan-venv/.installed"),
)
PROTOCOL_FETCH = Fetch(
    what="tritonclient and the Open Inference Protocol's generated client",
    size="35 MB download, 130 MB installed",
    why="the v2 protocol's tests use clients this project did not write (their own venv: gevent stays out of .venv)",
    where="build/protocol-venv",
    present=_exists("build/protocol-venv/.installed"),
)
CALIFORNIA_FETCH = Fetch(
    what="California Housing's rows (scikit-learn downloads them)",
    size="0.4 MB",
    why="the default data set; SCIKIT_LEARN_DATA may name a folder that holds them already",
    where="$SCIKIT_LEARN_DATA, else ~/scikit_learn_data",
    present=_california_cached,
)
NODE_FETCH = Fetch(
    what="the CDK CLI (npm aws-cdk 2.1148.1)",
    size="29 MB",
    why="cdk synth and deploy; the tests validate the batch state machine with asl-validator from it",
    where="node_modules (downloads kept in npm's cache, ~/.npm)",
    present=_exists("node_modules/.installed"),
)
CHROMIUM_FETCH = Fetch(
    what="Debian's Chromium (apt)",
    size="~115 MB download, ~400 MB installed",
    why="the page's browser test",
    where="system packages",
    present=_installed("chromium", "chromium-browser"),
    needs_root=True,
)
WRK_FETCH = Fetch(
    what="Debian's wrk (apt)",
    size="~0.1 MB",
    why="the soak test and make bench load the real server with it",
    where="system packages",
    present=_installed("wrk"),
    needs_root=True,
)
AARCH64_FETCH = Fetch(
    what="a Debian arm64 root with Python 3.11 (debootstrap, qemu-user-static from apt), each image's aarch64 wheels",
    size="~460 MB",
    why="tests/aarch64 runs both images' code on it under QEMU",
    where="build/aarch64",
    present=_exists("build/aarch64/root/.ready"),
    needs_root=True,
)
FETCHES = {"uv": UV_FETCH, "local": LOCAL_FETCH, "dev": DEV_FETCH, "scan": SCAN_FETCH, "protocol": PROTOCOL_FETCH,
           "node": NODE_FETCH, "california": CALIFORNIA_FETCH, "chromium": CHROMIUM_FETCH, "wrk": WRK_FETCH,
           "aarch64": AARCH64_FETCH}  # fmt: skip
TARGETS = {
    "local": ("uv", "local", "california"),
    "test": ("uv", "dev", "node", "scan", "protocol", "chromium", "wrk", "aarch64"),
    "synth": ("uv", "local", "dev", "node", "california"),
    "deploy": ("uv", "local", "dev", "node", "california"),
    "check": ("uv", "dev"),
}
SKIPPED = {"chromium": "its test is skipped (as root, or `sudo make browser`, installs it)",
           "wrk": "the soak test is skipped (as root, or `sudo make wrk`, installs it)",
           "aarch64": "the tier is skipped (as root, `make test` sets it up)"}  # fmt: skip


def plan(target: str, *, is_root: bool, dataset: str = DEFAULT_DATASET) -> list[str]:
    """The lines to print before ``make <target>`` fetches anything; empty when nothing is missing."""
    names = [name for name in TARGETS[target] if name != "california" or dataset == DEFAULT_DATASET]
    missing = [(name, FETCHES[name]) for name in names if not FETCHES[name].present()]
    fetched = [f"  - {f.what}: {f.size}, into {f.where}. Why: {f.why}." for _, f in missing
               if is_root or not f.needs_root]  # fmt: skip
    skipped = [f"  - {f.what} ({f.size}) needs root: {SKIPPED[name]}." for name, f in missing
               if f.needs_root and not is_root]  # fmt: skip
    lines = [f"make {target} fetches, once (later runs reuse it):", *fetched] if fetched else []
    return lines + (["Not fetched, as this user is not root:", *skipped] if skipped else [])


def python_problem(target: str, version: tuple[object, ...], executable: str) -> str | None:
    """Why this Python cannot make the environments (they need 3.11 or newer), or None."""
    if tuple(version[:2]) >= (3, 11):
        return None
    shown = ".".join(str(part) for part in version[:3])
    return f"make {target} needs Python 3.11 or newer, and {executable} is {shown}: make {target} PYTHON=python3.12"


def main(argv: list[str] | None = None) -> int:
    target, *dataset = argv if argv is not None else sys.argv[1:] or [""]
    if target not in TARGETS or len(dataset) > 1:
        print(f"usage: python3 scripts/fetches.py {'|'.join(TARGETS)} [DATASET]", file=sys.stderr)
        return 2
    problem = python_problem(target, sys.version_info[:3], sys.executable)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    lines = plan(target, is_root=os.geteuid() == 0, dataset=(dataset or [DEFAULT_DATASET])[0])
    if lines:
        print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
