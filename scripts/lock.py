"""Re-resolve every lock from its ``.in`` file with uv (hashes for every wheel of each version), and say what changed.

    python3 scripts/lock.py --uv build/uv/bin/uv [--keep]

The images' locks come first: the local lock takes their versions as constraints, the development lock the local
one's, so a package has one version wherever it appears. Every lock is universal from Python 3.11 on (markers say
where a dependency applies); hashes cover every platform's wheels, so the images' locks serve x86_64 and arm64.
Without ``--keep`` every dependency moves to the newest version the ``.in`` pins allow; with it, only what a
changed ``.in`` file needs moves. Prints ``name old -> new`` per lock (``+``/``-`` for added and removed packages).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCKS = (
    "lambda_image/requirements",
    "fargate_image/requirements",
    "requirements-local",
    "requirements",
    "requirements-scan",
    "requirements-protocol",
    "requirements-uv",
    "bench/requirements",
)
"""In resolution order: a lock comes after the locks its ``.in`` file takes as constraints."""
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def pins(text: str) -> dict[str, str]:
    """Package name (normalized) -> pinned version, from a lock's text."""
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in PIN.findall(text)}


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    lines = [f"  {name} {before[name]} -> {after[name]}" for name in sorted(before.keys() & after.keys())
             if before[name] != after[name]]  # fmt: skip
    lines += [f"  + {name} {after[name]}" for name in sorted(after.keys() - before.keys())]
    return lines + [f"  - {name} {before[name]}" for name in sorted(before.keys() - after.keys())]


def compile_lock(uv: str, stem: str, *, keep: bool) -> list[str]:
    """Resolve ``<stem>.in`` into ``<stem>.txt``; returns what changed."""
    source, lock = REPO_ROOT / f"{stem}.in", REPO_ROOT / f"{stem}.txt"
    before = pins(lock.read_text()) if lock.is_file() else {}
    command = [uv, "pip", "compile", "--quiet", "--universal", "--python-version", "3.11", "--generate-hashes",
               "--custom-compile-command", "make lock", *([] if keep else ["--upgrade"]),
               str(source.relative_to(REPO_ROOT)), "-o", str(lock.relative_to(REPO_ROOT))]  # fmt: skip
    subprocess.run(command, cwd=REPO_ROOT, check=True)  # noqa: S603 - fixed argv
    return changes(before, pins(lock.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uv", required=True, help="the uv executable (make lock: build/uv/bin/uv)")
    parser.add_argument("--keep", action="store_true", help="move only what changed .in files need")
    args = parser.parse_args(argv)
    for stem in LOCKS:
        changed = compile_lock(args.uv, stem, keep=args.keep)
        print(f"{stem}.txt: {f'{len(changed)} change(s)' if changed else 'unchanged'}", *changed, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
