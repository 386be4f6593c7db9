"""Bit-parallel prediction on perfect trees: 64 rows in the bits of one uint64 per node.

Comparison words per cut, levels split by AND, leaf positions by an 8x8 bit transpose, the leaves added up by
``inference.trees.leaf_sums``; buffers come from a per-thread workspace. How: docs/dev/runtime.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from inference.trees.leaf_sums import WORKSPACE, Groups, Workspace, groups_of

MAX_DEPTH = 8
"""The transpose turns up to 8 levels into a leaf position."""
WORK_BUDGET = 1 << 18
"""Node words per level held at once (2 MB); sets how many 64-row blocks go through together."""
SUM_BUDGET = 1 << 16
"""Leaf values gathered at once (512 KB, about L2): small models sum several blocks per call."""
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_BIT_WEIGHTS = (np.array([2.0**j if j < 32 else 0.0 for j in range(64)]),
                np.array([2.0 ** (j - 32) if j >= 32 else 0.0 for j in range(64)]))  # fmt: skip
_TRANSPOSE_STEPS = ((np.uint64(7), np.uint64(0x00AA00AA00AA00AA)), (np.uint64(14), np.uint64(0x0000CCCC0000CCCC)),
                    (np.uint64(28), np.uint64(0x00000000F0F0F0F0)))  # fmt: skip


@dataclass(frozen=True)
class Index:
    levels: list[np.ndarray]  # perfect trees: each level's cuts at positions p * trees + t
    tree_major: list[np.ndarray]  # the same at positions t * 2**level + p (the path method)
    runs: list[tuple[int, int]]  # per feature: its cuts' range
    bin_base: np.ndarray  # (features, 1): first bin of each feature's counts
    bins_per_block: int
    word_end: np.ndarray  # per cut: the cumulative-sum index that ends its feature's bins, then the start
    word_start: np.ndarray
    right_if_missing: np.ndarray  # uint64 per cut: all ones where a missing value goes right
    leaf_base: np.ndarray  # per tree: t * 2**depth, where its leaves start
    trees: np.ndarray  # intp 0 .. trees - 1: the roots (level 0 positions)
    blocks: int  # 64-row blocks per call
    groups: Groups  # which trees add to which output group


def index_of(forest: Forest, levels: list[np.ndarray]) -> Index:
    trees, depth, cuts = forest.num_trees, forest.depth, len(forest.cut_threshold) - 1
    features = forest.cut_feature[:cuts]
    starts = np.searchsorted(features, np.arange(forest.num_features + 1))
    return Index(
        levels=levels,
        tree_major=[level.reshape(1 << i, trees).T.ravel() for i, level in enumerate(levels)],
        runs=list(zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True)),
        bin_base=(starts[:-1] + np.arange(forest.num_features))[:, None],
        bins_per_block=cuts + forest.num_features,
        word_end=np.append(starts[features + 1] + features, 0),
        word_start=np.append(np.arange(cuts) + features, 0),
        right_if_missing=np.where(forest.cut_default_right, _ALL, np.uint64(0)),
        leaf_base=np.arange(trees, dtype=np.intp) << depth,
        trees=np.arange(trees, dtype=np.intp),
        blocks=max(1, min(16, WORK_BUDGET // max(1, trees << max(0, depth - 1)))),
        groups=groups_of(forest.tree_group, forest.num_groups),
    )


class Forest(Protocol):
    """What this module reads of ``inference.trees.forest.Forest`` (perfect trees of depth <= ``MAX_DEPTH``)."""

    @property
    def cut_feature(self) -> np.ndarray: ...

    @property
    def cut_threshold(self) -> np.ndarray: ...

    @property
    def cut_default_right(self) -> np.ndarray: ...

    @property
    def leaf_value(self) -> np.ndarray: ...

    @property
    def num_features(self) -> int: ...

    @property
    def num_groups(self) -> int: ...

    @property
    def tree_group(self) -> np.ndarray: ...

    @property
    def num_trees(self) -> int: ...

    @property
    def depth(self) -> int: ...

    @property
    def index(self) -> Index: ...

    def sum_leaves(self, place: np.ndarray) -> np.ndarray: ...


def margins(forest: Forest, rows: np.ndarray, out: np.ndarray) -> None:
    """Write the rows' float32 margins (the base margin and the trees' leaves) per output group into ``out``."""
    workspace, index = WORKSPACE, forest.index
    words = comparison_words(forest, rows, workspace)
    blocks, trees, depth = len(words), forest.num_trees, forest.depth
    reach = workspace.array("reach", (blocks, 1, trees), np.uint64)
    reach.fill(_ALL)
    went_right = workspace.array("went_right", (blocks, 8, trees), np.uint64)
    went_right.fill(0)
    for level, cuts in enumerate(index.levels):
        width = 1 << level
        at_node = workspace.array("at_node", (blocks, width * trees), np.uint64)
        np.take(words, cuts, axis=1, out=at_node, mode="clip")
        at_node = at_node.reshape(blocks, width, trees)
        if level + 1 < depth:
            below = workspace.array(f"below{level % 2}", (blocks, width, 2, trees), np.uint64)
            right = np.bitwise_and(reach, at_node, out=below[:, :, 1])
            np.bitwise_xor(reach, right, out=below[:, :, 0])
            reach = below.reshape(blocks, 2 * width, trees)
        else:
            right = np.bitwise_and(reach, at_node, out=at_node)
        np.bitwise_or.reduce(right, axis=1, out=went_right[:, depth - 1 - level])
    _sum_leaves(forest, leaf_positions(went_right, workspace), out, workspace)


def _sum_leaves(forest: Forest, positions: np.ndarray, out: np.ndarray, workspace: Workspace) -> None:
    """Gather the leaf values a few blocks at a time, tree-major (transposing the 1-byte positions rather than
    the 4-byte values), and add them up in tree order into ``out``."""
    trees, blocks = forest.num_trees, len(positions)
    group = max(1, min(blocks, SUM_BUDGET // (trees * 64)))
    for first in range(0, blocks, group):
        count = min(group, blocks - first)
        place = workspace.array("place", (trees, count, 64), np.intp)
        np.copyto(place, positions[first : first + count].transpose(1, 0, 2))
        np.add(place, forest.index.leaf_base[:, None, None], out=place)
        start = first * 64
        rows = min(count * 64, len(out) - start)
        out[start : start + rows] = forest.sum_leaves(place.reshape(trees, count * 64))[:rows]


def comparison_words(forest: Forest, rows: np.ndarray, workspace: Workspace) -> np.ndarray:
    """(blocks, cuts) uint64: bit j of word [b, c] is whether row 64 b + j goes right at cut c."""
    index = forest.index
    count, features = rows.shape
    blocks, width = -(-count // 64), index.bins_per_block
    columns = workspace.array("columns", (features, blocks * 64), np.float32)
    columns[:, count:] = 0.0
    columns[:, :count] = rows.T
    bins = workspace.array("bins", (features, blocks * 64), np.intp)
    for feature, (start, stop) in enumerate(index.runs):
        bins[feature] = np.searchsorted(forest.cut_threshold[start:stop], columns[feature], side="right")
    missing = np.isnan(columns) if np.isnan(rows).any() else None
    if missing is not None:
        bins[missing] = 0
    bins += index.bin_base
    bins += np.arange(blocks * 64) // 64 * width
    flat, weights = bins.ravel(), (np.tile(bits, features * blocks) for bits in _BIT_WEIGHTS)
    low, high = (np.bincount(flat, weights=w, minlength=blocks * width).astype(np.uint64) for w in weights)
    totals = workspace.array("totals", (blocks, width), np.uint64)
    np.cumsum((high << np.uint64(32)) | low, out=totals.ravel())  # across blocks too: only differences matter
    words = workspace.array("words", (blocks, len(forest.cut_threshold)), np.uint64)
    np.subtract(totals.take(index.word_end, axis=1), totals.take(index.word_start, axis=1), out=words)
    if missing is not None:
        nan_words = np.packbits(missing.reshape(features, blocks, 64), axis=2, bitorder="little").view(np.uint64)
        words |= nan_words[:, :, 0].T.take(forest.cut_feature, axis=1) & index.right_if_missing
    return words


def leaf_positions(went_right: np.ndarray, workspace: Workspace) -> np.ndarray:
    """(blocks, 8, trees) words, word ``depth - 1 - level`` holding the rows that went right at that level,
    to (blocks, trees, 64) leaf positions: per row one byte, bit k the way taken at level depth - 1 - k."""
    blocks, _, trees = went_right.shape
    grouped = workspace.array("grouped", (blocks, trees, 8, 8), np.uint8)  # (block, tree, 8 rows, word)
    np.copyto(grouped, went_right.view(np.uint8).reshape(blocks, 8, trees, 8).transpose(0, 2, 3, 1))
    x = grouped.view(np.uint64)[..., 0]
    t = workspace.array("transpose", x.shape, np.uint64)
    for shift, mask in _TRANSPOSE_STEPS:  # t = (x ^ (x >> s)) & m; x ^= t ^ (t << s)
        np.right_shift(x, shift, out=t)
        np.bitwise_xor(t, x, out=t)
        np.bitwise_and(t, mask, out=t)
        np.bitwise_xor(x, t, out=x)
        np.left_shift(t, shift, out=t)
        np.bitwise_xor(x, t, out=x)
    return grouped.reshape(blocks, trees, 64)
