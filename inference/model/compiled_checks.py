"""What the arrays of a compiled model (``inference.model.compiled``) must satisfy before a ``Forest`` is built on them.

Each check guards an assumption the evaluator makes without looking: indices in bounds (gathers use
``mode="clip"``), one ascending run of thresholds per feature (the bit-parallel method counts cuts with
``searchsorted``), the always-left last cut, finite leaves. A failure names the member and the rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference.errors import ModelFormatError

PERFECT_DEPTH_LIMIT = 12
"""Deepest perfect trees an archive may hold (4096 leaves per tree); a compiled model stays below 10."""
WALK_DEPTH_LIMIT = 10_000
_INTEGERS = tuple(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32))
_DTYPES: dict[str, tuple[np.dtype[Any], ...]] = {
    "cut_feature": _INTEGERS, "cut_threshold": (np.dtype(np.float32),), "cut_default_right": (np.dtype(bool),),
    "node_cut": _INTEGERS, "leaf_value": (np.dtype(np.float32), np.dtype(np.float64)), "tree_group": _INTEGERS,
    "base_margin": (np.dtype(np.float64),), "node_left": _INTEGERS,
}  # fmt: skip


def check_forest_arrays(arrays: dict[str, np.ndarray], meta: dict[str, Any], origin: str) -> None:
    def refuse(message: str) -> ModelFormatError:
        return ModelFormatError(f"{origin}: {message}")

    expected = set(_DTYPES) - ({"node_left"} if not meta["walk"] else set())
    if set(arrays) != expected:
        raise refuse(f"members {sorted(arrays)} are not those of a compiled model ({sorted(expected)})")
    for name, array in arrays.items():
        if array.ndim != 1 or array.dtype not in _DTYPES[name]:
            allowed = " or ".join(str(dtype) for dtype in _DTYPES[name][:2])
            raise refuse(f"{name} must be a 1-D array of {allowed}, got {array.dtype} of shape {array.shape}")
    trees, depth, features, groups = (meta[key] for key in ("num_trees", "depth", "num_features", "num_groups"))
    if trees < 1 or features < 1 or groups < 1 or depth < 0:
        raise refuse("num_trees, num_features and num_groups must be positive and depth not negative")
    if depth > (WALK_DEPTH_LIMIT if meta["walk"] else PERFECT_DEPTH_LIMIT):
        raise refuse(f"depth {depth} is deeper than this runtime evaluates")
    _check_cuts(arrays, features, refuse)
    _check_nodes(arrays, meta, refuse)
    if len(arrays["tree_group"]) != trees or _outside(arrays["tree_group"], groups):
        raise refuse(f"tree_group must give each of the {trees} trees a group in 0..{groups - 1}")
    margin = arrays["base_margin"]
    if margin.shape != (groups,) or not np.all(np.isfinite(margin)):
        raise refuse(f"base_margin must hold {groups} finite values")


def _check_cuts(arrays: dict[str, np.ndarray], features: int, refuse: Any) -> None:
    feature, threshold, right = arrays["cut_feature"], arrays["cut_threshold"], arrays["cut_default_right"]
    if not (len(feature) == len(threshold) == len(right) >= 1):
        raise refuse("cut_feature, cut_threshold and cut_default_right must have one entry per cut")
    if _outside(feature, features):
        raise refuse(f"cut_feature refers to a feature outside 0..{features - 1}")
    if feature[-1] != 0 or not np.isnan(threshold[-1]) or right[-1]:
        raise refuse("the last cut must be the always-left one (feature 0, threshold NaN, missing goes left)")
    body, values = feature[:-1], threshold[:-1]
    if np.any(np.isnan(values)) or np.any(np.diff(body) < 0):
        raise refuse("cuts must be sorted by feature, with a number as threshold")
    same = np.diff(body) == 0
    if np.any(same & (np.diff(values) < 0)):
        raise refuse("each feature's cut thresholds must ascend")


def _check_nodes(arrays: dict[str, np.ndarray], meta: dict[str, Any], refuse: Any) -> None:
    trees, depth, cuts = meta["num_trees"], meta["depth"], len(arrays["cut_feature"])
    node_cut, leaf_value = arrays["node_cut"], arrays["leaf_value"]
    if meta["walk"]:
        nodes, left = len(node_cut), arrays["node_left"]
        if len(left) != nodes or len(leaf_value) != nodes or nodes < trees or _outside(left, nodes):
            raise refuse("node_left, node_cut and leaf_value must have one entry per node, children in bounds")
    elif len(node_cut) != trees * ((1 << depth) - 1) or len(leaf_value) != trees << depth:
        raise refuse(f"perfect trees of depth {depth}: node_cut needs {trees * ((1 << depth) - 1)} entries and "
                     f"leaf_value {trees << depth}")  # fmt: skip
    if _outside(node_cut, cuts):
        raise refuse(f"node_cut refers to a cut outside 0..{cuts - 1}")
    if not np.all(np.isfinite(leaf_value)):
        raise refuse("leaf_value must be finite")


def _outside(values: np.ndarray, size: int) -> bool:
    return bool(len(values)) and bool(values.min() < 0 or values.max() >= size)
