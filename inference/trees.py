"""A tree ensemble compiled from an XGBoost model document into flat NumPy arrays.

Every node of every tree is renumbered breadth-first so a branch's right child sits right after its left
child. Prediction then walks all trees at once, one level per step:
``node = left[node] + (x[feature[node]] >= threshold[node])``. Leaves point at themselves with a NaN
threshold (a comparison with NaN is always false), so a leaf reached early stays put. This is XGBoost's own
rule (``x < split`` goes left, float32 comparisons), so results equal ``Booster.predict`` up to float32
summation order. No xgboost import is needed at serving time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from inference.errors import ModelFormatError

_IDENTITY = {"reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror"}
_LOGISTIC = {"reg:logistic", "binary:logistic"}
_EXPONENTIAL = {"count:poisson", "reg:gamma", "reg:tweedie"}
BATCH_CHUNK_ROWS = 64
"""Rows walked together; keeps a chunk's node indices (rows x trees) in cache."""


@dataclass(frozen=True)
class TreeEnsemble:
    feature: np.ndarray  # intp, per node
    threshold: np.ndarray  # float32, NaN for leaves
    left: np.ndarray  # intp, a leaf's own index for leaves
    default_left: np.ndarray  # bool, where a missing value (NaN) goes
    value: np.ndarray  # float64 leaf values (tree weight applied), 0 for branches
    roots: np.ndarray  # intp, one per tree
    depth: int
    base_margin: float
    objective: str
    num_features: int

    @property
    def num_trees(self) -> int:
        return len(self.roots)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Predict float32 rows of shape (n, num_features); returns float64 in the objective's output space."""
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != self.num_features:
            raise ValueError(f"expected rows of shape (n, {self.num_features}), got {rows.shape}")
        margins = np.empty(len(rows))
        for start in range(0, len(rows), BATCH_CHUNK_ROWS):
            chunk = rows[start : start + BATCH_CHUNK_ROWS]
            margins[start : start + len(chunk)] = self.value[self._leaves(chunk)].sum(axis=1)
        return _transform(self.objective, margins + self.base_margin)

    def _leaves(self, rows: np.ndarray) -> np.ndarray:
        flat = rows.ravel()
        offsets = (np.arange(len(rows)) * self.num_features)[:, None]
        nodes = np.broadcast_to(self.roots, (len(rows), self.num_trees))
        has_missing = bool(np.isnan(flat).any())
        for _ in range(self.depth):
            x = flat.take(offsets + self.feature.take(nodes))
            go_right = x >= self.threshold.take(nodes)
            if has_missing:
                go_right = np.where(np.isnan(x), ~self.default_left.take(nodes), go_right)
            nodes = self.left.take(nodes) + go_right
        return nodes


def _transform(objective: str, margins: np.ndarray) -> np.ndarray:
    if objective in _LOGISTIC:
        return np.asarray(1.0 / (1.0 + np.exp(-margins)))
    if objective in _EXPONENTIAL:
        return np.asarray(np.exp(margins))
    return margins


def _base_margin(objective: str, base_score: float) -> float:
    if objective in _LOGISTIC:
        return float(np.log(base_score / (1.0 - base_score)))
    if objective in _EXPONENTIAL:
        return float(np.log(base_score))
    return base_score


def compile_model(document: dict[str, Any]) -> TreeEnsemble:
    """Compile an XGBoost JSON/UBJSON model document; refuse what this runtime cannot evaluate exactly."""
    try:
        learner = document["learner"]
        params = learner["learner_model_param"]
        objective = learner["objective"]["name"]
        booster = learner["gradient_booster"]
        num_features = int(params["num_feature"])
        base_scores = [float(v) for v in str(params["base_score"]).strip("[]").split(",")]
        num_outputs = max(int(params.get("num_target", 1)), int(params.get("num_class", 0)), len(base_scores))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"not an XGBoost model document: missing or bad field {exc}") from exc
    if objective not in _IDENTITY | _LOGISTIC | _EXPONENTIAL:
        raise ModelFormatError(f"objective {objective!r} is not supported; this service serves regression models")
    if num_outputs != 1:
        raise ModelFormatError(f"the model has {num_outputs} outputs; only single-output regression is supported")
    trees, weights = _trees_of(booster)
    return _flatten(trees, weights, num_features, _base_margin(objective, base_scores[0]), objective)


