"""/explain answers: contributions and bias add up to what /predict answers, in the space the answer names."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xgboost as xgb

from inference import Predictor
from inference.trees import objectives
from tests.support.datasets import FRAUD, SPECIES, rows_for
from tests.support.requests import ORDERED, ROW


def both(predictor: Predictor, body: dict) -> tuple[dict, dict]:
    text = json.dumps(body)
    return predictor.predict(text, "application/json"), predictor.explain(text, "application/json")


def test_regression_contributions_are_usd_and_sum_to_the_price(model_tarball, booster) -> None:
    predictor = Predictor.from_env({"MODEL_URI": str(model_tarball)})
    answer, explained = both(predictor, {"instances": [ROW, ORDERED]})
    assert explained["space"] == "USD" and explained["count"] == 2
    for price, row in zip(answer["predictions"], explained["explanations"], strict=True):
        assert list(row["contributions"]) == list(ROW)
        assert round(row["total"], 2) == price  # the served prediction, before /predict rounds it to cents
        assert row["bias"] + sum(row["contributions"].values()) == pytest.approx(row["total"], rel=1e-6)
    expected = booster.predict(xgb.DMatrix(np.array([ORDERED], dtype=np.float32)), pred_contribs=True)[0] * 100_000
    got = explained["explanations"][1]
    np.testing.assert_allclose([*got["contributions"].values(), got["bias"]], expected, rtol=1e-4, atol=0.05)


def test_binary_contributions_are_log_odds_of_the_second_label(fraud_model) -> None:
    predictor = Predictor.from_env({"MODEL_URI": str(fraud_model)})
    rows = [[120.5, "phone", None, 3, 0.9], [40.0, "web", 33, 14, None]]
    answer, explained = both(predictor, {"instances": rows})
    assert (explained["space"], explained["positive_label"]) == ("log-odds", "fraud")
    for prediction, row in zip(answer["predictions"], explained["explanations"], strict=True):
        assert row["label"] == prediction["label"]
        assert objectives.sigmoid(np.float32([row["total"]]))[0] == prediction["probabilities"]["fraud"]


def test_multiclass_contributions_per_class_give_the_probabilities(species_model) -> None:
    predictor = Predictor.from_env({"MODEL_URI": str(species_model)})
    names = SPECIES.names
    rows = [
        dict(zip(names, [5.1, 3.5, "loam", None], strict=True)),
        dict(zip(names, [9.0, 1.2, "peat", 150], strict=True)),
    ]
    answer, explained = both(predictor, {"instances": rows})
    for prediction, row in zip(answer["predictions"], explained["explanations"], strict=True):
        margins = np.float32([[row["classes"][label]["total"] for label in SPECIES.target.labels]])
        assert objectives.softmax(margins)[0].tolist() == list(prediction["probabilities"].values())
        assert row["label"] == prediction["label"]


def test_explain_matches_xgboost_on_many_rows_with_missing_values(fraud_model) -> None:
    import tarfile

    predictor = Predictor.from_env({"MODEL_URI": str(fraud_model)})
    rows = rows_for(FRAUD, 200, seed=3, missing_share=0.3)
    with tarfile.open(fraud_model) as tar:
        member = tar.extractfile("xgboost-model")
        assert member is not None
        booster = xgb.Booster(model_file=bytearray(member.read()))
    expected = booster.predict(xgb.DMatrix(rows), pred_contribs=True)
    got = predictor.bundle.explainer.contributions(rows)[:, 0, :]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
