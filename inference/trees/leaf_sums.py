"""Margins as xgboost adds them up: a float32 accumulator set to the base margin, then each tree's float32 leaf
value added in tree order into its output group, so every margin is xgboost's, bit for bit.

Leaf values are gathered tree-major (one row of the stack per tree, the rows side by side) under a first row
holding the base margin, and ``np.add.reduce`` over that first axis adds the stack's rows one after the other,
each sum rounded to float32: NumPy adds in pairs only along the axis that is contiguous in memory. One row's
leaves are that axis, so they are added by ``np.add.accumulate`` (sequential by definition). Buffers come from a
per-thread workspace.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np


class Workspace(threading.local):
    """Reusable buffers of this thread, by name; grown when a call needs more."""

    def __init__(self) -> None:
        self.buffers: dict[str, np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype: type[np.generic]) -> np.ndarray:
        size = math.prod(shape) * np.dtype(dtype).itemsize
        buffer = self.buffers.get(name)
        if buffer is None or len(buffer) < size:
            buffer = self.buffers[name] = np.empty(size, np.uint8)
        return buffer[:size].view(dtype).reshape(shape)


WORKSPACE = Workspace()


@dataclass(frozen=True)
class Groups:
    """Which trees add to which output group."""

    interleaved: bool
    """Tree t adds to group t % K and every group has as many trees (xgboost's layout, one tree per class and
    round): the stack is then (rounds, K, rows) and every group adds up in one reduction."""
    members: tuple[np.ndarray, ...]
    """Each group's trees, in tree order."""


def groups_of(tree_group: np.ndarray, num_groups: int) -> Groups:
    trees = len(tree_group)
    interleaved = trees % num_groups == 0 and np.array_equal(tree_group, np.arange(trees) % num_groups)
    return Groups(interleaved, tuple(np.flatnonzero(tree_group == group) for group in range(num_groups)))


def add_leaves(leaf_value: np.ndarray, base_margin: np.ndarray, groups: Groups, place: np.ndarray,
               workspace: Workspace = WORKSPACE) -> np.ndarray:  # fmt: skip
    """The float32 margins (rows, groups) of the leaves at ``place`` (trees, rows): positions in ``leaf_value``."""
    trees, count = place.shape
    if count == 1:
        return _row_margins(leaf_value, base_margin, groups, place[:, 0])
    num_groups = len(base_margin)
    if groups.interleaved:
        stack = workspace.array("stack", (trees // num_groups + 1, num_groups, count), np.float32)
        stack[0] = base_margin[:, None]
        np.take(leaf_value, place, out=stack[1:].reshape(trees, count), mode="clip")
        return np.asarray(np.add.reduce(stack, axis=0).T)
    margins = np.empty((count, num_groups), dtype=np.float32)
    values = leaf_value.take(place)
    for group, members in enumerate(groups.members):
        stack = np.empty((len(members) + 1, count), dtype=np.float32)
        stack[0] = base_margin[group]
        np.take(values, members, axis=0, out=stack[1:], mode="clip")
        margins[:, group] = np.add.reduce(stack, axis=0)
    return margins


def _row_margins(leaf_value: np.ndarray, base_margin: np.ndarray, groups: Groups, place: np.ndarray) -> np.ndarray:
    """One row's margins (1, groups): each group's base margin and leaves in one contiguous run, accumulated."""
    num_groups = len(base_margin)
    values = leaf_value.take(place)
    if groups.interleaved:
        runs = np.empty((num_groups, len(place) // num_groups + 1), dtype=np.float32)
        runs[:, 0] = base_margin
        runs[:, 1:] = values.reshape(-1, num_groups).T
        return np.add.accumulate(runs, axis=1, out=runs)[None, :, -1]
    margins = np.empty((1, num_groups), dtype=np.float32)
    for group, members in enumerate(groups.members):
        run = np.concatenate((base_margin[group : group + 1], values.take(members)))
        margins[0, group] = np.add.accumulate(run)[-1]
    return margins