def _trees_of(booster: dict[str, Any]) -> tuple[list[dict[str, Any]], list[float]]:
    name = booster.get("name")
    if name == "gbtree":
        trees = booster["model"]["trees"]
        return trees, [1.0] * len(trees)
    if name == "dart":
        trees = booster["gbtree"]["model"]["trees"]
        return trees, [float(w) for w in booster["weight_drop"]]
    raise ModelFormatError(f"booster {name!r} is not supported; train with booster 'gbtree' or 'dart'")


def _flatten(
    trees: list[dict[str, Any]], weights: list[float], num_features: int, base_margin: float, objective: str
) -> TreeEnsemble:
    if not trees:
        raise ModelFormatError("the model has no trees")
    parts = [_tree_arrays(tree, weight, num_features) for tree, weight in zip(trees, weights, strict=True)]
    sizes = np.array([len(part[0]) for part in parts])
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    feature, threshold, left, default_left, value, depths = (list(column) for column in zip(*parts, strict=True))
    return TreeEnsemble(
        feature=np.concatenate(feature),
        threshold=np.concatenate(threshold),
        left=np.concatenate([lft + off for lft, off in zip(left, offsets, strict=True)]),
        default_left=np.concatenate(default_left),
        value=np.concatenate(value),
        roots=offsets.astype(np.intp),
        depth=int(max(depths)),
        base_margin=base_margin,
        objective=objective,
        num_features=num_features,
    )


def _tree_arrays(tree: dict[str, Any], weight: float, num_features: int) -> tuple[Any, ...]:
    """One tree in breadth-first order with children adjacent; indices are local to the tree."""
    try:
        lefts = np.asarray(tree["left_children"], dtype=np.intp)
        rights = np.asarray(tree["right_children"], dtype=np.intp)
        splits = np.asarray(tree["split_indices"], dtype=np.intp)
        conditions = np.asarray(tree["split_conditions"], dtype=np.float32)
        defaults = np.asarray(tree["default_left"], dtype=bool)
        split_types = np.asarray(tree.get("split_type", np.zeros(len(lefts))), dtype=np.intp)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"malformed tree: {exc}") from exc
    if np.any(split_types[lefts != -1] != 0):
        raise ModelFormatError("categorical splits are not supported; train with numerical features only")
    branch_splits = splits[lefts != -1]
    if np.any(branch_splits >= num_features) or np.any(branch_splits < 0):
        raise ModelFormatError("a split refers to a feature the model does not have")
    order, depth = _breadth_first(lefts, rights)
    new_index = np.empty(len(lefts), dtype=np.intp)
    new_index[order] = np.arange(len(order))
    is_leaf = lefts[order] == -1
    own = np.arange(len(order))
    return (
        np.where(is_leaf, 0, splits[order]),
        np.where(is_leaf, np.float32(np.nan), conditions[order]).astype(np.float32),
        np.where(is_leaf, own, new_index[np.where(is_leaf, 0, lefts[order])]),
        np.where(is_leaf, True, defaults[order]),
        np.where(is_leaf, conditions[order].astype(np.float64) * weight, 0.0),
        depth,
    )


def _breadth_first(lefts: np.ndarray, rights: np.ndarray) -> tuple[np.ndarray, int]:
    order, level, depth, seen = [], [0], 0, 0
    while level:
        order.extend(level)
        seen += len(level)
        if seen > len(lefts):
            raise ModelFormatError("a tree's children form a cycle")
        level = [int(child) for node in level if lefts[node] != -1 for child in (lefts[node], rights[node])]
        if any(child < 0 or child >= len(lefts) for child in level):
            raise ModelFormatError("a tree refers to a node that does not exist")
        depth += 1 if level else 0
    if len(order) != len(lefts):
        raise ModelFormatError("a tree has nodes that its root does not reach")
    return np.asarray(order, dtype=np.intp), depth
