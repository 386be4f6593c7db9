"""Predict with every tree at once: the prediction form of a compiled ensemble.

Perfect trees are walked by index arithmetic (a row at position p moves to ``2 p + goes_right``), deeper
trees node by node; a few rows take the path method, 32 and more the bit-parallel one (``inference.trees.bits``),
with the very same leaves. How: docs/dev/runtime.md.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field

import numpy as np

from inference.trees import bits as forest_bits
from inference.trees import objectives

BIT_ROWS = 32
"""Fewest rows worth the bit-parallel method (it costs about the same for 1 row as for 64)."""
PATH_CHUNK_ROWS = 64
"""Rows walked together by the path method; keeps a chunk's positions (rows x trees) in cache."""


@dataclass(frozen=True)
class Forest:
    cut_feature: np.ndarray  # intp (C + 1,); sorted, and each feature's thresholds ascending
    cut_threshold: np.ndarray  # float32 (C + 1,); NaN for the last cut
    cut_default_right: np.ndarray  # bool (C + 1,): a missing value goes right
    node_cut: np.ndarray  # intp: perfect: every level's positions in turn; walk: per breadth-first node
    leaf_value: np.ndarray  # float64: perfect: at t * 2**depth + p; walk: per node (0 at branches)
    node_left: np.ndarray | None  # intp, walk only: each node's left child (a leaf's own index)
    tree_group: np.ndarray  # intp per tree: the output group (class) it adds to
    base_margin: np.ndarray  # float64 (num_groups,)
    objective: str
    num_features: int
    num_groups: int
    depth: int
    num_trees: int
    index: forest_bits.Index = field(init=False, repr=False, compare=False)
    """Tables derived from the arrays above when the forest is built (cheap: views and small arrays)."""

    def __post_init__(self) -> None:
        levels = self.level_cuts() if self.node_left is None else []
        object.__setattr__(self, "index", forest_bits.index_of(self, levels))

    def level_cuts(self) -> list[np.ndarray]:
        """Perfect trees: each level's cuts, positions ``p * num_trees + t`` (views of ``node_cut``)."""
        bounds = np.cumsum([0] + [self.num_trees << level for level in range(self.depth)]).tolist()
        return [self.node_cut[a:b] for a, b in itertools.pairwise(bounds)]

    @property
    def bit_parallel(self) -> bool:
        return self.node_left is None and self.depth <= forest_bits.MAX_DEPTH and sys.byteorder == "little"

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Float64 predictions as ``Booster.predict`` gives them: (n,), or (n, K) for multi:softprob."""
        return objectives.transform(self.objective, self.predict_margin(rows))

    def predict_margin(self, rows: np.ndarray) -> np.ndarray:
        """Float32 rows of shape (n, num_features) to float64 margins (n, num_groups): ``output_margin=True``."""
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != self.num_features:
            raise ValueError(f"expected rows of shape (n, {self.num_features}), got {rows.shape}")
        if len(rows) == 1 and self.node_left is None:
            return np.asarray(self.group_sums(self._row_values(rows[0])) + self.base_margin)
        bits = self.bit_parallel and len(rows) >= BIT_ROWS
        step = 64 * self.index.blocks if bits else PATH_CHUNK_ROWS
        margins = np.empty((len(rows), self.num_groups))
        for start in range(0, len(rows), step):
            chunk, out = rows[start : start + step], margins[start : start + step]
            if bits and len(chunk) >= BIT_ROWS:
                forest_bits.margins(self, chunk, out)
            else:
                out[:] = self.group_sums(self._path_values(chunk))
        return np.asarray(margins + self.base_margin)

    def group_sums(self, leaf_values: np.ndarray) -> np.ndarray:
        """Leaf values (rows, trees) summed per output group, each group's trees in tree order."""
        if self.num_groups == 1:
            return np.asarray(leaf_values.sum(axis=1, keepdims=True))
        size = len(leaf_values) * self.num_groups
        bins = (np.arange(0, size, self.num_groups)[:, None] + self.tree_group).ravel()
        return np.bincount(bins, weights=leaf_values.ravel(), minlength=size).reshape(-1, self.num_groups)

    def _row_values(self, row: np.ndarray) -> np.ndarray:
        """Leaf values (1, trees) of one row on perfect trees: the path method on 1-D arrays, the cheapest."""
        values = row.take(self.cut_feature)
        goes_right = values >= self.cut_threshold
        if np.isnan(row).any():
            goes_right |= np.isnan(values) & self.cut_default_right
        goes, place = goes_right.astype(np.intp), self.index.trees  # intp + intp: no mixed-type loop per level
        for cuts in self.index.tree_major:
            place = (place << 1) + goes.take(cuts.take(place))
        return self.leaf_value.take(place)[None, :]

    def _path_values(self, rows: np.ndarray) -> np.ndarray:
        """Leaf values (rows, trees) by walking each (row, tree) pair down, one level per step."""
        values = rows.take(self.cut_feature, axis=1)
        table = values >= self.cut_threshold
        if np.isnan(rows).any():
            table |= np.isnan(values) & self.cut_default_right
        count, table = len(rows), table.ravel()
        offsets = (np.arange(count) * len(self.cut_threshold))[:, None]
        place = np.broadcast_to(np.arange(self.num_trees), (count, self.num_trees))
        for level in range(self.depth):
            cuts = self.index.tree_major[level] if self.node_left is None else self.node_cut
            goes_right = table.take(cuts.take(place) + offsets if count > 1 else cuts.take(place))
            place = (place << 1) + goes_right if self.node_left is None else self.node_left.take(place) + goes_right
        return self.leaf_value.take(place)
