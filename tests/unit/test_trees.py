"""The compiled ensemble predicts what xgboost itself predicts, for every supported model shape."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from inference.artifact import model_document
from inference.errors import ModelFormatError
from inference.trees import compile_model
from tests.support.models import save_like_sagemaker, synthetic_rows, synthetic_target, train_booster


def _compiled(booster: xgb.Booster, tmp_path):  # type: ignore[no-untyped-def]
    tarball = save_like_sagemaker(booster, tmp_path)
    return compile_model(model_document(tarball.read_bytes()))


def test_sagemaker_format_artifact_predicts_like_xgboost(booster, tmp_path) -> None:
    rows = synthetic_rows(3000, seed=7)
    ensemble = _compiled(booster, tmp_path)
    np.testing.assert_allclose(ensemble.predict(rows), booster.inplace_predict(rows), rtol=1e-5, atol=1e-5)
    assert ensemble.num_trees == 20
    assert ensemble.num_features == 8


def test_single_rows_match_batch(booster, tmp_path) -> None:
    rows = synthetic_rows(50, seed=3)
    ensemble = _compiled(booster, tmp_path)
    singles = np.array([ensemble.predict(row[None, :])[0] for row in rows])
    np.testing.assert_array_equal(singles, ensemble.predict(rows))


def test_deep_model_with_many_trees(tmp_path) -> None:
    booster = train_booster(num_round=120, max_depth=8, seed=1)
    rows = synthetic_rows(500, seed=11)
    ensemble = _compiled(booster, tmp_path)
    assert ensemble.depth == 8
    np.testing.assert_allclose(ensemble.predict(rows), booster.inplace_predict(rows), rtol=1e-5, atol=1e-5)


def test_missing_values_follow_the_default_direction(booster, tmp_path) -> None:
    rows = synthetic_rows(200, seed=5)
    rows[::3, 0] = np.nan
    rows[1::4, 6] = np.nan
    ensemble = _compiled(booster, tmp_path)
    np.testing.assert_allclose(ensemble.predict(rows), booster.inplace_predict(rows), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({"objective": "reg:logistic"}, lambda y: (y > y.mean()).astype(np.float32)),
        ({"objective": "count:poisson"}, lambda y: np.round(np.abs(y) * 3)),
        ({"objective": "reg:absoluteerror"}, lambda y: y),
        ({"objective": "reg:squarederror", "booster": "dart", "rate_drop": 0.3}, lambda y: y),
    ],
)
def test_other_objectives_and_dart(params, label, tmp_path) -> None:
    rows = synthetic_rows(1000, seed=2)
    dtrain = xgb.DMatrix(rows, label=label(synthetic_target(rows)))
    booster = xgb.train({"max_depth": 3, "nthread": 1, "seed": 0, **params}, dtrain, num_boost_round=15)
    ensemble = _compiled(booster, tmp_path)
    np.testing.assert_allclose(ensemble.predict(rows), booster.predict(xgb.DMatrix(rows)), rtol=1e-5, atol=1e-5)


def test_multiclass_model_is_refused(tmp_path) -> None:
    rows = synthetic_rows(300)
    dtrain = xgb.DMatrix(rows, label=np.arange(300) % 3)
    booster = xgb.train({"objective": "multi:softprob", "num_class": 3, "nthread": 1}, dtrain, num_boost_round=2)
    with pytest.raises(ModelFormatError, match="not supported"):
        _compiled(booster, tmp_path)


def test_linear_booster_is_refused(tmp_path) -> None:
    rows = synthetic_rows(300)
    booster = xgb.train({"booster": "gblinear"}, xgb.DMatrix(rows, label=synthetic_target(rows)), 2)
    with pytest.raises(ModelFormatError, match="booster 'gblinear' is not supported"):
        _compiled(booster, tmp_path)


def test_malformed_tree_structure_is_refused(booster, tmp_path) -> None:
    document = model_document(save_like_sagemaker(booster, tmp_path).read_bytes())
    tree = document["learner"]["gradient_booster"]["model"]["trees"][0]
    tree["left_children"] = np.array(tree["left_children"])
    tree["left_children"][0] = 0
    with pytest.raises(ModelFormatError, match=r"cycle|does not reach"):
        compile_model(document)


def test_wrong_shape_input_is_a_value_error(booster, tmp_path) -> None:
    with pytest.raises(ValueError, match=r"shape \(n, 8\)"):
        _compiled(booster, tmp_path).predict(np.zeros((2, 5), dtype=np.float32))


@pytest.mark.parametrize(
    "damage",
    [
        lambda doc: doc["learner"].update(gradient_booster=None),
        lambda doc: doc["learner"]["gradient_booster"]["model"].update(trees=[{"left_children": 5}]),
        lambda doc: doc["learner"]["gradient_booster"].update(name="dart", gbtree={}, weight_drop=[1.0]),
    ],
)
def test_damaged_documents_are_model_format_errors(booster, tmp_path, damage) -> None:
    document = model_document(save_like_sagemaker(booster, tmp_path).read_bytes())
    damage(document)
    with pytest.raises(ModelFormatError):
        compile_model(document)
