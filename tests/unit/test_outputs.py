"""Answers per task and objective, through the real Predictor, equal to what xgboost predicts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from inference import Predictor
from inference.model.schema import Schema
from tests.support.datasets import FRAUD, FRAUD_DOCUMENT, SPECIES, SPECIES_DOCUMENT, rows_for, train_for
from tests.support.models import save_like_sagemaker


def with_objective(document: dict, objective: str) -> Schema:
    changed = json.loads(json.dumps(document))
    changed["target"]["objective"] = objective
    return Schema.from_document(changed)


def served(schema: Schema, directory: Path) -> tuple[Predictor, xgb.Booster, np.ndarray]:
    booster = train_for(schema, objective=schema.target.objective)
    predictor = Predictor.from_env({"MODEL_URI": str(save_like_sagemaker(booster, directory, schema))})
    return predictor, booster, rows_for(schema, 40, seed=9)


def decoded_rows(schema: Schema, rows: np.ndarray) -> list[list[object]]:
    """Rows as JSON values: category codes back to names, NaN to null."""
    out = []
    for row in rows.tolist():
        values: list[object] = []
        for feature, value in zip(schema.features, row, strict=True):
            if np.isnan(value):
                values.append(None)
            else:
                values.append(feature.categories[int(value)] if feature.categories else value)
        out.append(values)
    return out


def answer(predictor: Predictor, schema: Schema, rows: np.ndarray) -> dict:
    return predictor.predict(json.dumps({"instances": decoded_rows(schema, rows)}), "application/json")


def test_binary_logistic_answers_the_likelier_label_and_both_probabilities(tmp_path) -> None:
    predictor, booster, rows = served(FRAUD, tmp_path)
    body = answer(predictor, FRAUD, rows)
    positive = booster.inplace_predict(rows)
    assert body["count"] == len(rows) and set(body) == {"predictions", "model_version", "count"}
    for row, p in zip(body["predictions"], positive.tolist(), strict=True):
        assert row["probabilities"]["fraud"] == pytest.approx(p, rel=1e-5, abs=1e-6)
        assert row["label"] == ("fraud" if p > 0.5 else "legit")
        assert row["probability"] == pytest.approx(max(p, 1 - p), rel=1e-5, abs=1e-6)


def test_binary_logitraw_turns_the_log_odds_into_probabilities(tmp_path) -> None:
    schema = with_objective(FRAUD_DOCUMENT, "binary:logitraw")
    predictor, booster, rows = served(schema, tmp_path)
    expected = 1 / (1 + np.exp(-booster.inplace_predict(rows).astype(np.float64)))
    got = [row["probabilities"]["fraud"] for row in answer(predictor, schema, rows)["predictions"]]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_binary_hinge_answers_the_label_only(tmp_path) -> None:
    schema = with_objective(FRAUD_DOCUMENT, "binary:hinge")
    predictor, booster, rows = served(schema, tmp_path)
    labels = [FRAUD.target.labels[int(v)] for v in booster.inplace_predict(rows)]
    assert answer(predictor, schema, rows)["predictions"] == [{"label": label} for label in labels]


def test_multiclass_softprob_answers_one_probability_per_label(tmp_path) -> None:
    predictor, booster, rows = served(SPECIES, tmp_path)
    expected = booster.inplace_predict(rows)
    body = answer(predictor, SPECIES, rows)
    for row, probabilities in zip(body["predictions"], expected.tolist(), strict=True):
        assert list(row["probabilities"]) == list(SPECIES.target.labels)
        np.testing.assert_allclose(list(row["probabilities"].values()), probabilities, rtol=1e-5, atol=1e-6)
        assert row["label"] == SPECIES.target.labels[int(np.argmax(probabilities))]


def test_multiclass_softmax_answers_the_label_only(tmp_path) -> None:
    schema = with_objective(SPECIES_DOCUMENT, "multi:softmax")
    predictor, booster, rows = served(schema, tmp_path)
    labels = [SPECIES.target.labels[int(v)] for v in booster.inplace_predict(rows)]
    assert answer(predictor, schema, rows)["predictions"] == [{"label": label} for label in labels]


def test_regression_without_a_unit_answers_unrounded_values_and_no_unit(tmp_path) -> None:
    document = {"name": "plain", "target": {"name": "y", "task": "regression"},
                "features": [{"name": "a"}, {"name": "b", "missing": True}]}  # fmt: skip
    schema = Schema.from_document(document)
    booster = train_for(schema)
    predictor = Predictor.from_env({"MODEL_URI": str(save_like_sagemaker(booster, tmp_path, schema))})
    rows = np.array([[1.5, np.nan], [20.0, 3.0]], dtype=np.float32)
    body = predictor.predict(json.dumps({"instances": [[1.5, None], [20.0, 3.0]]}), "application/json")
    assert "unit" not in body  # "unit": "" would read as a unit
    assert body["predictions"] == booster.inplace_predict(rows).tolist()
