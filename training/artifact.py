"""The model artifact SageMaker's built-in XGBoost 3.x writes, and the fingerprint that avoids retraining.

The container saves the booster with ``Booster.save_model("xgboost-model")`` (no extension: UBJSON) and
SageMaker tars the model directory into ``model.tar.gz``. Here the tarball holds that one member, with
fixed timestamps and owners so the same booster always gives the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import tarfile
import tempfile
import warnings
from pathlib import Path
from typing import Any

MODEL_MEMBER = "xgboost-model"
ARTIFACT_NAME = "model.tar.gz"
METRICS_NAME = "metrics.json"
PLOT_NAME = "predicted_vs_actual.png"
FORMAT_VERSION = 1
"""Bump when what training writes changes for the same inputs."""


def fingerprint(data_sha256: str, hyperparameters: dict[str, str], xgboost_version: str) -> str:
    """Hash of everything the model depends on: the data, the hyperparameters and the xgboost version."""
    inputs = {
        "format_version": FORMAT_VERSION,
        "data_sha256": data_sha256,
        "hyperparameters": hyperparameters,
        "xgboost": xgboost_version,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def xgboost_version() -> str:
    """The installed xgboost version, read without importing xgboost (which takes a second or more)."""
    spec = importlib.util.find_spec("xgboost")
    version_file = Path(spec.origin).parent / "VERSION" if spec and spec.origin else None
    if version_file is not None and version_file.is_file():
        return version_file.read_text(encoding="utf-8").strip()
    import xgboost

    return str(xgboost.__version__)


def sha256_bytes_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_model_tarball(booster: Any, out: Path) -> Path:
    """Write ``out/model.tar.gz`` holding only ``xgboost-model``; replaces an older one atomically."""
    out.mkdir(parents=True, exist_ok=True)
    tarball = out / ARTIFACT_NAME
    with tempfile.TemporaryDirectory(dir=out, prefix=".model-") as scratch:
        model_file = Path(scratch) / MODEL_MEMBER
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*UBJSON format as default")
            booster.save_model(str(model_file))
        partial = Path(scratch) / ARTIFACT_NAME
        info = tarfile.TarInfo(MODEL_MEMBER)
        info.size = model_file.stat().st_size
        info.mode = 0o644
        with (
            partial.open("wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped,
            tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
            model_file.open("rb") as member,
        ):
            tar.addfile(info, member)
        partial.replace(tarball)
    return tarball


def is_up_to_date(out: Path, expected_fingerprint: str) -> bool:
    """True when ``out`` holds an intact artifact, metrics and plot trained from the same inputs."""
    tarball, metrics_path = out / ARTIFACT_NAME, out / METRICS_NAME
    if not (tarball.is_file() and metrics_path.is_file() and (out / PLOT_NAME).is_file()):
        return False
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return (
        isinstance(metrics, dict)
        and metrics.get("fingerprint") == expected_fingerprint
        and metrics.get("model_sha256") == sha256_bytes_of(tarball)
    )
