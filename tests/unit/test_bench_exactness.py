"""What the Lambda adapter answers equals XGBoost's own predictions on California's held-out split, bit for bit.

The split is the one ``make data`` writes, prepared here from the real data in ``../shared/data`` (the test is
skipped, saying so, where that folder is absent: synthetic rows would not check what the README states). The
model is a deep, many-tree one (depth 7), saved in SageMaker's format and served through the same code path as
on Lambda: HTTP API events into the handler. Answers are USD rounded to cents: xgboost's float32 prediction,
widened, times 100,000, rounded as the answer rounds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from bench.events import http_api_event, predict_body, predictions_of
from inference import LoadedModel, Predictor
from inference.protocols.api.answers import answer
from inference.protocols.limits import MAX_ROWS
from tests.conftest import california_data_home
from tests.support.datasets import HOUSING
from tests.support.exact import assert_same_bits
from tests.support.models import save_like_sagemaker
from training.data import prepare


def _channel(split: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(split / name / f"{name}.csv", delimiter=",", dtype=np.float32, ndmin=2)
    return table[:, 1:], table[:, 0]


def held_out_split(directory: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train rows, train labels, held-out rows) of California's real split, as ``make data`` writes it."""
    manifest, _ = prepare("california_housing", directory, data_home=california_data_home())
    assert manifest["dataset"] == HOUSING.name
    (train, labels), (test, _) = _channel(directory, "train"), _channel(directory, "test")
    return train, labels, test


@dataclass(frozen=True)
class Served:
    booster: xgb.Booster
    tarball: Path
    predictor: Predictor
    held_out: np.ndarray


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Served:
    train, labels, held_out = held_out_split(tmp_path_factory.mktemp("split") / "data")
    params = {"objective": "reg:squarederror", "max_depth": 7, "eta": 0.1, "seed": 0, "nthread": 1}
    booster = xgb.train(params, xgb.DMatrix(train, label=labels), num_boost_round=150)
    tarball = save_like_sagemaker(booster, tmp_path_factory.mktemp("exactness"))
    return Served(booster, tarball, Predictor(str(tarball)), held_out)


def _answers(adapter: ModuleType, predictor: Predictor, rows: np.ndarray) -> np.ndarray:
    chunks = [rows[start : start + MAX_ROWS] for start in range(0, len(rows), MAX_ROWS)]
    events = [http_api_event(predict_body(chunk, HOUSING.names)) for chunk in chunks]
    responses: list[dict[str, Any]] = [adapter.handle(event, None, predictor) for event in events]
    return np.concatenate([predictions_of(response) for response in responses])


def test_adapter_answers_equal_xgboost_on_the_held_out_set(adapter: ModuleType, served: Served) -> None:
    predictions = served.booster.predict(xgb.DMatrix(served.held_out))
    expected = answer(HOUSING, "reg:squarederror", predictions, "")["predictions"]
    answered = _answers(adapter, served.predictor, served.held_out)
    assert len(answered) == len(served.held_out) == 3096  # more than one request's worth: chunking is exercised too
    assert answered.tolist() == expected


def test_single_row_requests_answer_what_the_batch_answers(adapter: ModuleType, served: Served) -> None:
    rows = served.held_out[:100]
    events = [http_api_event(predict_body(row[None, :], HOUSING.names)) for row in rows]
    singles = [predictions_of(adapter.handle(event, None, served.predictor))[0] for event in events]
    assert singles == _answers(adapter, served.predictor, rows).tolist()


def test_compiled_ensemble_matches_xgboost_with_missing_values(served: Served) -> None:
    rows = served.held_out[:300].copy()
    rows[::3, 0] = np.nan
    rows[1::5, 6] = np.nan
    ensemble = LoadedModel.load(str(served.tarball)).ensemble
    expected = served.booster.inplace_predict(rows)
    assert_same_bits(ensemble.predict(rows), expected)
    assert_same_bits(np.array([ensemble.predict(row[None, :])[0] for row in rows]), expected)
