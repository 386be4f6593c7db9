"""The models the benchmark runs on, each with its held-out rows, trained once and cached under build/.

- ``reference``: 1864 trees of depth 7, eta 0.02, on California Housing (the settings of the usual
  SageMaker XGBoost samples), so results compare with the common setup. Cached in build/bench/reference/.
- ``project``: this project's own model, build/model/model.tar.gz (``make model`` trains it), with the
  training helper's held-out test split.

Models are written the way SageMaker's XGBoost 3.x container writes them: ``model.tar.gz`` holding one
UBJSON member ``xgboost-model``. Held-out rows are float32 ``.npy`` files (``np.save``, no pickle).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.schema import FEATURE_NAMES

REFERENCE_ROUNDS = 1864
REFERENCE_PARAMS = {"objective": "reg:squarederror", "max_depth": 7, "eta": 0.02, "seed": 0, "nthread": 2}
HOLDOUT_FRACTION = 0.2
PROJECT_MODEL = Path("build/model/model.tar.gz")
PROJECT_DATA = Path("build/training-data")
PROJECT_TEST_SPLIT = PROJECT_DATA / "test" / "test.csv"


@dataclass(frozen=True)
class ModelCase:
    name: str
    tarball: Path
    holdout: Path  # float32 rows in schema order, shape (n, 8)


def save_like_sagemaker(booster: object, tarball: Path) -> None:
    """``model.tar.gz`` with one UBJSON member ``xgboost-model``, as the 3.x container writes it."""
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        member = Path(scratch) / "model.ubj"
        booster.save_model(str(member))  # type: ignore[attr-defined]
        with tarfile.open(tarball, "w:gz") as tar:
            tar.add(member, arcname="xgboost-model")


def california_housing() -> tuple[np.ndarray, np.ndarray]:
    """(features in schema order, target) from scikit-learn's cache; honours SCIKIT_LEARN_DATA."""
    from sklearn.datasets import fetch_california_housing

    try:
        bunch = fetch_california_housing()
    except OSError as exc:  # no cached copy and no network
        raise SystemExit(f"California Housing is not available ({exc}); set SCIKIT_LEARN_DATA to its cache") from exc
    order = [list(bunch.feature_names).index(name) for name in FEATURE_NAMES]
    return np.asarray(bunch.data[:, order], dtype=np.float32), np.asarray(bunch.target, dtype=np.float32)


def reference_model(cache: Path) -> ModelCase:
    """Train the reference model unless the cache already holds one for the same settings."""
    import xgboost as xgb

    settings = {"rounds": REFERENCE_ROUNDS, "params": REFERENCE_PARAMS, "holdout": HOLDOUT_FRACTION,
                "xgboost": xgb.__version__}  # fmt: skip
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
    case = ModelCase("reference", cache / "model.tar.gz", cache / "holdout.npy")
    stamp = cache / "settings.json"
    cached = case.tarball.is_file() and case.holdout.is_file() and stamp.is_file()
    if cached and json.loads(stamp.read_text()).get("key") == key:
        return case
    features, target = california_housing()
    order = np.random.default_rng(0).permutation(len(target))
    cut = int(len(order) * (1 - HOLDOUT_FRACTION))
    train, held_out = order[:cut], order[cut:]
    print(f"training the reference model ({REFERENCE_ROUNDS} trees, depth 7) on {cut} rows...", flush=True)
    booster = xgb.train(REFERENCE_PARAMS, xgb.DMatrix(features[train], label=target[train]), REFERENCE_ROUNDS)
    save_like_sagemaker(booster, case.tarball)
    np.save(case.holdout, features[held_out], allow_pickle=False)
    stamp.write_text(json.dumps({**settings, "key": key}, indent=2) + "\n")
    return case


def project_model(cache: Path) -> ModelCase | None:
    """The project's model with its test split; trains it with the training helper when missing."""
    if not PROJECT_MODEL.is_file():
        print("build/model/model.tar.gz is missing: training it with `python -m training.train_local`", flush=True)
        command = [sys.executable, "-m", "training.train_local", "--data", str(PROJECT_DATA), "--out", "build/model"]
        if subprocess.run(command, check=False).returncode != 0 or not PROJECT_MODEL.is_file():
            print("could not train the project model (run `make model`); benchmarking the reference model only")
            return None
    holdout = cache / "project-holdout.npy"
    if PROJECT_TEST_SPLIT.is_file():
        table = np.loadtxt(PROJECT_TEST_SPLIT, delimiter=",", dtype=np.float32, ndmin=2)
        rows = table[:, 1:]  # column 0 is the label (SageMaker CSV convention)
    else:
        rows = np.load(reference_model(cache.parent / "reference").holdout)
    holdout.parent.mkdir(parents=True, exist_ok=True)
    np.save(holdout, rows, allow_pickle=False)
    return ModelCase("project", PROJECT_MODEL, holdout)
