"""TreeSHAP contributions equal xgboost's pred_contribs and add up to the margin, for every supported model shape."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import xgboost as xgb

from inference.errors import ModelFormatError
from inference.explain.shap import TreeExplainer
from inference.model.artifact import model_document
from inference.trees.ensemble import compile_model
from tests.support.models import save_like_sagemaker, synthetic_rows, synthetic_target

TOLERANCE = 1e-5


def _train(params: dict, label, rounds: int = 25, rows: int = 1500) -> xgb.Booster:  # type: ignore[no-untyped-def]
    features = synthetic_rows(rows, seed=1)
    features[::7, 3] = np.nan  # the trees learn default directions
    target = label(synthetic_target(features) + np.random.default_rng(2).normal(0, 0.3, rows).astype(np.float32))
    return xgb.train({"eta": 0.3, "nthread": 1, "seed": 0, **params}, xgb.DMatrix(features, label=target), rounds)


def _document(booster: xgb.Booster, tmp_path) -> dict:  # type: ignore[no-untyped-def]
    return model_document(save_like_sagemaker(booster, tmp_path).read_bytes())


def _base_margin(booster: xgb.Booster, rows: np.ndarray) -> np.ndarray:
    """xgboost's own starting margin per output: the margin minus the margin of the trees alone."""
    with_base = booster.predict(xgb.DMatrix(rows[:1]), output_margin=True)
    classes = with_base.shape[-1] if with_base.ndim == 2 else 1
    trees_only = booster.predict(xgb.DMatrix(rows[:1], base_margin=np.zeros((1, classes))), output_margin=True)
    return np.asarray(with_base - trees_only, dtype=np.float64).reshape(classes)


def _rows(missing: bool) -> np.ndarray:
    rows = synthetic_rows(80, seed=9)
    if missing:
        rows[::3, 0] = np.nan
        rows[1::4, 6] = np.nan
        rows[2::5, 3] = np.nan
    return rows


def _check(booster: xgb.Booster, tmp_path, missing: bool) -> np.ndarray:  # type: ignore[no-untyped-def]
    rows = _rows(missing)
    explainer = TreeExplainer.from_document(_document(booster, tmp_path), _base_margin(booster, rows))
    ours = explainer.contributions(rows)
    theirs = booster.predict(xgb.DMatrix(rows), pred_contribs=True)
    margin = booster.predict(xgb.DMatrix(rows), output_margin=True)
    if theirs.ndim == 2:  # one output: xgboost drops the output axis
        theirs, margin = theirs[:, None, :], margin[:, None]
    assert ours.shape == theirs.shape == (len(rows), margin.shape[1], rows.shape[1] + 1)
    scale = max(1.0, float(np.abs(margin).max()))
    np.testing.assert_allclose(ours, theirs, rtol=TOLERANCE, atol=TOLERANCE * scale)
    np.testing.assert_allclose(ours.sum(axis=2), margin, rtol=TOLERANCE, atol=TOLERANCE * scale)
    return ours


MODELS = {
    "regression": ({"objective": "reg:squarederror", "max_depth": 4}, lambda y: y),
    "dart": ({"booster": "dart", "rate_drop": 0.3, "max_depth": 5, "seed": 3}, lambda y: y),
    "binary": ({"objective": "binary:logistic", "max_depth": 5}, lambda y: (y > np.median(y)).astype(np.float32)),
    "multiclass": (
        {"objective": "multi:softprob", "num_class": 3, "max_depth": 4},
        lambda y: np.digitize(y, np.quantile(y, [1 / 3, 2 / 3])).astype(np.float32),
    ),
    "deep": ({"max_depth": 8, "min_child_weight": 0.5}, lambda y: y),
    "lossguide": ({"grow_policy": "lossguide", "max_depth": 0, "max_leaves": 20, "tree_method": "hist"}, lambda y: y),
    "one split per tree": ({"max_depth": 1}, lambda y: y),
}


_BOOSTERS: dict[str, xgb.Booster] = {}


def _trained(name: str) -> xgb.Booster:
    """Each model is trained once per test session."""
    if name not in _BOOSTERS:
        _BOOSTERS[name] = _train(*MODELS[name])
    return _BOOSTERS[name]


@pytest.mark.parametrize("missing", [False, True], ids=["complete", "missing"])
@pytest.mark.parametrize("name", list(MODELS))
def test_contributions_equal_xgboost_pred_contribs(name: str, missing: bool, tmp_path) -> None:
    _check(_trained(name), tmp_path, missing)


def test_multiclass_trees_explain_their_own_class(tmp_path) -> None:
    ours = _check(_trained("multiclass"), tmp_path, missing=False)
    assert ours.shape[1] == 3 and not np.allclose(ours[:, 0], ours[:, 1])


def test_trees_without_splits_only_add_to_the_bias(tmp_path) -> None:
    booster = _train({"max_depth": 3, "min_split_loss": 1e9}, lambda y: y, rounds=3)
    rows = _rows(missing=True)
    ours = _check(booster, tmp_path, missing=True)
    np.testing.assert_array_equal(ours[:, :, :-1], 0.0)
    assert np.ptp(ours[:, :, -1]) == 0.0 and len(rows) == len(ours)


