"""Lay out a model's trees straight as perfect trees, the prediction form (``inference.trees.forest.Forest``).

The same arrays, bit for bit, as padding the breadth-first layout, built in one walk that checks the
structure; a model that fails a check or is too deep is left to ``compile_model`` (None here).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from inference.trees.layout import branch_cuts
from inference.trees.node_arrays import Trees, node_arrays


def perfect_forest(trees: Trees, weights: list[float], num_features: int, max_depth: int) -> dict[str, Any] | None:
    """``Forest`` arguments for perfect trees (cuts, node cuts per level, leaf values, depth); None when the
    trees are deeper than ``max_depth``, or fail a check, or a leaf value is not finite."""
    if not len(trees) or len(weights) != len(trees):
        return None
    nodes = node_arrays(trees, num_features, cover=False)
    levels = _levels(nodes.lefts, nodes.rights, nodes.sizes, max_depth)
    if levels is None:
        return None
    depth, count = len(levels) - 1, len(nodes.sizes)
    branches = np.concatenate([level.nodes[level.branch] for level in levels])
    cuts, rank = branch_cuts(nodes.splits[branches], nodes.conditions[branches], nodes.defaults[branches])
    # The always-left cut (the last) where no branch is: at leaves, and at the padding below them.
    node_cut, done = np.full(count * ((1 << depth) - 1), len(cuts["cut_feature"]) - 1, dtype=np.intp), 0
    leaf_value = np.empty((count, 1 << depth))
    for level_index, level in enumerate(levels):
        branch, start = level.branch, count * ((1 << level_index) - 1)  # where the level's positions start
        taken = int(np.count_nonzero(branch))
        node_cut[start + level.slot[branch]] = rank[done : done + taken]
        done += taken
        leaf = ~branch
        place, tree = np.divmod(level.slot[leaf], count)
        span = leaf_value.reshape(count, 1 << level_index, -1)  # a leaf fills its positions at the last level
        span[tree, place, :] = nodes.conditions[level.nodes[leaf]][:, None]
    if weights.count(1.0) != len(weights):  # DART scales each tree's leaves
        leaf_value *= np.asarray(weights, dtype=np.float64)[:, None]
    if not np.isfinite(leaf_value).all():
        return None
    return {**cuts, "node_cut": node_cut, "leaf_value": leaf_value.ravel(), "depth": depth}


class _Level(NamedTuple):
    nodes: np.ndarray  # the level's real nodes (model-wide ids), each branch's children together in the next
    slot: np.ndarray  # each one's position in the level's cuts: place * trees + tree (place < 2**level)
    branch: np.ndarray  # bool: a branch (else a leaf)


def _levels(lefts: np.ndarray, rights: np.ndarray, sizes: np.ndarray, max_depth: int) -> list[_Level] | None:
    """The real nodes level by level, as ``breadth_first`` visits them, with their places; None for a structure
    that is not a forest of trees at most ``max_depth`` deep (a child outside its tree, a cycle, a node
    reached twice or never). Ids are int32 (fresh memory costs more than the arithmetic here)."""
    count = len(sizes)
    if len(lefts) >= 2**31 or count << max_depth >= 2**31:
        return None  # past int32 (a perfect layout that large is left to compile_model too)
    roots = (np.cumsum(sizes) - sizes).astype(np.int32)
    level = _Level(roots, np.arange(count, dtype=np.int32), lefts[roots] != -1)
    seen = np.zeros(len(lefts), dtype=bool)
    seen[roots] = True
    visited, levels = len(roots), [level]
    while level.branch.any():
        if len(levels) > max_depth:
            return None  # deeper than perfect trees go (or a cycle)
        parents, slot = level.nodes[level.branch], level.slot[level.branch]
        tree = slot % count
        left, right, size = lefts[parents], rights[parents], sizes[tree]
        if np.any((left < 0) | (left >= size) | (right < 0) | (right >= size)):
            return None  # a child that is not in its tree
        pairs = np.empty((len(parents), 2), dtype=np.int32)
        np.add(left, roots[tree], out=pairs[:, 0], casting="unsafe")  # in the tree: fits
        np.add(right, roots[tree], out=pairs[:, 1], casting="unsafe")
        children = pairs.ravel()
        visited += len(children)
        if visited > len(lefts):
            return None  # a node reached twice (a cycle, or a shared child)
        seen[children] = True
        slots = np.empty((len(parents), 2), dtype=np.int32)  # place 2p and 2p + 1 in the next level
        np.multiply(slot, 2, out=slots[:, 0])
        slots[:, 0] -= tree
        np.add(slots[:, 0], count, out=slots[:, 1])
        level = _Level(children, slots.ravel(), lefts[children] != -1)
        levels.append(level)
    return levels if visited == len(lefts) and seen.all() else None
