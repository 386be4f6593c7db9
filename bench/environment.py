"""The machine the numbers come from, and the baseline's own venv (created from bench/requirements.txt)."""

from __future__ import annotations

import hashlib
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

REQUIREMENTS = Path(__file__).with_name("requirements.txt")


def machine_info() -> dict[str, Any]:
    """CPU model, cores, load average, Python and library versions."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        lines = cpuinfo.read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), cpu)
    import xgboost

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "xgboost": xgboost.__version__,
    }


def bench_venv(directory: Path) -> Path:
    """The baseline's interpreter; (re)creates the venv when bench/requirements.txt changed."""
    python = directory / "bin" / "python"
    stamp = directory / ".requirements-sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.is_file() and stamp.is_file() and stamp.read_text() == wanted:
        return python
    print(f"creating the baseline's venv in {directory} from {REQUIREMENTS.name}...", flush=True)
    # Same base interpreter as ours: ``-m venv`` from a venv's python builds on the base installation.
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(directory)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--only-binary=:all:", "-r", str(REQUIREMENTS)], check=True)  # fmt: skip
    stamp.write_text(wanted)
    return python


def image_environment(dockerfile: Path) -> dict[str, str]:
    """The ``ENV`` settings a Dockerfile bakes into its image, so ours runs here as it runs there."""
    text = dockerfile.read_text().replace("\\\n", " ")  # join continuation lines
    settings: dict[str, str] = {}
    for line in text.splitlines():
        instruction = line.split(maxsplit=1)[:1]
        if [word.upper() for word in instruction] != ["ENV"]:  # instructions are case-insensitive
            continue
        words = shlex.split(line, comments=True)
        if "=" not in words[1]:  # the legacy form: ENV KEY value with spaces
            settings[words[1]] = " ".join(words[2:])
            continue
        settings.update(word.partition("=")[::2] for word in words[1:] if "=" in word)
    return settings
