"""Every tree's node arrays concatenated, from either form of the decoded trees, checked node by node.

The trees come as one dict per tree (JSON, or the general UBJSON decoder) or as ``inference.trees.scan``'s
``TreeColumns`` (already concatenated: only the counts are checked and, where needed, the types cast).
The checks every node must pass, whatever the tree structure: one entry per node in every array, no
categorical split, split features the model has. Children stay tree-local indices here (-1: a leaf); the
layouts check them against the tree structure (``inference.trees.layout``, ``inference.trees.perfect``).
"""

from __future__ import annotations

import itertools
import operator
from typing import Any, NamedTuple

import numpy as np

from inference.errors import ModelFormatError
from inference.trees.scan import TreeColumns

Trees = list[dict[str, Any]] | TreeColumns
"""A model's trees as decoded: one dict per tree, or ``inference.trees.scan``'s columns."""
_INDEX_KEYS = ("left_children", "right_children", "split_indices")


class NodeArrays(NamedTuple):  # a NamedTuple: a dataclass costs 1 ms more to import, at every cold start
    sizes: np.ndarray  # intp, nodes per tree
    lefts: np.ndarray  # integer, tree-local left child (-1: a leaf)
    rights: np.ndarray
    splits: np.ndarray  # integer, the split feature
    conditions: np.ndarray  # float32: a branch's threshold, a leaf's value
    defaults: np.ndarray  # bool: a missing value goes left
    covers: np.ndarray | None  # float64 sum_hessian (NaN where absent), when asked for


def node_arrays(trees: Trees, num_features: int, *, cover: bool = True) -> NodeArrays:
    """The node arrays of all trees, one after the other; integer arrays keep a ``TreeColumns``' int32."""
    try:
        sizes = _sizes(trees)
        lefts, rights, splits = (_column(trees, key, sizes, np.intp) for key in _INDEX_KEYS)
        conditions = _column(trees, "split_conditions", sizes, np.float32)
        defaults = _column(trees, "default_left", sizes, bool)
        split_types = _column(trees, "split_type", sizes, np.intp, missing=0.0)
        covers = _column(trees, "sum_hessian", sizes, np.float64, missing=np.nan) if cover else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(
            "malformed tree: a node array is missing, of the wrong type or of the wrong length"
        ) from exc
    is_branch = lefts != -1
    if split_types.any() and np.any(is_branch & (split_types != 0)):
        raise ModelFormatError(
            "the model has categorical splits, which are not supported; encode categories as ordinal codes "
            "and train them as numerical features"
        )
    unknown = (splits < 0) | (splits >= num_features)
    if unknown.any() and np.any(is_branch & unknown):
        raise ModelFormatError("a split refers to a feature the model does not have")
    return NodeArrays(sizes, lefts, rights, splits, conditions, defaults, covers)


def _sizes(trees: Trees) -> np.ndarray:
    """Each tree's number of nodes (entries of ``left_children``)."""
    if isinstance(trees, TreeColumns):
        return trees.counts("left_children").astype(np.intp)
    return np.array(list(map(len, map(operator.itemgetter("left_children"), trees))), dtype=np.intp)


def _column(trees: Trees, key: str, sizes: np.ndarray, dtype: Any, missing: float | None = None) -> Any:
    """One node array of every tree, concatenated; each tree's must have as many entries as it has nodes.
    A tree without ``key`` raises KeyError, or gets ``missing`` for every node when that is given."""
    if isinstance(trees, TreeColumns):  # concatenated already: check the counts, cast if need be
        if missing is not None and key not in trees.keys:
            return np.full(int(sizes.sum()), missing, dtype=dtype)
        if not np.array_equal(trees.counts(key), sizes):
            raise ModelFormatError(f"malformed tree: {key} does not have one entry per node")
        column = trees.column(key)
        if (dtype is np.intp and column.dtype.kind in "iu" and column.dtype.itemsize < 8) or column.dtype == dtype:
            return column  # the same numbers in fewer bytes (int32 indices, uint8 split types): no copy
        return column.astype(dtype, casting="unsafe")
    sizes_list = sizes.tolist()
    if missing is None or all(map(operator.contains, trees, itertools.repeat(key))):
        parts = list(map(operator.itemgetter(key), trees))  # C-speed: thousands of trees, a few keys each
    else:
        parts = [
            tree[key] if key in tree else np.full(size, missing) for tree, size in zip(trees, sizes_list, strict=True)
        ]
    if list(map(len, parts)) != sizes_list:
        raise ModelFormatError(f"malformed tree: {key} does not have one entry per node")
    return np.concatenate(parts, dtype=dtype, casting="unsafe")  # casts like astype, without a second copy
