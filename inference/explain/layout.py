"""How a group of trees is laid out for the per-row passes of exact TreeSHAP: level by level, padded when that
costs at most ``MAX_PADDING`` times the real branches, else by index. The layout: docs/dev/runtime.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.explain.paths import Paths

MAX_PADDING = 2.0
"""Pad a group when its complete trees hold at most this many times its real branches."""


@dataclass(frozen=True)
class Level:
    nodes: slice  # this level's entries in the group's node arrays
    left: np.ndarray | None = None  # gathered: each branch's left child in [next level | leaf_values]
    right: np.ndarray | None = None
    leaf_values: np.ndarray | None = None  # gathered: float32 values of this level's leaf children
    up: np.ndarray | None = None  # gathered: each branch's row in [left products | right products] above


def lay_out(
    paths: Paths, trees: np.ndarray, depth: int, branches: int
) -> tuple[np.ndarray, list[Level], tuple[np.ndarray, ...]]:
    """Node ids of all levels (-1: empty; a leaf repeats down its left chain), each level's ``Level``, and the
    values of the last level's left and right children."""
    if len(trees) * (2**depth - 1) <= MAX_PADDING * branches:
        return _padded(paths, trees, depth)
    return _gathered(paths, trees)


class Picker:
    """Per-node values of a layout: the real branch's value, or ``padding`` for padding and empty slots."""

    def __init__(self, ids: np.ndarray, paths: Paths) -> None:
        self.real = (ids >= 0) & (paths.left[ids] >= 0)
        self.at = np.where(self.real, ids, 0)

    def __call__(self, values: np.ndarray, padding: float, dtype: type = np.float32) -> np.ndarray:
        return np.where(self.real, values[self.at], padding).astype(dtype)


def node_tests(pick: Picker, paths: Paths, target: np.ndarray, share: np.ndarray) -> dict[str, np.ndarray]:
    """What each row compares at each node; padding is never live (``low`` is +inf)."""
    return {
        "feature": pick(paths.feature, 0, np.intp),
        "threshold": pick(paths.threshold, 0.0),
        "low": pick(paths.low, np.inf),
        "high": pick(paths.high, np.inf),
        "missing_live": pick(paths.missing_passes, False, bool),
        "missing_right": pick(~paths.default_left, False, bool),
        "right_share": (1 - share).astype(np.float32),
        "target": pick(target, 0, np.intp),
    }


def _padded(paths: Paths, trees: np.ndarray, depth: int) -> tuple[np.ndarray, list[Level], tuple[np.ndarray, ...]]:
    """Node ids level by level over complete trees (-1: empty; a leaf repeats down its left chain)."""
    levels, current, start = [], trees, 0
    for _ in range(depth):
        levels.append(current)
        child = paths.left[np.maximum(current, 0)]
        branch = (current >= 0) & (child >= 0)
        current = np.concatenate((np.where(branch, child, current), np.where(branch, child + 1, -1)))
    value = np.where(current >= 0, paths.value[np.maximum(current, 0)], 0.0)
    spans = []
    for level in levels:
        spans.append(Level(slice(start, start + len(level))))
        start += len(level)
    return np.concatenate(levels), spans, (value[: len(value) // 2], value[len(value) // 2 :])


def _gathered(paths: Paths, trees: np.ndarray) -> tuple[np.ndarray, list[Level], tuple[np.ndarray, ...]]:
    """Real branches level by level; children found by index in [next level's branches | leaf children]."""
    levels: list[np.ndarray] = []
    spans, level, start, above = [], trees, 0, None
    while len(level):
        children = np.concatenate((paths.left[level], paths.left[level] + 1))
        branch = paths.left[children] >= 0
        row = np.where(branch, np.cumsum(branch) - 1, branch.sum() + np.cumsum(~branch) - 1)
        values = paths.value[children[~branch]].astype(np.float32)
        n = len(level)
        spans.append(Level(slice(start, start + n), row[:n], row[n:], values, above))
        levels.append(level)
        level, start, above = children[branch], start + n, np.flatnonzero(branch)
    last = spans[-1]
    assert last.left is not None and last.right is not None and last.leaf_values is not None
    return np.concatenate(levels), spans, (last.leaf_values[last.left], last.leaf_values[last.right])
