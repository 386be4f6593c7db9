"""What exact TreeSHAP needs from every root-to-node path of a compiled ensemble, for all branches at once: cover
shares, what earlier splits on the same feature allow, and how many distinct features each path tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.errors import ModelFormatError
from inference.trees.ensemble import TreeEnsemble


@dataclass(frozen=True)
class Paths:
    left: np.ndarray  # intp per node: the left child (the right one is left + 1), -1 for leaves
    feature: np.ndarray  # intp per node
    threshold: np.ndarray  # float32 per node: x < threshold goes left
    default_left: np.ndarray  # bool per node: where a missing value goes
    value: np.ndarray  # float64 per node: leaf values (DART weights applied), 0 at branches
    left_share: np.ndarray  # float64 per node: cover(left) / (cover(left) + cover(right)); 1 for leaves
    tree: np.ndarray  # intp per node
    levels: list[np.ndarray]  # the branches at depth 0, 1, ...
    low: np.ndarray  # float32 per node: earlier splits on its feature pass values in [low, high)
    high: np.ndarray
    missing_passes: np.ndarray  # bool per node: a missing value passes every earlier split on its feature
    earlier_share: np.ndarray  # float64 per node: product of the earlier splits' shares toward the node
    distinct: np.ndarray  # intp per node: distinct features tested on the path above the node
    expected: np.ndarray  # float64 per node: the cover-weighted mean of the leaf values below it
    reach: np.ndarray  # float64 per node: the product of the cover shares on the path from the root


def trace_paths(ensemble: TreeEnsemble) -> Paths:
    nodes = np.arange(len(ensemble.left))
    left = np.where(ensemble.left != nodes, ensemble.left, -1).astype(np.intp)
    left_share = _left_shares(ensemble.cover, left)
    levels, parent, tree = _levels(left, len(ensemble.roots))
    feature = ensemble.feature.astype(np.intp)
    paths = Paths(left, feature, ensemble.threshold, ensemble.default_left, ensemble.value, left_share, tree, levels,
                  low=np.full(len(nodes), -np.inf, np.float32), high=np.full(len(nodes), np.inf, np.float32),
                  missing_passes=np.ones(len(nodes), bool), earlier_share=np.ones(len(nodes)),
                  distinct=np.zeros(len(nodes), np.intp), expected=ensemble.value.copy(),
                  reach=np.ones(len(nodes)))  # fmt: skip
    for level in levels:
        _follow_earlier_splits(paths, level, parent)
        paths.reach[left[level]] = paths.reach[level] * left_share[level]
        paths.reach[left[level] + 1] = paths.reach[level] * (1 - left_share[level])
    for level in reversed(levels):
        below = paths.expected[left[level]]
        paths.expected[level] = below + (1 - left_share[level]) * (paths.expected[left[level] + 1] - below)
    return paths


def _left_shares(cover: np.ndarray, left: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(cover)):
        raise ModelFormatError("explanations need every node's cover (sum_hessian), and this model lacks some")
    branch = np.flatnonzero(left >= 0)
    children = cover[left[branch]] + cover[left[branch] + 1]
    if np.any(cover < 0) or np.any(children <= 0):
        raise ModelFormatError("a node's cover (sum_hessian) is negative, or both children of a branch have none")
    share = np.ones(len(cover))
    share[branch] = cover[left[branch]] / children
    return share


def _levels(left: np.ndarray, num_trees: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Branches level by level (the compiler has checked the trees are trees), each node's parent and tree."""
    parent, tree = np.full(len(left), -1), np.zeros(len(left), np.intp)
    tree[:num_trees] = np.arange(num_trees)
    levels, level = [], np.arange(num_trees)
    while len(level := level[left[level] >= 0]):
        levels.append(level)
        children = np.concatenate((left[level], left[level] + 1))
        parent[children], tree[children] = np.tile(level, 2), np.tile(tree[level], 2)
        level = children
    return levels, parent, tree


def _follow_earlier_splits(paths: Paths, level: np.ndarray, parent: np.ndarray) -> None:
    """Fill the earlier-split facts of ``level``'s branches from their nearest ancestor on the same feature
    (already filled: it is higher up), and the distinct-feature count of their children."""
    ancestor, toward = _nearest_same_feature(paths.feature, level, parent)
    has = ancestor >= 0
    node, above, child = level[has], ancestor[has], toward[has]
    went_right = child == paths.left[above] + 1
    threshold = paths.threshold[above]
    paths.low[node] = np.where(went_right, np.maximum(paths.low[above], threshold), paths.low[above])
    paths.high[node] = np.where(went_right, paths.high[above], np.minimum(paths.high[above], threshold))
    paths.missing_passes[node] = paths.missing_passes[above] & (paths.default_left[above] != went_right)
    share = np.where(went_right, 1.0 - paths.left_share[above], paths.left_share[above])
    paths.earlier_share[node] = paths.earlier_share[above] * share
    counts = paths.distinct[level] + ~has
    paths.distinct[paths.left[level]], paths.distinct[paths.left[level] + 1] = counts, counts


def _nearest_same_feature(feature: np.ndarray, level: np.ndarray, parent: np.ndarray) -> tuple[np.ndarray, ...]:
    """For each branch: its nearest ancestor splitting on the same feature (-1 if none), and that ancestor's
    child on the way down to the branch."""
    ancestor, toward = np.full(len(level), -1), np.full(len(level), -1)
    below, above = level.copy(), parent[level]
    while np.any(open_ := (above >= 0) & (ancestor < 0)):
        hit = open_ & (feature[np.maximum(above, 0)] == feature[level])
        ancestor[hit], toward[hit] = above[hit], below[hit]
        below, above = np.where(open_, above, below), np.where(open_, parent[np.maximum(above, 0)], -1)
    return ancestor, toward
