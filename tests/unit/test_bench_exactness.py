"""What the Lambda adapter answers equals XGBoost's own predictions on a held-out set (float32 tolerance).

The held-out set is the test split `make data` writes into build/training-data/california_housing when it is
there, otherwise synthetic rows the model never saw. The model is a deep, many-tree
one (depth 7), saved in SageMaker's format and served through the same code path as on Lambda: HTTP API
events into the handler.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from bench.events import http_api_event, predict_body, predictions_of
from inference import LoadedModel, Predictor
from inference.protocols.limits import MAX_ROWS
from tests.support.datasets import HOUSING
from tests.support.models import save_like_sagemaker, synthetic_rows, synthetic_target

USD_PER_LABEL_UNIT = HOUSING.target.scale

SPLIT = Path(__file__).resolve().parents[2] / "build" / "training-data" / "california_housing"


def _channel(name: str) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(SPLIT / name / f"{name}.csv", delimiter=",", dtype=np.float32, ndmin=2)
    return table[:, 1:], table[:, 0]


def held_out_split() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train rows, train labels, held-out rows): the real split if prepared, else synthetic rows."""
    manifest = SPLIT / "manifest.json"
    california = manifest.is_file() and json.loads(manifest.read_text()).get("dataset") == HOUSING.name
    if california and (SPLIT / "train" / "train.csv").is_file() and (SPLIT / "test" / "test.csv").is_file():
        (train, labels), (test, _) = _channel("train"), _channel("test")
        return train, labels, test
    train = synthetic_rows(5000, seed=21)
    return train, synthetic_target(train) + np.sin(train[:, 4] / 500).astype(np.float32), synthetic_rows(2000, 22)


@dataclass(frozen=True)
class Served:
    booster: xgb.Booster
    tarball: Path
    predictor: Predictor
    held_out: np.ndarray


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Served:
    train, labels, held_out = held_out_split()
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
    expected_usd = served.booster.predict(xgb.DMatrix(served.held_out)).astype(np.float64) * USD_PER_LABEL_UNIT
    answered = _answers(adapter, served.predictor, served.held_out)
    assert len(answered) == len(served.held_out) > 1000  # more than one request's worth, so chunking is exercised too
    # float32 tolerance on the model output, plus half a cent for the rounding to cents in the answer.
    np.testing.assert_allclose(answered, expected_usd, rtol=1e-5, atol=0.005 + 1e-5 * USD_PER_LABEL_UNIT)


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
    np.testing.assert_allclose(ensemble.predict(rows), expected, rtol=1e-5, atol=1e-5)
    singles = np.array([ensemble.predict(row[None, :])[0] for row in rows])
    np.testing.assert_allclose(singles, expected, rtol=1e-5, atol=1e-5)
