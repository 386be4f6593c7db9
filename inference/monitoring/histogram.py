"""Counting values into a baseline's bins, and the population stability index between two sets of shares.

A feature's bins are fixed by its baseline: quantile edges of the training values for a numeric feature (a
value x falls in bin ``searchsorted(edges, x, side="right")``, so bin i holds ``edges[i-1] <= x < edges[i]``),
one bin per category for a categorical one. Two more bins follow: missing (NaN) and unseen (a category code
that is not one of the categories; always empty for a numeric feature). Counts are integers, so the counts
of any number of batches add up exactly to the counts of all their rows: a window of any size is counted in
bounded memory, batch by batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EPSILON = 1e-4
"""The smallest share PSI takes: an empty bin on one side counts as this share (``ln(0)`` is not a number)."""
QUANTILE_BINS = 10


def quantile_edges(values: np.ndarray, bins: int = QUANTILE_BINS) -> tuple[float, ...]:
    """The distinct inner quantiles of the present values: at most ``bins - 1`` edges, fewer where values tie."""
    present = values[~np.isnan(values)].astype(np.float64)
    if present.size == 0:
        return ()
    edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1], method="lower"))
    return tuple(float(edge) for edge in edges if edge > present.min())  # no edge below every value: an empty bin


def bin_count(edges: Sequence[float] | None, categories: int | None) -> int:
    """How many bins a feature has, missing and unseen included."""
    return (len(edges) + 1 if edges is not None else int(categories or 0)) + 2


def count(values: np.ndarray, edges: Sequence[float] | None, categories: int | None) -> np.ndarray:
    """Counts of ``values`` per bin (int64): the value bins, then missing, then unseen."""
    values = np.asarray(values, dtype=np.float64)
    missing = np.isnan(values)
    present = values[~missing]
    if edges is not None:
        inside = np.searchsorted(np.asarray(edges, dtype=np.float64), present, side="right")
        counts = np.bincount(inside, minlength=len(edges) + 1)
        unseen = 0
    else:
        known = (present >= 0) & (present < (categories or 0)) & (present == np.floor(present))
        counts = np.bincount(present[known].astype(np.int64), minlength=int(categories or 0))
        unseen = int(np.count_nonzero(~known))
    return np.concatenate([counts, [np.count_nonzero(missing), unseen]]).astype(np.int64)


def shares(counts: np.ndarray) -> np.ndarray:
    """Each bin's share of the total (all zeros when there is nothing)."""
    total = counts.sum()
    return counts / total if total else np.zeros(len(counts))


def psi(expected: Sequence[float] | np.ndarray, actual: Sequence[float] | np.ndarray) -> float:
    """Population stability index: the sum over bins of ``(a - e) * ln(a / e)``, shares floored at ``EPSILON``."""
    e = np.maximum(np.asarray(expected, dtype=np.float64), EPSILON)
    a = np.maximum(np.asarray(actual, dtype=np.float64), EPSILON)
    return float(np.sum((a - e) * np.log(a / e)))
