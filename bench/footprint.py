"""Image footprint: total size of the wheels each image installs, per architecture.

``pip download --only-binary=:all:`` resolves each requirement set for CPython 3.12 on manylinux_2_28
(x86_64 and aarch64, what Lambda's and Fargate's Python 3.12 images take) and the wheel sizes are summed.
Downloads are cached under build/bench/wheels/, so only the first run needs the network.
Baselines: the samples' ``pip install xgboost pandas`` (xgboost pulls NVIDIA's NCCL on Linux), and the
leaner ``xgboost-cpu pandas`` for a stricter comparison.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.coldstart import ROOT

ARCHITECTURES = ("x86_64", "aarch64")
_SAVED = re.compile(r"^\s*(?:Saved|File was already downloaded) (\S+\.whl)\s*$", re.MULTILINE)
BASELINE_REQUIREMENTS = {
    "baseline (xgboost + pandas)": ["xgboost==3.2.0", "pandas==3.1.1", "numpy==2.4.6"],
    "baseline (xgboost-cpu + pandas)": ["xgboost-cpu==3.2.0", "pandas==3.1.1", "numpy==2.4.6"],
}
IMAGE_REQUIREMENTS = {"lambda_image": ROOT / "lambda_image" / "requirements.txt",
                      "fargate_image": ROOT / "fargate_image" / "requirements.txt"}  # fmt: skip


def platform_options(architecture: str) -> list[str]:
    """Every manylinux tag a glibc 2.28 system installs (pip does not widen ``--platform`` by itself)."""
    tags = [f"manylinux_2_{minor}_{architecture}" for minor in range(28, 16, -1)] + [f"manylinux2014_{architecture}"]
    return [option for tag in tags for option in ("--platform", tag)]


def download(requirements: list[str], architecture: str, directory: Path) -> dict[str, int]:
    """Wheel file name -> size in bytes, for one requirement set on one architecture."""
    directory.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--progress-bar", "off",
            "--only-binary=:all:", *platform_options(architecture), "--python-version", "3.12",
            "--implementation", "cp", "--abi", "cp312", "--dest", str(directory), *requirements]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"pip download failed for {requirements} on {architecture}:\n{done.stderr[-2000:]}")
    # pip names every file of the resolved set, fresh or cached; stale files in the cache are not counted.
    wheels = sorted({Path(path) for path in _SAVED.findall(done.stdout)})
    return {wheel.name: wheel.stat().st_size for wheel in wheels}


def measure_footprint(cache: Path) -> dict[str, Any]:
    """Per set and architecture: total MB and the wheels counted."""
    sets = {name: ["-r", str(path)] for name, path in IMAGE_REQUIREMENTS.items()}  # the hashed locks, as the images
    sets.update(BASELINE_REQUIREMENTS)
    results: dict[str, Any] = {}
    for name, requirements in sets.items():
        slug = name.split(" ")[0] + "".join(c for c in name.split(" ", 1)[-1] if c.isalnum())
        for architecture in ARCHITECTURES:
            wheels = download(requirements, architecture, cache / f"{slug}-{architecture}")
            results[f"{name}|{architecture}"] = {"mb": sum(wheels.values()) / 1e6, "wheels": wheels}
    return results
