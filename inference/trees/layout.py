"""Lay out every tree of an XGBoost model as flat NumPy arrays, vectorized over all nodes of all trees.

Nodes are renumbered breadth-first across all trees (what TreeSHAP reads), the structure is checked on the
way, and branches are reduced to sorted "cuts" for prediction; ``perfect_levels`` pads every tree to a perfect
tree. The layout: docs/dev/runtime.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference.errors import ModelFormatError
from inference.trees.node_arrays import Trees, node_arrays


def lay_out(trees: Trees, weights: list[float], num_features: int) -> dict[str, Any]:
    """The ensemble's node arrays, built for all trees at once: no Python loop per tree or per node."""
    if not trees:
        raise ModelFormatError("the model has no trees")
    if len(weights) != len(trees):
        raise ModelFormatError(f"the model has {len(trees)} trees but {len(weights)} tree weights")
    roots, lefts, rights, splits, conditions, defaults, covers = columns(trees, num_features)
    order, depth = breadth_first(lefts, rights, roots)
    new_index = np.empty_like(order)
    new_index[order] = np.arange(len(order))
    left_child, condition = lefts[order], conditions[order]
    is_leaf = left_child == -1
    leaf_value = condition.astype(np.float64)
    if weights.count(1.0) != len(weights):  # DART scales each tree's leaves
        leaf_value *= np.repeat(np.asarray(weights, dtype=np.float64), np.diff(roots, append=len(lefts)))[order]
    node_index = smallest_index_type(len(order))
    return dict(
        feature=np.where(is_leaf, 0, splits[order]).astype(node_index),
        threshold=np.where(is_leaf, np.float32(np.nan), condition),
        # new_index[-1] for a leaf reads some valid entry that np.where then discards.
        left=np.where(is_leaf, np.arange(len(order)), new_index[left_child]).astype(node_index),
        default_left=np.where(is_leaf, True, defaults[order]),
        value=np.where(is_leaf, leaf_value, 0.0),
        cover=covers[order],
        roots=np.arange(len(trees), dtype=node_index),
        depth=depth,
    )


def smallest_index_type(count: int) -> type[np.signedinteger[Any]]:
    """int16 or int32 when they can hold ``count``: smaller node arrays keep more of them in cache."""
    for dtype in (np.int16, np.int32):
        if count <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def cuts_of(
    feature: np.ndarray, threshold: np.ndarray, default_left: np.ndarray, is_leaf: np.ndarray
) -> dict[str, Any]:
    """Each node's cut, and per cut its feature, threshold and whether a missing value goes right."""
    branch = ~is_leaf
    cuts, rank = branch_cuts(feature[branch], threshold[branch], default_left[branch])
    node_cut = np.full(len(feature), len(cuts["cut_feature"]) - 1, dtype=np.intp)
    node_cut[branch] = rank
    return {"node_cut": node_cut, **cuts}


