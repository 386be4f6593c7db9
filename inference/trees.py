"""A tree ensemble compiled from an XGBoost model document into flat NumPy arrays.

Nodes are numbered breadth-first across all trees (see ``inference.tree_layout``), a branch's right
child right after its left child. Prediction walks all trees together, one level per step:
``node = left[node] + (x[feature[node]] >= threshold[node])``. Leaves point at themselves and never go
right, so a leaf reached early stays put. This is XGBoost's own rule (``x < split`` goes left, float32
comparisons), so results equal ``Booster.predict`` up to float32 summation order. No xgboost import is
needed at serving time.

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

from inference.errors import ModelFormatError
from inference.tree_layout import lay_out

_IDENTITY = {"reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror"}
_LOGISTIC = {"reg:logistic", "binary:logistic"}
_EXPONENTIAL = {"count:poisson", "reg:gamma", "reg:tweedie"}
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
    cut: np.ndarray  # per node: its (feature, threshold) pair; leaves: the last cut, always False
    cut_feature: np.ndarray  # intp, per cut
    cut_threshold: np.ndarray  # float32, per cut; NaN for the leaves' cut (a comparison with NaN is False)
    roots: np.ndarray  # one per tree: 0 .. num_trees - 1
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
        if len(rows) == 1 and not np.isnan(rows).any():
            margins = np.array([self.value.take(self._row_leaves(rows[0])).sum()])
        else:
            margins = np.empty(len(rows))
            for start in range(0, len(rows), BATCH_CHUNK_ROWS):
                chunk = rows[start : start + BATCH_CHUNK_ROWS]
                leaves = self._missing_leaves(chunk) if np.isnan(chunk).any() else self._leaves(chunk)
                margins[start : start + len(chunk)] = self.value.take(leaves).sum(axis=1)
        return _transform(self.objective, margins + self.base_margin)

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
    try:
        trees, weights = _trees_of(booster)
        layout = lay_out(trees, weights, num_features)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelFormatError(f"malformed model document ({type(exc).__name__}: {exc})") from exc
    return TreeEnsemble(**layout, base_margin=_base_margin(objective, base_scores[0]), objective=objective,
                        num_features=num_features)  # fmt: skip


def _trees_of(booster: dict[str, Any]) -> tuple[list[dict[str, Any]], list[float]]:
    name = booster.get("name")
    if name == "gbtree":
        trees = booster["model"]["trees"]
        return trees, [1.0] * len(trees)
    if name == "dart":
        trees = booster["gbtree"]["model"]["trees"]
        return trees, [float(w) for w in booster["weight_drop"]]
    raise ModelFormatError(f"booster {name!r} is not supported; train with booster 'gbtree' or 'dart'")
