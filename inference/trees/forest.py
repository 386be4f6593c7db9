"""Predict with every tree at once: the prediction form of a compiled ensemble.

Perfect trees are walked by index arithmetic (a row at position p moves to ``2 p + goes_right``), deeper
trees node by node; a few rows take the path method, 32 and more the bit-parallel one (``inference.trees.bits``),
with the very same leaves, added up as xgboost adds them (``inference.trees.leaf_sums``). How: docs/dev/runtime.md.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field

import numpy as np

from inference.trees import bits as forest_bits
from inference.trees import objectives
from inference.trees.leaf_sums import add_leaves

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
    leaf_value: np.ndarray  # float32: perfect: at t * 2**depth + p; walk: per node (0 at branches)
    node_left: np.ndarray | None  # intp, walk only: each node's left child (a leaf's own index)
    tree_group: np.ndarray  # intp per tree: the output group (class) it adds to
    base_margin: np.ndarray  # float32 (num_groups,): each group's margin before the trees
    objective: str
    num_features: int
    num_groups: int
    depth: int
    num_trees: int
    index: forest_bits.Index = field(init=False, repr=False, compare=False)
    """Tables derived from the arrays above when the forest is built (cheap: views and small arrays)."""

    def __post_init__(self) -> None:
        for name in ("leaf_value", "base_margin"):  # xgboost's types: DART's leaf x weight rounds once, as there
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.float32))
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
        """Float32 predictions, bit for bit ``Booster.predict``'s: (n,), or (n, K) for multi:softprob."""
        return objectives.transform(self.objective, self.predict_margin(rows))

    def predict_margin(self, rows: np.ndarray) -> np.ndarray:
        """Float32 rows of shape (n, num_features) to float32 margins (n, num_groups), bit for bit what
        ``Booster.predict(..., output_margin=True)`` gives."""
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != self.num_features:
            raise ValueError(f"expected rows of shape (n, {self.num_features}), got {rows.shape}")
        if len(rows) == 1 and self.node_left is None:
            return self.sum_leaves(self._row_places(rows[0])[:, None])
        bits = self.bit_parallel and len(rows) >= BIT_ROWS
        step = 64 * self.index.blocks if bits else PATH_CHUNK_ROWS
        margins = np.empty((len(rows), self.num_groups), dtype=np.float32)
        for start in range(0, len(rows), step):
            chunk, out = rows[start : start + step], margins[start : start + step]
            if bits and len(chunk) >= BIT_ROWS:
                forest_bits.margins(self, chunk, out)
            else:
                out[:] = self.sum_leaves(self._path_places(chunk))
        return margins

    def sum_leaves(self, place: np.ndarray) -> np.ndarray:
        """The float32 margins (rows, groups) of the leaves at ``place`` (trees, rows), added as xgboost adds."""
        return add_leaves(self.leaf_value, self.base_margin, self.index.groups, place)

    def _row_places(self, row: np.ndarray) -> np.ndarray:
        """Each tree's leaf (positions in ``leaf_value``) for one row on perfect trees: the path method on 1-D
        arrays, the cheapest."""
        values = row.take(self.cut_feature)
        goes_right = values >= self.cut_threshold
        if np.isnan(row).any():
            goes_right |= np.isnan(values) & self.cut_default_right
        goes, place = goes_right.astype(np.intp), self.index.trees  # intp + intp: no mixed-type loop per level
        for cuts in self.index.tree_major:
            place = (place << 1) + goes.take(cuts.take(place))
        return place

    def _path_places(self, rows: np.ndarray) -> np.ndarray:
        """Each (tree, row) pair's leaf, (trees, rows), by walking it down, one level per step."""
        values = rows.take(self.cut_feature, axis=1)
        table = values >= self.cut_threshold
        if np.isnan(rows).any():
            table |= np.isnan(values) & self.cut_default_right
        count, table = len(rows), table.ravel()
        offsets = np.arange(count) * len(self.cut_threshold)
        place = np.broadcast_to(np.arange(self.num_trees)[:, None], (self.num_trees, count))
        for level in range(self.depth):
            cuts = self.index.tree_major[level] if self.node_left is None else self.node_cut
            goes_right = table.take(cuts.take(place) + offsets if count > 1 else cuts.take(place))
            place = (place << 1) + goes_right if self.node_left is None else self.node_left.take(place) + goes_right
        return place