def branch_cuts(
    feature: np.ndarray, threshold: np.ndarray, default_left: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The cuts of these branches (their distinct (feature, threshold, default way), sorted by feature then
    threshold, and the always-left cut last), and each branch's cut."""
    keys = feature.astype(np.int64)  # feature << 33 | goes right if missing << 32 | the threshold's bits, in place
    keys <<= 1
    np.add(keys, ~default_left, out=keys)
    keys <<= 32
    np.bitwise_or(keys, threshold.view(np.uint32), out=keys)
    unique, inverse = _unique(keys)
    cut_feature, cut_right = unique >> 33, ((unique >> 32) & 1).astype(bool)
    cut_threshold = (unique & 0xFFFFFFFF).astype(np.uint32).view(np.float32)
    order = np.lexsort((cut_right, cut_threshold, cut_feature))  # one sorted run of thresholds per feature
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return {"cut_feature": np.append(cut_feature[order], 0).astype(np.intp),
            "cut_threshold": np.append(cut_threshold[order], np.float32(np.nan)),
            "cut_default_right": np.append(cut_right[order], False)}, np.take(rank, inverse, out=inverse)  # fmt: skip


def _unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)``, overwriting ``keys``; by one plain sort of each key with its
    index in the low bits when they fit in 63 bits (a third of the time: no argsort)."""
    bits = max(1, len(keys).bit_length())
    if not len(keys) or keys.min() < 0 or keys.max() >= 1 << (63 - bits):
        unique, inverse = np.unique(keys, return_inverse=True)
        return unique, inverse.ravel()
    packed = keys  # in place: each fresh array here costs its page faults, as much as the arithmetic
    packed <<= bits
    packed |= np.arange(len(keys))
    packed.sort()
    index = packed & ((1 << bits) - 1)
    packed >>= bits  # the keys, sorted
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(packed[1:], packed[:-1], out=first[1:])
    unique = packed[first]
    code = np.cumsum(first, dtype=np.intp)
    code -= 1
    inverse = packed.view(np.intp) if np.intp is np.int64 else np.empty(len(keys), np.intp)  # reuse the memory
    inverse[index] = code
    return unique, inverse


def perfect_levels(
    left: np.ndarray, node_cut: np.ndarray, value: np.ndarray, num_trees: int, depth: int
) -> dict[str, Any]:
    """Every tree padded to depth ``depth``: the cut at each level's positions ``p * num_trees + t``, all levels
    one after the other, and the leaf values at ``t * 2**depth + p``."""
    left = left.astype(np.intp)
    nodes, levels = np.arange(num_trees)[None, :], []
    for _ in range(depth):
        levels.append(node_cut[nodes].ravel())
        children = left[nodes]
        is_leaf = children == nodes
        nodes = np.stack((children, np.where(is_leaf, nodes, children + 1)), axis=1).reshape(-1, num_trees)
    node_cuts = np.concatenate(levels) if levels else np.zeros(0, np.intp)  # stumps: depth 0
    return {"node_cut": node_cuts, "leaf_value": value[nodes].T.ravel()}


def columns(trees: Trees, num_features: int, *, cover: bool = True) -> tuple[Any, ...]:
    """Each tree's root, and every tree's node arrays concatenated, children as model-wide indices (-1: leaf);
    the covers are None unless ``cover``."""
    nodes = node_arrays(trees, num_features, cover=cover)
    sizes, lefts, rights, is_branch = nodes.sizes, nodes.lefts, nodes.rights, nodes.lefts != -1
    tree_size = np.repeat(sizes, sizes)
    if np.any(is_branch & ((lefts < 0) | (lefts >= tree_size) | (rights < 0) | (rights >= tree_size))):
        raise ModelFormatError("a tree refers to a node that does not exist")
    roots = np.cumsum(sizes) - sizes
    tree_start = np.repeat(roots, sizes)
    lefts = np.where(is_branch, lefts + tree_start, -1)
    rights = np.where(is_branch, rights + tree_start, -1)
    return roots, lefts, rights, nodes.splits, nodes.conditions, nodes.defaults, nodes.covers


def breadth_first(lefts: np.ndarray, rights: np.ndarray, roots: np.ndarray) -> tuple[np.ndarray, int]:
    """Node order level by level across all trees, each left child right before its sibling; and the depth."""
    levels, level, visited = [], roots, 0
    while len(level):
        levels.append(level)
        visited += len(level)
        if visited > len(lefts):
            raise ModelFormatError("a tree's children form a cycle")
        branches = level[lefts[level] != -1]
        level = np.column_stack((lefts[branches], rights[branches])).ravel()
    order = np.concatenate(levels)
    reached = np.zeros(len(lefts), dtype=bool)
    reached[order] = True
    if len(order) != len(lefts) or not reached.all():
        raise ModelFormatError("a tree has nodes that its root does not reach")
    return order, len(levels) - 1
