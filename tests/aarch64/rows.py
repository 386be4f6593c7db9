"""The rows the parity tests send: every row of the real held-out split when it can be had offline, else synthetic.

The held-out split is the test channel ``make data`` writes (label in column 0, no header) into
build/training-data/california_housing (the data set the model cases' schema describes). Otherwise, when
scikit-learn's cached copy is here (SCIKIT_LEARN_DATA, or ../shared/data), the same command writes it into
build/aarch64/training-data; failing that, the rows are synthetic, from tests/support/models.py.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT, sklearn_data_home
from tests.support.models import synthetic_rows

SYNTHETIC_ROWS = 3000
DATASET = "california_housing"
MAKE_DATA = REPO_ROOT / "build" / "training-data" / "california_housing"  # written by `make data`
TIER_DATA = REPO_ROOT / "build" / "aarch64" / "training-data"


def make_data_holds_the_dataset() -> bool:
    manifest = MAKE_DATA / "manifest.json"
    if not manifest.is_file() or not (MAKE_DATA / "test" / "test.csv").is_file():
        return False
    return bool(json.loads(manifest.read_text()).get("dataset") == DATASET)


ROWS_SOURCE = "heldout-split" if make_data_holds_the_dataset() or sklearn_data_home() else "synthetic-rows"
"""Decided at collection, so the test's id says which rows ran."""


def heldout_split() -> Path:
    """The test channel of ``make data``; written into build/aarch64 (offline, from the cache) when absent."""
    if make_data_holds_the_dataset():
        return MAKE_DATA / "test" / "test.csv"
    TIER_DATA.mkdir(parents=True, exist_ok=True)
    with (TIER_DATA.parent / ".data-lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # training.data rewrites nothing when its recorded hashes match
        home = str(sklearn_data_home())
        command = [
            sys.executable,
            "-m",
            "training.data",
            "--dataset",
            DATASET,
            "--out",
            str(TIER_DATA),
            "--data-home",
            home,
        ]
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}"
    return TIER_DATA / "test" / "test.csv"


def feature_rows() -> list[str]:
    """CSV feature rows: every row of the held-out split (label column 0 dropped), or synthetic ones."""
    if ROWS_SOURCE == "synthetic-rows":
        return [",".join(repr(float(value)) for value in row) for row in synthetic_rows(SYNTHETIC_ROWS, seed=7)]
    return [line.split(",", 1)[1] for line in heldout_split().read_text().splitlines() if line]
