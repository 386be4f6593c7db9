"""A tree ensemble compiled from an XGBoost model document into flat NumPy arrays.

Nodes are numbered breadth-first across all trees (see ``inference.tree_layout``), a branch's right
child right after its left child. Prediction walks all trees together, one level per step:
``node = left[node] + (x[feature[node]] >= threshold[node])``. Leaves point at themselves and never go
right, so a leaf reached early stays put. This is XGBoost's own rule (``x < split`` goes left, float32
comparisons), so results equal ``Booster.predict`` up to float32 summation order. No xgboost import is
needed at serving time. Each tree adds to one output group (``tree_group``, XGBoost's ``tree_info``):
the class of a multi-class model, 0 otherwise; ``inference.objectives`` turns the margins into predictions.

Speed: a model has few distinct (feature, threshold) pairs, "cuts" (at most ``max_bin`` per feature),
but many nodes. So each row is compared once with every cut (``row[cut_feature] >= cut_threshold``) and
each level only looks up its nodes' cut: three gathers per level instead of four gathers and a compare.
Leaves use an extra cut that is always False. Rows with a missing value (NaN) take the general path,
which sends NaN where the node's ``default_left`` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from inference import objectives
from inference.errors import ModelFormatError
from inference.tree_layout import lay_out

BATCH_CHUNK_ROWS = 64
"""Rows walked together; keeps a chunk's node indices (rows x trees) in cache."""


@dataclass(frozen=True)
class TreeEnsemble:
    # Integer node arrays use the smallest type that holds every index (see tree_layout): int32 for a
    # 2000-tree model, int16 for small ones. Gathers from smaller arrays miss the cache less often.
    feature: np.ndarray  # per node (0 for leaves)
    threshold: np.ndarray  # float32, NaN for leaves
    left: np.ndarray  # per node: the left child; a leaf's own index for leaves
    default_left: np.ndarray  # bool, where a missing value (NaN) goes
    value: np.ndarray  # float64 leaf values (tree weight applied), 0 for branches
    cover: np.ndarray  # float64 per node: XGBoost's sum_hessian (not scaled by DART weights); NaN if absent
    cut: np.ndarray  # per node: its (feature, threshold) pair; leaves: the last cut, always False
    cut_feature: np.ndarray  # intp, per cut
    cut_threshold: np.ndarray  # float32, per cut; NaN for the leaves' cut (a comparison with NaN is False)
    roots: np.ndarray  # one per tree: 0 .. num_trees - 1
    tree_group: np.ndarray  # intp, one per tree: the output group (class) it adds to
    depth: int
    base_margin: np.ndarray  # float64 (num_groups,): every row's margin before the trees
    objective: str
    num_features: int
    num_groups: int  # margins per row: K for a K-class model, else 1

    @property
    def num_trees(self) -> int:
        return len(self.roots)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Float64 predictions as ``Booster.predict`` gives them: (n,), or (n, K) for multi:softprob."""
        return objectives.transform(self.objective, self.predict_margin(rows))

    def predict_margin(self, rows: np.ndarray) -> np.ndarray:
        """Float32 rows of shape (n, num_features) to float64 margins (n, num_groups): ``output_margin=True``."""
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != self.num_features:
            raise ValueError(f"expected rows of shape (n, {self.num_features}), got {rows.shape}")
        if len(rows) == 1 and not np.isnan(rows).any():
            leaf_values = self.value.take(self._row_leaves(rows[0]))[None, :]
            return np.asarray(self._group_sums(leaf_values) + self.base_margin)
        margins = np.empty((len(rows), self.num_groups))
        for start in range(0, len(rows), BATCH_CHUNK_ROWS):
            chunk = rows[start : start + BATCH_CHUNK_ROWS]
            leaves = self._missing_leaves(chunk) if np.isnan(chunk).any() else self._leaves(chunk)
            margins[start : start + len(chunk)] = self._group_sums(self.value.take(leaves))
        return np.asarray(margins + self.base_margin)

    def _group_sums(self, leaf_values: np.ndarray) -> np.ndarray:
        """Leaf values (rows, trees) summed per output group: (rows, num_groups). Each group adds its trees in
        tree order, whatever the number of rows, so a row alone and in a batch get the very same margins."""
        if self.num_groups == 1:
            return np.asarray(leaf_values.sum(axis=1, keepdims=True))
        size = len(leaf_values) * self.num_groups
        bins = (np.arange(0, size, self.num_groups)[:, None] + self.tree_group).ravel()
        return np.bincount(bins, weights=leaf_values.ravel(), minlength=size).reshape(-1, self.num_groups)

    def _row_leaves(self, row: np.ndarray) -> np.ndarray:
        """One row without NaN, on 1-D arrays: the cheapest path for a single request."""
        goes_right = row.take(self.cut_feature) >= self.cut_threshold
        nodes = self.roots
        for _ in range(self.depth):
            nodes = self.left.take(nodes) + goes_right.take(self.cut.take(nodes))
        return nodes

    def _leaves(self, rows: np.ndarray) -> np.ndarray:
        """Rows without NaN: a (rows, cuts) table of comparisons, then one flat gather per level."""
        goes_right = (rows.take(self.cut_feature, axis=1) >= self.cut_threshold).ravel()
        offsets = (np.arange(len(rows)) * len(self.cut_feature))[:, None]
        nodes = np.broadcast_to(self.roots, (len(rows), self.num_trees))
        for _ in range(self.depth):
            nodes = self.left.take(nodes) + goes_right.take(offsets + self.cut.take(nodes))
        return nodes

    def _missing_leaves(self, rows: np.ndarray) -> np.ndarray:
        """Rows with NaN: compare per node, and send NaN the node's default way."""
        flat = rows.ravel()
        offsets = (np.arange(len(rows)) * self.num_features)[:, None]
        nodes = np.broadcast_to(self.roots, (len(rows), self.num_trees))
        for _ in range(self.depth):
            x = flat.take(offsets + self.feature.take(nodes))
            go_right = np.where(np.isnan(x), ~self.default_left.take(nodes), x >= self.threshold.take(nodes))
            nodes = self.left.take(nodes) + go_right
        return nodes


def compile_model(document: dict[str, Any]) -> TreeEnsemble:
    """Compile an XGBoost JSON/UBJSON model document; refuse what this runtime cannot evaluate exactly."""
    try:
        learner = document["learner"]
        params = learner["learner_model_param"]
        objective = learner["objective"]["name"]
        booster = learner["gradient_booster"]
        num_features = int(params["num_feature"])
        num_class, num_target = int(params.get("num_class", 0)), int(params.get("num_target", 1))
        base_score = str(params["base_score"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"not an XGBoost model document: missing or bad field {exc}") from exc
    num_groups = objectives.num_groups_of(objective, num_class, num_target)
    base_margin = objectives.base_margin(objective, base_score, num_groups)
    try:
        model, weights = _model_of(booster)
        layout = lay_out(model["trees"], weights, num_features)
        tree_group = _tree_groups(model.get("tree_info"), len(model["trees"]), num_groups)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelFormatError(f"malformed model document ({type(exc).__name__}: {exc})") from exc
    return TreeEnsemble(**layout, tree_group=tree_group, base_margin=base_margin, objective=objective,
                        num_features=num_features, num_groups=num_groups)  # fmt: skip


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
