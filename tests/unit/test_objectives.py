"""Every supported objective predicts what xgboost predicts, from the base score to the link function."""

from __future__ import annotations

import re

import numpy as np
import pytest
import xgboost as xgb

from inference.errors import ModelFormatError
from inference.model.artifact import model_document
from inference.trees import objectives
from inference.trees.ensemble import TreeEnsemble, compile_model
from tests.support.exact import assert_same_bits
from tests.support.models import save_like_sagemaker, synthetic_rows, synthetic_target


def _labels(objective: str, rows: np.ndarray) -> np.ndarray:
    """Labels each objective accepts, learnable from the rows: values, rates, counts, 0/1 or 3 classes."""
    y = synthetic_target(rows)
    if objective.startswith(("binary:", "multi:")):
        edges = [np.quantile(y, 0.3)] if objective.startswith("binary:") else np.quantile(y, [0.2, 0.7])
        return np.digitize(y, edges).astype(np.float32)
    if objective == "reg:logistic":
        return (y - y.min()) / (y.max() - y.min())
    return np.abs(y) + (0.1 if objective == "reg:gamma" else 0.0)


def _trained(objective: str, rounds: int = 6, **params: object) -> xgb.Booster:
    rows = synthetic_rows(800, seed=4)
    extra = {"num_class": 3} if objective.startswith("multi:") else {}
    params = {"objective": objective, "max_depth": 3, "nthread": 1, "seed": 0, **extra, **params}
    return xgb.train(params, xgb.DMatrix(rows, label=_labels(objective, rows)), num_boost_round=rounds)


def _compiled(booster: xgb.Booster, tmp_path) -> TreeEnsemble:  # type: ignore[no-untyped-def]
    return compile_model(model_document(save_like_sagemaker(booster, tmp_path).read_bytes()))


def _rows_with_missing() -> np.ndarray:
    rows = synthetic_rows(400, seed=8)
    rows[::3, 0] = np.nan
    rows[1::4, 6] = np.nan
    return rows


def _assert_like_xgboost(ensemble: TreeEnsemble, booster: xgb.Booster, rows: np.ndarray) -> None:
    matrix = xgb.DMatrix(rows)
    assert_same_bits(ensemble.predict(rows), booster.predict(matrix))
    margins = booster.predict(matrix, output_margin=True).reshape(len(rows), ensemble.num_groups)
    assert_same_bits(ensemble.predict_margin(rows), margins)


@pytest.mark.parametrize("objective", objectives.SUPPORTED_OBJECTIVES)
def test_every_objective_predicts_like_xgboost(objective, tmp_path) -> None:
    booster = _trained(objective)
    ensemble = _compiled(booster, tmp_path)
    _assert_like_xgboost(ensemble, booster, _rows_with_missing())
    assert ensemble.predict(synthetic_rows(7)).shape == ((7, 3) if objective == "multi:softprob" else (7,))


@pytest.mark.parametrize("objective", ["reg:squarederror", "binary:logistic", "multi:softprob", "count:poisson"])
def test_dart_predicts_like_xgboost(objective, tmp_path) -> None:
    booster = _trained(objective, rounds=12, booster="dart", rate_drop=0.4, skip_drop=0.0)
    document = model_document(save_like_sagemaker(booster, tmp_path).read_bytes())
    assert min(document["learner"]["gradient_booster"]["weight_drop"]) < 0.9  # the tree weights matter
    _assert_like_xgboost(compile_model(document), booster, _rows_with_missing())


@pytest.mark.parametrize("base_score", [None, 0.3])
@pytest.mark.parametrize("objective", objectives.SUPPORTED_OBJECTIVES)
def test_base_margin_is_the_margin_xgboost_starts_from(objective, base_score, tmp_path) -> None:
    """With eta 0 every leaf is 0, so xgboost's margin is its base margin: estimated, or from base_score."""
    params = {"eta": 0.0} if base_score is None else {"eta": 0.0, "base_score": base_score}
    booster = _trained(objective, rounds=1, **params)
    margin = booster.predict(xgb.DMatrix(synthetic_rows(1)), output_margin=True).reshape(-1)
    assert_same_bits(_compiled(booster, tmp_path).base_margin, margin)