def test_single_rows_equal_the_batch(tmp_path) -> None:
    booster = _trained("deep")
    rows = _rows(missing=True)
    explainer = TreeExplainer.from_document(_document(booster, tmp_path), _base_margin(booster, rows))
    singles = np.concatenate([explainer.contributions(row[None, :]) for row in rows])
    np.testing.assert_array_equal(singles, explainer.contributions(rows))


def test_infinities_are_explained_like_the_largest_floats(tmp_path) -> None:
    """xgboost refuses infinite inputs; the explainer compares them like +-float32 max, as the trees would."""
    booster = _trained("regression")
    rows = _rows(missing=False)[:6]
    largest = np.finfo(np.float32).max
    rows[:3, 0], rows[3:, 4] = largest, -largest
    explainer = TreeExplainer.from_ensemble(compile_model(_document(booster, tmp_path)), _base_margin(booster, rows))
    infinite = rows.copy()
    infinite[:3, 0], infinite[3:, 4] = np.inf, -np.inf
    theirs = booster.predict(xgb.DMatrix(rows), pred_contribs=True)
    np.testing.assert_allclose(explainer.contributions(infinite)[:, 0], theirs, rtol=TOLERANCE, atol=TOLERANCE)


def _without_cover(document: dict, trees: tuple[int, ...]) -> dict:
    """Take all cover from one leaf of each tree named, and from its ancestors, so covers still add up."""
    for tree in (document["learner"]["gradient_booster"]["model"]["trees"][i] for i in trees):
        left, right, cover, parent = tree["left_children"], tree["right_children"], tree["sum_hessian"], tree["parents"]
        node = next(right[i] for i in range(len(left)) if left[i] != -1 and left[right[i]] == -1)
        lost = cover[node]
        while 0 <= node < len(cover):  # the root's parent is 2**31 - 1
            cover[node] -= lost
            node = parent[node]
    return document


def test_children_without_cover_are_explained_like_xgboost(tmp_path) -> None:
    """A cover share of 0 makes the t = 0 term depend on the row; the explainer then uses Gauss-Legendre."""
    document = _without_cover(json.loads(_trained("regression").save_raw("json")), trees=(2, 3, 5))
    booster = xgb.Booster()
    booster.load_model(bytearray(json.dumps(document).encode()))
    rows = _rows(missing=True)
    explainer = TreeExplainer.from_document(document, _base_margin(booster, rows))
    theirs = booster.predict(xgb.DMatrix(rows), pred_contribs=True)
    np.testing.assert_allclose(explainer.contributions(rows)[:, 0], theirs, rtol=TOLERANCE, atol=TOLERANCE)


def test_the_ensembles_own_base_margin_is_the_default(tmp_path) -> None:
    booster = _trained("binary")
    rows = _rows(missing=False)
    ensemble = compile_model(_document(booster, tmp_path))
    np.testing.assert_array_equal(
        TreeExplainer.from_ensemble(ensemble).contributions(rows),
        TreeExplainer.from_ensemble(ensemble, _base_margin(booster, rows)).contributions(rows),
    )


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    return _document(_train(*MODELS["regression"], rounds=3), tmp_path_factory.mktemp("model"))


def _trees(document: dict) -> list[dict]:
    return document["learner"]["gradient_booster"]["model"]["trees"]  # type: ignore[no-any-return]


def _damaged(document: dict, change) -> dict:  # type: ignore[no-untyped-def]
    damaged = copy.deepcopy(document)
    change(_trees(damaged)[1])
    return damaged


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda tree: tree.pop("sum_hessian"), "cover"),
        (lambda tree: tree.__setitem__("sum_hessian", -np.asarray(tree["sum_hessian"])), "negative"),
        (lambda tree: tree.__setitem__("sum_hessian", np.zeros(len(tree["sum_hessian"]))), "none"),
        (lambda tree: tree.__setitem__("sum_hessian", list(tree["sum_hessian"])[:-1]), "one entry per node"),
        (lambda tree: tree.__setitem__("right_children", np.full(len(tree["right_children"]), 10**6)), "node"),
    ],
    ids=["no covers", "negative covers", "zero covers", "short covers", "bad children"],
)
def test_damaged_documents_are_refused(document: dict, change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelFormatError, match=message):
        TreeExplainer.from_document(_damaged(document, change), np.zeros(1))


def test_documents_that_are_not_tree_models_are_refused(document: dict) -> None:
    linear = copy.deepcopy(document)
    linear["learner"]["gradient_booster"] = {"name": "gblinear", "model": {"weights": [0.0] * 9}}
    for refused in ({}, {"learner": []}, linear):
        with pytest.raises(ModelFormatError):
            TreeExplainer.from_document(refused, np.zeros(1))


def test_bad_arguments_are_value_errors(document: dict) -> None:
    with pytest.raises(ValueError, match="base_margin"):
        TreeExplainer.from_document(document, np.zeros(3))
    explainer = TreeExplainer.from_document(document, np.zeros(1))
    with pytest.raises(ValueError, match="rows of shape"):
        explainer.contributions(np.zeros((2, 5), np.float32))
