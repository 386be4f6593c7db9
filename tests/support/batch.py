"""Batch inputs for the batch tests: CSV rows of a model's features, with what xgboost answers for them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.support.models import synthetic_rows


def csv_rows(rows: np.ndarray) -> list[bytes]:
    """Each row as a CSV line of SageMaker's convention (no header), values written as float32 prints them."""
    return [",".join(repr(float(v)) for v in row.tolist()).encode() for row in rows]


def housing_rows(n: int, seed: int = 0) -> tuple[np.ndarray, list[bytes]]:
    rows = synthetic_rows(n, seed)
    return rows, csv_rows(rows)


def xgboost_answers(tarball: Path, rows: np.ndarray) -> np.ndarray:
    """What xgboost predicts for ``rows`` with the model in ``tarball`` (float32, as Booster.predict gives)."""
    from bench.measure_batch import xgboost_booster

    return np.asarray(xgboost_booster(tarball).inplace_predict(rows), dtype=np.float32)
