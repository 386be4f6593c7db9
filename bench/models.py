"""The models the benchmark runs on, each in a directory of its own under build/bench/, trained once and cached.

- ``reference``: 1864 trees of depth 7, eta 0.02, on California Housing (the settings of the usual
  SageMaker XGBoost samples), so results compare with the common setup. build/bench/reference/.
- ``project``: the shipped California model, 600 trees of depth 6, trained by the pipeline ``make model``
  runs (``training.data`` and ``training.train_local`` with datasets/california_housing.toml) into
  build/bench/project/ rather than build/models/california_housing/, so a ``make model`` meanwhile never changes
  what is measured. Same inputs, same fingerprint, same model as build/models/california_housing.
- ``classifier``: breast_cancer (datasets/breast_cancer.toml, binary:logistic) by the same pipeline with
  its spec's hyperparameters, into build/bench/classifier/.

Each directory holds what the services read, as SageMaker and packaging leave it: ``model.tar.gz`` (one
UBJSON member ``xgboost-model``), ``schema.json`` beside it and ``model.compiled.npz`` (compiled here with
``inference.model.compile``); ``plain/`` inside it holds the tarball and schema alone, which is what
``MODEL_URI`` finds when SageMaker's artifact is served as it is. Held-out rows are float32 ``.npy``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from inference.model.compile import compile_to
from inference.model.schema import Schema

REFERENCE_ROUNDS = 1864
REFERENCE_PARAMS = {"objective": "reg:squarederror", "max_depth": 7, "eta": 0.02, "seed": 0, "nthread": 2}
HOLDOUT_FRACTION = 0.2
ROOT = Path(__file__).resolve().parent.parent
PIPELINE_MODELS = {"project": "california_housing", "classifier": "breast_cancer"}
"""Bench model name -> the bundled dataset spec its pipeline trains."""


@dataclass(frozen=True)
class ModelCase:
    name: str
    tarball: Path  # model.tar.gz, with schema.json and model.compiled.npz beside it
    holdout: Path  # float32 rows in schema order, shape (n, features)
    schema: Schema | None = None
    plain: Path | None = None  # the same model.tar.gz in a directory without a compiled form

    @property
    def compiled(self) -> Path:
        return self.tarball.with_name("model.compiled.npz")


def spec_schema(dataset: str) -> Schema:
    from training.spec import load

    return load(dataset).schema


def save_like_sagemaker(booster: object, tarball: Path) -> None:
    """``model.tar.gz`` with one UBJSON member ``xgboost-model``, as the 3.x container writes it."""
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        member = Path(scratch) / "model.ubj"
        booster.save_model(str(member))  # type: ignore[attr-defined]
        with tarfile.open(tarball, "w:gz") as tar:
            tar.add(member, arcname="xgboost-model")


def california_housing() -> tuple[np.ndarray, np.ndarray]:
    """(features in the spec's model order, target) from scikit-learn's cache; honours SCIKIT_LEARN_DATA."""
    from sklearn.datasets import fetch_california_housing

    from training.spec import load

    try:
        bunch = fetch_california_housing()
    except OSError as exc:  # no cached copy and no network
        raise SystemExit(f"California Housing is not available ({exc}); set SCIKIT_LEARN_DATA to its cache") from exc
    order = [list(bunch.feature_names).index(column) for column in load("california_housing").columns]
    return np.asarray(bunch.data[:, order], dtype=np.float32), np.asarray(bunch.target, dtype=np.float32)


def reference_model(cache: Path) -> ModelCase:
    """Train the reference model unless the cache already holds one for the same settings."""
    import xgboost as xgb

    settings = {"rounds": REFERENCE_ROUNDS, "params": REFERENCE_PARAMS, "holdout": HOLDOUT_FRACTION,
                "xgboost": xgb.__version__}  # fmt: skip
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
    schema = spec_schema("california_housing")
    case = ModelCase("reference", cache / "model.tar.gz", cache / "holdout.npy", schema)
    stamp = cache / "settings.json"
    cached = case.tarball.is_file() and case.holdout.is_file() and stamp.is_file()
    if not cached or json.loads(stamp.read_text()).get("key") != key:
        features, target = california_housing()
        order = np.random.default_rng(0).permutation(len(target))
        cut = int(len(order) * (1 - HOLDOUT_FRACTION))
        train, held_out = order[:cut], order[cut:]
        print(f"training the reference model ({REFERENCE_ROUNDS} trees, depth 7) on {cut} rows...", flush=True)
        booster = xgb.train(REFERENCE_PARAMS, xgb.DMatrix(features[train], label=target[train]), REFERENCE_ROUNDS)
        save_like_sagemaker(booster, case.tarball)
        np.save(case.holdout, features[held_out], allow_pickle=False)
        stamp.write_text(json.dumps({**settings, "key": key}, indent=2) + "\n")
    (cache / "schema.json").write_text(json.dumps(schema.to_document(), indent=2) + "\n", encoding="utf-8")
    return case


def pipeline_model(name: str, cache: Path) -> ModelCase:
    """Train with the project's own pipeline (a no-op when its inputs did not change) and read its test split."""
    dataset, data, out = PIPELINE_MODELS[name], cache / f"{name}-data", cache / name
    for module, arguments in (("training.data", ["--out", str(data)]),
                              ("training.train_local", ["--data", str(data), "--out", str(out)])):  # fmt: skip
        command = [sys.executable, "-m", module, "--dataset", dataset, *arguments]
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
        print(f"[{name}] {done.stdout.strip().splitlines()[-2 if module.endswith('local') else -1]}", flush=True)
    table = np.genfromtxt(data / "test" / "test.csv", delimiter=",", dtype=np.float32, ndmin=2)
    np.save(out / "holdout.npy", table[:, 1:], allow_pickle=False)  # column 0 is the label (SageMaker CSV)
    schema = Schema.from_document(json.loads((out / "schema.json").read_text(encoding="utf-8")))
    return ModelCase(name, out / "model.tar.gz", out / "holdout.npy", schema)


def packaged(case: ModelCase) -> ModelCase:
    """Compile the model beside its tarball (as packaging does) and lay out the plain copy beside it."""
    compile_to(str(case.tarball))
    plain = case.tarball.parent / "plain"
    plain.mkdir(exist_ok=True)
    for name in ("model.tar.gz", "schema.json"):
        shutil.copyfile(case.tarball.with_name(name), plain / name)
    return replace(case, plain=plain / "model.tar.gz")


def model_case(name: str, cache: Path) -> ModelCase:
    case = reference_model(cache / "reference") if name == "reference" else pipeline_model(name, cache)
    return packaged(case)
