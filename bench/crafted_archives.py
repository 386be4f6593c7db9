"""Hostile model tarballs against the loader: how long each takes to be refused and how much memory it costs.

    python -m bench.crafted_archives [--code DIR] [--repeat N]

The archives of issue 22, built by ``tests/reliability/artifacts.py`` into build/bench/crafted/: a sparse
``xgboost-model`` claiming 500 MB, a tar.gz of a million empty members, a 612 KB gzip of 630 MB of zeros, and
the same zeros after a real model's tarball. Each run is a fresh ``python -c`` process calling
``bundle.from_tarball`` on one file: the time of that call and the process's peak RSS (``ru_maxrss``) above
what it held just before. ``--code`` runs another copy of ``inference/`` (``git archive <rev> inference``
unpacked there), to measure a commit before a change.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench.coldstart import ROOT
from tests.reliability import artifacts

OUT = ROOT / "build" / "bench" / "crafted"
REFUSE = """
import json, resource, sys, time
from inference.errors import ModelFormatError
from inference.model import bundle
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    bundle.from_tarball(sys.argv[1])
    outcome = "loaded"
except ModelFormatError as error:
    outcome = str(error)[:110]
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "added_mb": (peak - before) / 1024, "outcome": outcome}))
"""


def _model_tarball() -> bytes:
    tarball = ROOT / "build" / "bench" / "project" / "model.tar.gz"
    if not tarball.is_file():
        raise SystemExit(f"{tarball} is missing: run `make bench` once (it trains the bench models)")
    import gzip

    return gzip.decompress(tarball.read_bytes())


ARCHIVES: dict[str, Callable[[], bytes]] = {
    "sparse member claiming 500 MB": lambda: artifacts.sparse_tarball(500_000_000),
    "a million empty members": lambda: artifacts.many_members(1_000_000),
    "gzip bomb, 630 MB of zeros": lambda: artifacts.gzip_bomb(630_000_000),
    "a model, then 630 MB of zeros": lambda: artifacts.gzip_bomb(630_000_000, before=_model_tarball()),
}


def build() -> dict[str, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    paths = {}
    for number, (name, make) in enumerate(ARCHIVES.items()):
        path = OUT / f"crafted-{number}.tar.gz"
        if not path.is_file():
            path.write_bytes(make())
        paths[name] = path
    return paths


def refuse(path: Path, code: Path) -> dict[str, object]:
    environment = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, "-c", REFUSE, str(path)], env=environment, cwd=code, capture_output=True,
                          text=True, check=True, timeout=600)  # fmt: skip
    return dict(json.loads(done.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="the directory holding the inference/ to measure")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"code: {args.code}  load average: {os.getloadavg()[0]:.2f}  runs: {args.repeat}")
    for name, path in build().items():
        runs = [refuse(path, args.code) for _ in range(args.repeat)]
        seconds = [float(run["seconds"]) for run in runs]  # type: ignore[arg-type]
        peaks = [float(run["peak_mb"]) for run in runs]  # type: ignore[arg-type]
        added = [float(run["added_mb"]) for run in runs]  # type: ignore[arg-type]
        print(f"{name} ({path.stat().st_size:,} bytes): {statistics.median(seconds):.3f} s "
              f"[{min(seconds):.3f}-{max(seconds):.3f}], peak RSS {statistics.median(peaks):.0f} MB "
              f"(+{statistics.median(added):.0f} MB over the process before the call, "
              f"{min(added):.0f}-{max(added):.0f}): {runs[0]['outcome']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
