"""Batch inputs for the batch tests: CSV rows of a model's features, with what xgboost answers for them."""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np

from tests.support.models import synthetic_rows

SAFE_EXTRACT = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
"""tarfile's data filter where it exists (Python 3.11.4 on; Debian 12's python3 is 3.11.2)."""


def csv_rows(rows: np.ndarray) -> list[bytes]:
    """Each row as a CSV line of SageMaker's convention (no header), values written as float32 prints them."""
    return [",".join(repr(float(v)) for v in row.tolist()).encode() for row in rows]


def housing_rows(n: int, seed: int = 0) -> tuple[np.ndarray, list[bytes]]:
    rows = synthetic_rows(n, seed)
    return rows, csv_rows(rows)


def xgboost_answers(tarball: Path, rows: np.ndarray) -> np.ndarray:
    """What xgboost predicts for ``rows`` with the model in ``tarball`` (float32, as Booster.predict gives)."""
    import tempfile

    import xgboost as xgb

    with tempfile.TemporaryDirectory() as directory, tarfile.open(tarball) as tar:
        tar.extractall(directory, **SAFE_EXTRACT)
        booster = xgb.Booster(
            model_file=bytearray((Path(directory) / "xgboost-model").read_bytes())
        )  # raw bytes: no format guess
    return np.asarray(booster.inplace_predict(rows), dtype=np.float32)
