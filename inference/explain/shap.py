"""Exact TreeSHAP with NumPy only: what xgboost's ``Booster.predict(..., pred_contribs=True)`` gives.

``TreeExplainer.from_document(document, base_margin).contributions(rows)`` maps float32 rows (n, F), NaN
missing, to float64 (n, K, F + 1): per output k each feature's contribution, the bias last; a row's sum is its
margin. Built on the first explanation; safe to share between threads. Method: docs/dev/runtime.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference.explain.layout import Level
from inference.explain.paths import trace_paths
from inference.explain.tables import Group, Tables, build_tables
from inference.trees.ensemble import TreeEnsemble, compile_model

_FINITE = float(np.finfo(np.float32).max)


class TreeExplainer:
    def __init__(self, tables: Tables, bias: np.ndarray, num_features: int) -> None:
        self._tables = tables
        self._bias = bias
        self.num_features = num_features
        self.num_outputs = len(bias)

    @property
    def nbytes(self) -> int:
        """Memory held by the tables (bytes)."""
        return self._tables.nbytes

    @classmethod
    def from_document(cls, document: dict[str, Any], base_margin: np.ndarray) -> TreeExplainer:
        return cls.from_ensemble(compile_model(document), base_margin)

    @classmethod
    def from_ensemble(cls, ensemble: TreeEnsemble, base_margin: np.ndarray | None = None) -> TreeExplainer:
        """Build from an ensemble already compiled; ``base_margin`` defaults to the ensemble's own."""
        margin = np.asarray(ensemble.base_margin if base_margin is None else base_margin, dtype=np.float64)
        if margin.shape != (ensemble.num_groups,):
            raise ValueError(f"base_margin must have shape ({ensemble.num_groups},), got {margin.shape}")
        paths = trace_paths(ensemble)
        roots = np.arange(len(ensemble.roots))
        bias = np.bincount(ensemble.tree_group, paths.expected[roots], minlength=ensemble.num_groups) + margin
        return cls(build_tables(paths, ensemble.tree_group, ensemble.num_features), bias, ensemble.num_features)

    def contributions(self, rows: np.ndarray) -> np.ndarray:
        """Float64 (n, K, F + 1): each feature's contribution to each output, the bias last."""
        rows = np.asarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != self.num_features:
            raise ValueError(f"expected rows of shape (n, {self.num_features}), got {rows.shape}")
        size, num_outputs, tables = self.num_features, self.num_outputs, self._tables
        answer = np.empty((len(rows), num_outputs, size + 1))
        answer[:, :, size] = self._bias
        per_node = np.empty(len(tables.target), np.float32)
        for i, row in enumerate(np.clip(rows, -_FINITE, _FINITE)):  # +-inf compare like the largest floats
            turn = _turns(tables, row)
            for group in tables.groups:
                _contribute(group, turn[group.nodes], per_node[group.nodes])
            sums = np.bincount(tables.target, weights=per_node, minlength=num_outputs * size)
            answer[i, :, :size] = sums.reshape(num_outputs, size)
        return answer


def _turns(tables: Tables, row: np.ndarray) -> np.ndarray:
    """Per node, float32: live nodes (the row passes every earlier split on the feature) get (1 if the row goes
    left) minus the left share; dead ones, and padding, get 0."""
    x = row.take(tables.feature, mode="clip")
    right = x >= tables.threshold
    live = (x >= tables.low) & (x < tables.high)
    missing = np.isnan(row)
    if missing.any():
        lost = missing.take(tables.feature, mode="clip")
        right |= lost & tables.missing_right
        live |= lost & tables.missing_live
    turn = tables.right_share - right
    turn *= live
    return turn


def _contribute(group: Group, turn: np.ndarray, out: np.ndarray) -> None:
    """Write each of the group's nodes' contribution for one row into ``out``."""
    if len(group.weights):
        products = np.empty(group.beta.shape, np.float32)
        _up(group, _down(group, turn), products)
        np.add.reduce(products, axis=0, out=out)
        out += group.at_zero
    else:
        out[:] = group.at_zero
    out *= turn


def _down(group: Group, turn: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Bottom-up: each level's subtree values at the quadrature nodes; keeps (left factor, child gap) per level."""
    below = group.bottom_beta * turn[group.levels[-1].nodes]
    below += group.bottom_base
    kept = []
    for level in reversed(group.levels[:-1]):
        left, right = _children(level, below)
        gap = left - right
        left_factor = group.beta[:, level.nodes] * turn[level.nodes]
        left_factor += group.left_share[level.nodes]
        below = left_factor * gap
        below += right
        kept.append((left_factor, gap))
    return kept[::-1]


def _up(group: Group, kept: list[tuple[np.ndarray, np.ndarray]], products: np.ndarray) -> None:
    """Top-down: the path products above each node (times the quadrature weights); writes each node's
    contribution at the quadrature nodes, before the row's turn, into ``products``."""
    above = np.broadcast_to(group.weights, (len(group.weights), group.levels[0].nodes.stop))
    for depth, level in enumerate(group.levels):
        product = products[:, level.nodes]
        if depth == len(kept):
            np.multiply(above, group.bottom_delta, out=product)
            break
        left_factor, gap = kept[depth]
        np.multiply(above, group.delta[:, level.nodes], out=product)
        product *= gap
        width = above.shape[1]
        children = np.empty((len(above), 2 * width), np.float32)
        np.multiply(above, left_factor, out=children[:, :width])
        np.subtract(above, children[:, :width], out=children[:, width:])
        up = group.levels[depth + 1].up
        above = children if up is None else children.take(up, axis=1)


def _children(level: Level, below: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if level.left is None or level.right is None or level.leaf_values is None:
        half = below.shape[1] // 2
        return below[:, :half], below[:, half:]
    leaves = np.broadcast_to(level.leaf_values, (len(below), len(level.leaf_values)))
    values = np.concatenate((below, leaves), axis=1)
    return values.take(level.left, axis=1), values.take(level.right, axis=1)
