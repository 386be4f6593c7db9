"""Decompressing ``model.tar.gz``: the standard library's zlib against ISA-L (``isal``), measured for context.

Serving the compiled form reads no gzip at all; serving SageMaker's tarball as it is must inflate it first,
with ISA-L where isal imports (both images install it; ``inference.model.artifact`` falls back to zlib). Timed in
the baseline's venv (bench/requirements.txt installs isal there too): the best of several one-shot inflates
of the same bytes, each checked against the other.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from bench.coldstart import ROOT, child_environment

INFLATE = """
import json, sys, time, zlib
from isal import isal_zlib
data = open(sys.argv[1], "rb").read()
def best(inflate):
    seconds = []
    for _ in range(7):
        started = time.perf_counter()
        out = inflate(data, 31)
        seconds.append(time.perf_counter() - started)
    return min(seconds), out
(zlib_s, a), (isal_s, b) = best(zlib.decompress), best(isal_zlib.decompress)
assert a == b
print(json.dumps({"zlib_ms": zlib_s * 1e3, "isal_ms": isal_s * 1e3, "unpacked_mb": len(a) / 1e6}))
"""


def measure_gunzip(tarball: Path, bench_python: Path) -> dict[str, Any]:
    done = subprocess.run([str(bench_python), "-c", INFLATE, str(tarball)], env=child_environment({}), cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=120)  # fmt: skip
    return dict(json.loads(done.stdout))
