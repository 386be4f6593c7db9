"""Lay out a model's trees straight as perfect trees, the prediction form (``inference.forest.Forest``).

``inference.tree_layout.lay_out`` renumbers every node breadth-first (what TreeSHAP reads), and
``inference.trees.forest_of`` pads that layout to perfect trees. Serving needs only the perfect trees, and
the padding walk can follow each branch's own two children as well as the breadth-first ``left, left + 1``:
this builds the same arrays, bit for bit, from the nodes as XGBoost numbers them, in one walk that also
checks the structure. A position at level l + 1 is a real node when its parent position holds a branch
(a leaf's positions below it repeat the leaf); the real positions must visit every node exactly once (no
cycle, no shared or unreachable node), and every branch's children must lie in its tree. The node checks
are ``inference.node_arrays``'. A model that fails a check, or whose trees are deeper than ``max_depth``, is
left to ``compile_model`` (None here), which refuses it with its message or walks it node by node.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference.node_arrays import Trees, node_arrays
from inference.tree_layout import cuts_of


def perfect_forest(trees: Trees, weights: list[float], num_features: int, max_depth: int) -> dict[str, Any] | None:
    """``Forest`` arguments for perfect trees (cuts, node cuts per level, leaf values, depth); None when the
    trees are deeper than ``max_depth``, or fail a check, or a leaf value is not finite."""
    if not len(trees) or len(weights) != len(trees):
        return None
    nodes = node_arrays(trees, num_features, cover=False)
    is_leaf = nodes.lefts == -1
    cuts = cuts_of(nodes.splits, nodes.conditions, nodes.defaults, is_leaf)
    walked = _walk(nodes.lefts, nodes.rights, nodes.sizes, cuts.pop("node_cut"), max_depth)
    if walked is None:
        return None
    levels, last = walked
    depth = len(levels)
    leaf_value = nodes.conditions[last.T.ravel()].astype(np.float64)  # every position of the last level is a leaf
    if weights.count(1.0) != len(weights):  # DART scales each tree's leaves
        leaf_value *= np.repeat(np.asarray(weights, dtype=np.float64), 1 << depth)
    if not np.isfinite(leaf_value).all():
        return None
    node_cut = np.concatenate(levels) if levels else np.zeros(0, np.intp)
    return {**cuts, "node_cut": node_cut, "leaf_value": leaf_value, "depth": depth}


def _walk(lefts: np.ndarray, rights: np.ndarray, sizes: np.ndarray, node_cut: np.ndarray,
          max_depth: int) -> tuple[list[np.ndarray], np.ndarray] | None:  # fmt: skip
    """Each level's node cuts at positions ``p * trees + t``, and the last level's nodes (all leaves); None
    for a structure that is not a forest of trees at most ``max_depth`` deep."""
    roots = np.cumsum(sizes) - sizes
    positions = roots[None, :]  # model-wide node ids, (2**level, trees)
    seen = np.zeros(len(lefts), dtype=bool)
    seen[roots] = True
    real, levels = len(roots), list[np.ndarray]()
    while True:
        left = lefts[positions]
        branch = left != -1
        branches = int(np.count_nonzero(branch))
        if not branches:
            break
        if len(levels) == max_depth:
            return None  # deeper than perfect trees go (or a cycle)
        right = rights[positions]
        outside = (left < 0) | (left >= sizes) | (right < 0) | (right >= sizes)
        if np.any(branch & outside):
            return None  # a child that is not in the tree
        levels.append(node_cut[positions].ravel())
        children = np.stack((np.where(branch, left + roots, positions), np.where(branch, right + roots, positions)), 1)
        positions = children.reshape(-1, len(roots))
        seen[positions] = True
        real += 2 * branches
    if real != len(lefts) or not seen.all():
        return None  # a node reached twice, or never
    return levels, positions
