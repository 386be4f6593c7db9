"""The compiled ensemble predicts what xgboost itself predicts, for every supported model shape."""

from __future__ import annotations

import re

import numpy as np
import pytest
import xgboost as xgb

from inference.errors import ModelFormatError
from inference.model.artifact import model_document
from inference.trees.ensemble import compile_model
from tests.support.exact import assert_same_bits
from tests.support.models import save_like_sagemaker, synthetic_rows, synthetic_target, train_booster


def _compiled(booster: xgb.Booster, tmp_path):  # type: ignore[no-untyped-def]
    tarball = save_like_sagemaker(booster, tmp_path)
    return compile_model(model_document(tarball.read_bytes()))


def test_sagemaker_format_artifact_predicts_like_xgboost(booster, tmp_path) -> None:
    rows = synthetic_rows(3000, seed=7)
    ensemble = _compiled(booster, tmp_path)
    assert_same_bits(ensemble.predict(rows), booster.inplace_predict(rows))
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
    assert_same_bits(ensemble.predict(rows), booster.inplace_predict(rows))


def test_missing_values_follow_the_default_direction(booster, tmp_path) -> None:
    rows = synthetic_rows(200, seed=5)
    rows[::3, 0] = np.nan
    rows[1::4, 6] = np.nan
    ensemble = _compiled(booster, tmp_path)
    assert_same_bits(ensemble.predict(rows), booster.inplace_predict(rows))


def _classifier(num_class: int, objective: str = "multi:softprob", **params: object) -> xgb.Booster:
    rows = synthetic_rows(900, seed=num_class)
    edges = np.quantile(synthetic_target(rows), np.linspace(0, 1, num_class + 1)[1:-1])
    labels = np.digitize(synthetic_target(rows), edges)
    rows[::5, 2] = np.nan  # the trees learn default directions
    settings = {"objective": objective, "num_class": num_class, "max_depth": 3, "nthread": 1, "seed": 0, **params}
    return xgb.train(settings, xgb.DMatrix(rows, label=labels), num_boost_round=5)


def _rows_with_missing(n: int = 300) -> np.ndarray:
    rows = synthetic_rows(n, seed=9)
    rows[::3, 2] = np.nan
    rows[1::4, 0] = np.nan
    return rows


@pytest.mark.parametrize("num_class", [3, 5])
def test_multiclass_model_predicts_like_xgboost(num_class, tmp_path) -> None:
    booster = _classifier(num_class)
    ensemble = _compiled(booster, tmp_path)
    rows = _rows_with_missing()
    probabilities = ensemble.predict(rows)
    assert probabilities.shape == (300, num_class)
    assert_same_bits(probabilities, booster.predict(xgb.DMatrix(rows)))
    margins = booster.predict(xgb.DMatrix(rows), output_margin=True)
    assert_same_bits(ensemble.predict_margin(rows), margins)
    assert ensemble.num_groups == num_class and ensemble.base_margin.shape == (num_class,)
    assert ensemble.tree_group.tolist() == list(range(num_class)) * 5  # tree_info: one tree per class per round


def test_multiclass_single_rows_match_batch(tmp_path) -> None:
    rows = _rows_with_missing(60)
    for objective in ("multi:softprob", "multi:softmax"):
        ensemble = _compiled(_classifier(3, objective), tmp_path)
        singles = np.array([ensemble.predict(row[None, :])[0] for row in rows])
        np.testing.assert_array_equal(singles, ensemble.predict(rows))


def test_parallel_trees_per_class_add_to_their_class(tmp_path) -> None:
    booster = _classifier(3, num_parallel_tree=2, subsample=0.7)
    ensemble = _compiled(booster, tmp_path)
    assert ensemble.tree_group.tolist()[:6] == [0, 0, 1, 1, 2, 2]
    rows = _rows_with_missing()
    assert_same_bits(ensemble.predict(rows), booster.predict(xgb.DMatrix(rows)))


def test_binary_classifier_with_missing_values(tmp_path) -> None:
    training_rows = synthetic_rows(900, seed=2)
    labels = synthetic_target(training_rows) > 3
    training_rows[::4, 0] = np.nan
    params = {"objective": "binary:logistic", "max_depth": 4, "nthread": 1}
    booster = xgb.train(params, xgb.DMatrix(training_rows, label=labels), num_boost_round=10)
    ensemble, rows = _compiled(booster, tmp_path), _rows_with_missing()
    assert_same_bits(ensemble.predict(rows), booster.predict(xgb.DMatrix(rows)))
    singles = np.array([ensemble.predict(row[None, :])[0] for row in rows])
    np.testing.assert_array_equal(singles, ensemble.predict(rows))


def test_cover_is_kept_per_node_in_node_order(booster, tmp_path) -> None:
    document = model_document(save_like_sagemaker(booster, tmp_path).read_bytes())
    ensemble = compile_model(document)
    trees = document["learner"]["gradient_booster"]["model"]["trees"]
    np.testing.assert_allclose(ensemble.cover[ensemble.roots], [tree["sum_hessian"][0] for tree in trees])
    branches = np.flatnonzero(ensemble.left != np.arange(len(ensemble.left)))
    children = ensemble.cover[ensemble.left[branches]] + ensemble.cover[ensemble.left[branches] + 1]
    np.testing.assert_allclose(children, ensemble.cover[branches], rtol=1e-4)  # hessians add up


def test_document_without_cover_still_predicts(booster, tmp_path) -> None:
    document = model_document(save_like_sagemaker(booster, tmp_path).read_bytes())
    for tree in document["learner"]["gradient_booster"]["model"]["trees"]:
        del tree["sum_hessian"]
    ensemble = compile_model(document)
    assert np.isnan(ensemble.cover).all()
    rows = synthetic_rows(100, seed=4)
    assert_same_bits(ensemble.predict(rows), booster.inplace_predict(rows))


def test_categorical_split_is_refused(tmp_path) -> None:
    rows = synthetic_rows(600, seed=6)
    rows[:, 3] = np.arange(600) % 4
    labels = np.where(rows[:, 3] == 2, 5.0, 0.0) + synthetic_target(rows)
    feature_types = ["q", "q", "q", "c", "q", "q", "q", "q"]
    dtrain = xgb.DMatrix(rows, label=labels, feature_types=feature_types, enable_categorical=True)
    booster = xgb.train({"max_depth": 3, "nthread": 1, "max_cat_to_onehot": 1}, dtrain, num_boost_round=3)
    message = (
        "the model has categorical splits, which are not supported; encode categories as ordinal codes "
        "and train them as numerical features"
    )
    with pytest.raises(ModelFormatError, match=f"^{re.escape(message)}$"):
        _compiled(booster, tmp_path)


def test_tree_info_that_does_not_fit_is_refused(tmp_path) -> None:
    document = model_document(save_like_sagemaker(_classifier(3), tmp_path).read_bytes())
    document["learner"]["gradient_booster"]["model"]["tree_info"][4] = 3
    with pytest.raises(ModelFormatError, match=r"^tree_info must give each of the 15 trees a group in 0\.\.2$"):
        compile_model(document)


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
