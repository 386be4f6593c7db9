"""Build model artifacts exactly as SageMaker's built-in XGBoost 3.x container writes them.

The container calls ``Booster.save_model("xgboost-model")`` (no extension, so UBJSON) and tars that one
file as ``model.tar.gz``. Tests use small synthetic data drawn inside the schema's ranges, so they run
without the real data set and without the network.
"""

from __future__ import annotations

import io
import json
import tarfile
import warnings
from pathlib import Path

import numpy as np

from inference.model.schema import Schema
from tests.support.datasets import HOUSING


def synthetic_rows(n: int, seed: int = 0) -> np.ndarray:
    """Rows of plausible California block groups, inside every feature's schema range."""
    rng = np.random.default_rng(seed)
    lows = np.array([0.5, 1, 2, 0.5, 10, 1, 32.6, -124.3])
    highs = np.array([15, 52, 10, 2, 5000, 6, 41.9, -114.4])
    rows = rng.uniform(lows, highs, size=(n, len(HOUSING.features)))
    return rows.astype(np.float32)


def synthetic_target(rows: np.ndarray) -> np.ndarray:
    """A smooth, learnable house value in units of 100,000 USD."""
    return (0.4 * rows[:, 0] + 0.01 * rows[:, 1] - 0.05 * (rows[:, 6] - 34) + 0.2).astype(np.float32)


def train_booster(num_round: int = 20, max_depth: int = 4, seed: int = 0):  # type: ignore[no-untyped-def]
    import xgboost as xgb

    rows = synthetic_rows(2000, seed)
    dtrain = xgb.DMatrix(rows, label=synthetic_target(rows))
    params = {"objective": "reg:squarederror", "max_depth": max_depth, "eta": 0.3, "seed": seed, "nthread": 1}
    return xgb.train(params, dtrain, num_boost_round=num_round)


def write_schema(schema: Schema, directory: Path) -> Path:
    """``directory/schema.json``, as data preparation writes it beside the channels and training beside the model."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "schema.json"
    path.write_text(json.dumps(schema.to_document(), indent=2), encoding="utf-8")
    return path


def save_like_sagemaker(booster, directory: Path, schema: Schema | None = HOUSING) -> Path:  # type: ignore[no-untyped-def]
    """Write ``directory/model.tar.gz`` holding ``xgboost-model``, the way the 3.x container does, and the
    schema beside it (``schema=None`` leaves it out)."""
    if schema is not None:
        write_schema(schema, directory)
    directory.mkdir(parents=True, exist_ok=True)
    model_file = directory / "xgboost-model"
    with warnings.catch_warnings():  # xgboost warns that no extension means UBJSON: exactly what SageMaker relies on
        warnings.simplefilter("ignore", UserWarning)
        booster.save_model(str(model_file))
    tarball = directory / "model.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(model_file, arcname="xgboost-model")
    model_file.unlink()
    return tarball


def tar_bytes(members: dict[str, bytes]) -> bytes:
    """A gzip tarball with the given members, for fault tests (wrong names, pickles, corruption)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