def test_a_scalar_base_score_of_older_models_applies_to_every_class() -> None:
    np.testing.assert_array_equal(objectives.base_margin("multi:softprob", "5E-1", 4), [0.5] * 4)
    assert objectives.base_margin("binary:logistic", "[7.5E-1]", 1).tolist() == [pytest.approx(np.log(3.0), rel=1e-6)]


def test_links_at_their_edges() -> None:
    assert objectives.transform("binary:hinge", np.array([[0.0], [1e-9], [-2.0]])).tolist() == [0.0, 1.0, 0.0]
    ties = np.array([[0.2, 0.2, 0.1], [0.0, 0.3, 0.3]])
    assert objectives.transform("multi:softmax", ties).tolist() == [0.0, 1.0]  # the first largest, like xgboost
    probabilities = objectives.transform("multi:softprob", np.array([[1000.0, 0.0, -1000.0]]))
    np.testing.assert_array_equal(probabilities, [[1.0, 0.0, 0.0]])


def test_each_objective_belongs_to_its_task() -> None:
    tasks = {name: objectives.task_of(name) for name in objectives.SUPPORTED_OBJECTIVES}
    assert {name for name, task in tasks.items() if task == "multiclass"} == {"multi:softprob", "multi:softmax"}
    assert {name for name, task in tasks.items() if task == "binary"} == {
        "binary:logistic",
        "binary:logitraw",
        "binary:hinge",
    }


def test_unsupported_objective_is_refused_with_the_supported_list(tmp_path) -> None:
    rows = synthetic_rows(200)
    booster = xgb.train({"objective": "rank:pairwise", "nthread": 1}, xgb.DMatrix(rows, label=rows[:, 0] > 5), 2)
    message = (
        "objective 'rank:pairwise' is not supported; supported: reg:squarederror, reg:squaredlogerror, "
        "reg:pseudohubererror, reg:absoluteerror, reg:logistic, binary:logistic, binary:logitraw, binary:hinge, "
        "multi:softprob, multi:softmax, count:poisson, reg:gamma, reg:tweedie"
    )
    with pytest.raises(ModelFormatError, match=f"^{re.escape(message)}$"):
        _compiled(booster, tmp_path)


@pytest.mark.parametrize("strategy", ["one_output_per_tree", "multi_output_tree"])
def test_multi_target_model_is_refused(strategy, tmp_path) -> None:
    rows = synthetic_rows(200)
    labels = np.column_stack((synthetic_target(rows), rows[:, 1]))
    params = {"tree_method": "hist", "multi_strategy": strategy, "nthread": 1}
    booster = xgb.train(params, xgb.DMatrix(rows, label=labels), 2)
    message = (
        "the model predicts 2 targets; only single-target models are supported (one value, one probability, "
        "or one probability per class with multi:softprob or multi:softmax)"
    )
    with pytest.raises(ModelFormatError, match=f"^{re.escape(message)}$"):
        _compiled(booster, tmp_path)


@pytest.mark.parametrize(
    ("objective", "base_score", "num_groups", "message"),
    [
        ("binary:logistic", "[1E0]", 1, "base_score '[1E0]' of binary:logistic must be a probability inside (0, 1)"),
        ("reg:gamma", "[-2E0]", 1, "base_score '[-2E0]' is not a valid starting value for reg:gamma"),
        ("reg:squarederror", "[nan]", 1, "base_score '[nan]' is not a valid starting value for reg:squarederror"),
        ("multi:softprob", "[1E0,2E0]", 3, "base_score has 2 values but the model has 3 outputs"),
        ("reg:squarederror", "[half]", 1, "base_score '[half]' is not a number or a list of numbers"),
    ],
)  # fmt: skip
def test_impossible_base_scores_are_refused(objective, base_score, num_groups, message) -> None:
    with pytest.raises(ModelFormatError, match=f"^{re.escape(message)}$"):
        objectives.base_margin(objective, base_score, num_groups)


def test_class_counts_that_contradict_the_objective_are_refused() -> None:
    with pytest.raises(
        ModelFormatError, match=r"^a multi:softmax model needs num_class >= 2, this one has num_class=1$"
    ):
        objectives.num_groups_of("multi:softmax", 1, 1)
    with pytest.raises(
        ModelFormatError, match=r"^objective 'binary:logistic' has one output but the model has num_class=3$"
    ):
        objectives.num_groups_of("binary:logistic", 3, 1)
