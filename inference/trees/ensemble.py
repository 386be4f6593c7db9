"""A tree ensemble compiled from an XGBoost model document: ``TreeEnsemble`` (what TreeSHAP reads) and its
prediction form ``Forest``, with XGBoost's own comparison rule; no xgboost import at serving time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from inference.errors import ModelFormatError
from inference.trees import objectives
from inference.trees.forest import Forest
from inference.trees.layout import cuts_of, lay_out, perfect_levels

PERFECT_DEPTH = 10
"""Deepest trees padded to perfect trees (1024 leaves each); deeper ones are walked node by node."""

__all__ = ["PERFECT_DEPTH", "Forest", "TreeEnsemble", "compile_forest", "compile_model"]


@dataclass(frozen=True)
class TreeEnsemble:
    # Integer node arrays use the smallest type that holds every index (see tree_layout).
    feature: np.ndarray  # per node (0 for leaves)
    threshold: np.ndarray  # float32, NaN for leaves
    left: np.ndarray  # per node: the left child; a leaf's own index for leaves
    default_left: np.ndarray  # bool, where a missing value (NaN) goes
    value: np.ndarray  # float64 leaf values (tree weight applied), 0 for branches
    cover: np.ndarray  # float64 per node: XGBoost's sum_hessian (not scaled by DART weights); NaN if absent
    roots: np.ndarray  # one per tree: 0 .. num_trees - 1
    tree_group: np.ndarray  # intp, one per tree: the output group (class) it adds to
    depth: int
    base_margin: np.ndarray  # float64 (num_groups,): every row's margin before the trees
    objective: str
    num_features: int
    num_groups: int  # margins per row: K for a K-class model, else 1
    forest: Forest  # the same trees laid out for prediction

    @property
    def num_trees(self) -> int:
        return len(self.roots)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Float64 predictions as ``Booster.predict`` gives them: (n,), or (n, K) for multi:softprob."""
        return self.forest.predict(rows)

    def predict_margin(self, rows: np.ndarray) -> np.ndarray:
        """Float32 rows of shape (n, num_features) to float64 margins (n, num_groups): ``output_margin=True``."""
        return self.forest.predict_margin(rows)


def compile_model(document: dict[str, Any]) -> TreeEnsemble:
    """Compile an XGBoost JSON/UBJSON model document; refuse what this runtime cannot evaluate exactly."""
    meta, booster = model_header(document)
    try:
        model, weights = _model_of(booster)
        layout = lay_out(model["trees"], weights, meta["num_features"])
        tree_group = _tree_groups(model.get("tree_info"), len(model["trees"]), meta["num_groups"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelFormatError(
            "malformed model document: its trees, weights or tree_info are not as XGBoost writes them"
        ) from exc
    if not np.isfinite(layout["value"]).all():  # e.g. a leaf past float32's range: every answer would be inf
        raise ModelFormatError("the model has leaf values that are not finite float32 numbers; is the file damaged?")
    meta["tree_group"] = tree_group
    return TreeEnsemble(**layout, **meta, forest=forest_of(layout, **meta))


def compile_forest(document: dict[str, Any]) -> Forest:
    """The prediction form alone, the very arrays of ``compile_model(document).forest``, built without the
    breadth-first renumbering TreeSHAP needs (``inference.trees.perfect``); a model it does not build (too
    deep for perfect trees, or refused) goes through ``compile_model``, which walks or refuses it."""
    from inference.trees.perfect import perfect_forest

    meta, booster = model_header(document)
    try:
        model, weights = _model_of(booster)
        built = perfect_forest(model["trees"], weights, meta["num_features"], PERFECT_DEPTH)
        tree_group = _tree_groups(model.get("tree_info"), len(model["trees"]), meta["num_groups"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ModelFormatError):
        built = None
    if built is None:
        return compile_model(document).forest
    return Forest(**built, node_left=None, num_trees=len(tree_group), tree_group=tree_group, **meta)


def model_header(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model's objective, feature count, output groups and base margin; and its gradient booster."""
    try:
        learner = document["learner"]
        params = learner["learner_model_param"]
        objective = learner["objective"]["name"]
        booster = learner["gradient_booster"]
        num_features = int(params["num_feature"])
        num_class, num_target = int(params.get("num_class", 0)), int(params.get("num_target", 1))
        base_score = str(params["base_score"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(
            "not an XGBoost model document: learner.learner_model_param (num_feature, "
            "base_score), objective.name or gradient_booster is missing or malformed"
        ) from exc
    num_groups = objectives.num_groups_of(objective, num_class, num_target)
    base_margin = objectives.base_margin(objective, base_score, num_groups)
    meta = {"base_margin": base_margin, "objective": objective, "num_features": num_features, "num_groups": num_groups}
    return meta, booster


def forest_of(layout: dict[str, Any], **meta: Any) -> Forest:
    """The prediction form of a breadth-first layout: perfect trees when they are shallow enough."""
    is_leaf = layout["left"] == np.arange(len(layout["left"]))
    cuts = cuts_of(layout["feature"], layout["threshold"], layout["default_left"], is_leaf)
    num_trees, depth = len(layout["roots"]), int(layout["depth"])
    if depth <= PERFECT_DEPTH:
        perfect = perfect_levels(layout["left"], cuts["node_cut"], layout["value"], num_trees, depth)
        return Forest(**{**cuts, **perfect}, node_left=None, depth=depth, num_trees=num_trees, **meta)
    return Forest(**cuts, leaf_value=layout["value"], node_left=layout["left"].astype(np.intp), depth=depth,
                  num_trees=num_trees, **meta)  # fmt: skip


def _model_of(booster: dict[str, Any]) -> tuple[dict[str, Any], list[float]]:
    """The tree model (trees and tree_info) and each tree's weight: 1.0, or DART's ``weight_drop``."""
    name = booster.get("name")
    if name == "gbtree":
        model = booster["model"]
        return model, [1.0] * len(model["trees"])
    if name == "dart":
        return booster["gbtree"]["model"], [float(w) for w in booster["weight_drop"]]
    raise ModelFormatError(f"booster {name!r} is not supported; train with booster 'gbtree' or 'dart'")


def _tree_groups(tree_info: Any, num_trees: int, num_groups: int) -> np.ndarray:
    """Each tree's output group from ``tree_info``; single-output documents may leave it out."""
    if tree_info is None and num_groups == 1:
        return np.zeros(num_trees, dtype=np.intp)
    groups = np.asarray(tree_info, dtype=np.intp)
    if groups.shape != (num_trees,) or np.any((groups < 0) | (groups >= num_groups)):
        raise ModelFormatError(f"tree_info must give each of the {num_trees} trees a group in 0..{num_groups - 1}")
    return groups
