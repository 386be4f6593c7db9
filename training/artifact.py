"""The model artifact SageMaker's built-in XGBoost 3.x writes, and the fingerprint that avoids retraining.

The container saves the booster with ``Booster.save_model("xgboost-model")`` (no extension: UBJSON) and
SageMaker tars the model directory into ``model.tar.gz``. Here the tarball holds that one member, with
fixed timestamps and owners so the same booster always gives the same bytes. ``schema.json`` is its
sibling (the container writes the tarball itself, so the schema cannot go inside it).

Training writes into a staging directory beside the output directory and ``publish`` moves the files into
place only once the model passed its quality gate: a model that misses the gate never reaches ``--out``.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import shutil
import tarfile
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from inference.model.compiled import COMPILED_NAME
from inference.monitoring.baseline import BASELINE_NAME
from training.channels import SCHEMA_NAME
from training.plots import PLOT_NAMES

MODEL_MEMBER = "xgboost-model"
ARTIFACT_NAME = "model.tar.gz"
METRICS_NAME = "metrics.json"
OUTPUT_NAMES = (*PLOT_NAMES, SCHEMA_NAME, BASELINE_NAME, ARTIFACT_NAME, COMPILED_NAME, METRICS_NAME)
"""Every file training owns in the output directory, in the order ``publish`` moves them (metrics last)."""
FORMAT_VERSION = 2
"""Bump when what training writes changes for the same inputs."""


def fingerprint(data_sha256: str, schema_sha256: str, hyperparameters: dict[str, str], xgboost_version: str) -> str:
    """Hash of everything the outputs depend on: the data, its schema, the hyperparameters and the xgboost version."""
    inputs = {
        "format_version": FORMAT_VERSION,
        "data_sha256": data_sha256,
        "schema_sha256": schema_sha256,
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


def is_up_to_date(out: Path, expected_fingerprint: str, plot_name: str) -> bool:
    """True when ``out`` holds an intact artifact, compiled form, schema, baseline, metrics and plot trained from
    the same inputs."""
    tarball, metrics_path, schema = out / ARTIFACT_NAME, out / METRICS_NAME, out / SCHEMA_NAME
    compiled, baseline = out / COMPILED_NAME, out / BASELINE_NAME
    if not all(path.is_file() for path in (tarball, compiled, baseline, metrics_path, schema, out / plot_name)):
        return False
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return (
        isinstance(metrics, dict)
        and metrics.get("fingerprint") == expected_fingerprint
        and metrics.get("model_sha256") == sha256_bytes_of(tarball)
        and metrics.get("schema_sha256") == sha256_bytes_of(schema)
        and metrics.get("compiled_sha256") == sha256_bytes_of(compiled)
        and metrics.get("baseline_sha256") == sha256_bytes_of(baseline)
    )


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A fresh directory beside ``out`` (same file system, so ``publish`` renames), removed afterwards."""
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def publish(stage: Path, out: Path) -> None:
    """Move the staged outputs into ``out``; training's files that were not staged (another task's plot) go.

    ``metrics.json`` is removed first and moved last, so an interrupted publish never looks up to date.
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / METRICS_NAME).unlink(missing_ok=True)
    for name in OUTPUT_NAMES:
        if (stage / name).is_file():
            (stage / name).replace(out / name)
        else:
            (out / name).unlink(missing_ok=True)
