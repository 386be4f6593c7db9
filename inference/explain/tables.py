"""The tables exact TreeSHAP reads for every row, built once from a model's paths: trees grouped by their
quadrature order, each group laid out by ``inference.explain.layout``. The quadrature: docs/dev/runtime.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.explain.layout import Level, Picker, lay_out, node_tests
from inference.explain.paths import Paths

MERGE_BELOW = 50_000
"""A group of trees joins the next larger order when that adds less than this many branch-nodes of work
(branches x added order): each group costs every row some fixed time (measured: ~0.2 ms, ~50k of them)."""


@dataclass(frozen=True)
class Group:
    nodes: slice  # the group's entries in the node arrays of ``Tables``
    weights: np.ndarray  # float32 (q, 1): the quadrature weights of the nodes t in (0, 1)
    at_zero: np.ndarray  # float32 per node: the term of t = 0 (Gauss-Radau), before the row's turn; or 0
    levels: tuple[Level, ...]  # their ``nodes`` count from the group's first node
    left_share: np.ndarray  # float32 per node
    beta: np.ndarray  # float32 (q, nodes): t / F(t), F(t) = (1 - t) Z + t, Z the earlier splits' share
    delta: np.ndarray  # float32 (q, nodes): Z / F(t)^2
    bottom_base: np.ndarray  # float32 (n,): the deepest level's value when dead
    bottom_beta: np.ndarray  # float32 (q, n): beta * (left leaf - right leaf)
    bottom_delta: np.ndarray  # float32 (q, n): delta * (left leaf - right leaf)


@dataclass(frozen=True)
class Tables:
    """What every row reads: the node tests for all groups at once, and each group's quadrature tables."""

    groups: tuple[Group, ...]
    feature: np.ndarray  # intp per node of every group (0 for padding)
    threshold: np.ndarray  # float32
    low: np.ndarray  # float32: the node is live for x in [low, high); padding: never
    high: np.ndarray
    missing_live: np.ndarray  # bool: live for a missing x
    missing_right: np.ndarray  # bool: a missing x goes right
    right_share: np.ndarray  # float32: 1 - left_share
    target: np.ndarray  # intp: output group * num_features + feature

    @property
    def nbytes(self) -> int:
        return _nbytes(self)


_TESTS = {"feature": np.intp, "threshold": np.float32, "low": np.float32, "high": np.float32, "missing_live": bool,
          "missing_right": bool, "right_share": np.float32, "target": np.intp}  # fmt: skip


def build_tables(paths: Paths, tree_group: np.ndarray, num_features: int) -> Tables:
    depth = np.zeros(len(tree_group), np.intp)
    for d, level in enumerate(paths.levels):
        depth[paths.tree[level]] = d + 1
    leaves = paths.left < 0
    distinct = np.zeros(len(tree_group), np.intp)
    np.maximum.at(distinct, paths.tree[leaves], paths.distinct[leaves])
    target = tree_group[paths.tree] * num_features + paths.feature
    branches = np.bincount(paths.tree[~leaves], minlength=len(tree_group))
    shares = paths.left_share[~leaves]
    radau = bool(np.all((shares > 0) & (shares < 1)))  # else the t = 0 term is not the same for every row
    orders = distinct // 2 if radau else np.maximum(1, (distinct + 1) // 2)
    groups, tests, start = [], [], 0
    for q, trees in _by_order(orders, branches):
        rule = _quadrature(q, radau)
        group, test = _group(paths, trees, int(depth[trees].max()), rule, target, int(branches[trees].sum()), start)
        groups.append(group)
        tests.append(test)
        start = group.nodes.stop
    columns = {name: np.concatenate([part[name] for part in tests] + [np.zeros(0, kind)])
               for name, kind in _TESTS.items()}  # fmt: skip
    return Tables(tuple(groups), **columns)


def _by_order(order: np.ndarray, branches: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Trees with a branch, grouped by quadrature order; a small group moves up to the next order."""
    orders = [int(q) for q in np.unique(order[branches > 0])]
    groups, pending = [], np.zeros(0, np.intp)
    for q, larger in zip(orders, [*orders[1:], None], strict=False):  # no orders: no trees with a split
        pending = np.concatenate((pending, np.flatnonzero((order == q) & (branches > 0))))
        if larger is None or branches[pending].sum() * (larger - q) >= MERGE_BELOW:
            groups.append((q, np.sort(pending)))
            pending = np.zeros(0, np.intp)
    return groups


def _quadrature(order: int, radau: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """Nodes t in (0, 1) and their weights, and the weight of t = 0: Gauss-Legendre, exact up to degree
    2 order - 1; or Gauss-Radau with t = 0 fixed, exact up to degree 2 order with ``order`` nodes inside."""
    if not radau:
        x, weights = np.polynomial.legendre.leggauss(order)
        return (x + 1) / 2, weights / 2, 0.0
    n = order + 1  # the interior nodes are the roots of (P_{n-1} + P_n) / (1 + x) on [-1, 1]
    x = np.sort(np.polynomial.legendre.legroots(np.eye(n + 1)[n - 1] + np.eye(n + 1)[n]))[1:]
    weights = (1 - x) / (n * np.polynomial.legendre.legval(x, np.eye(n)[n - 1])) ** 2
    return (x + 1) / 2, weights / 2, 1 / n**2


def _group(paths: Paths, trees: np.ndarray, depth: int, rule: tuple[np.ndarray, np.ndarray, float],
           target: np.ndarray, branches: int, start: int) -> tuple[Group, dict[str, np.ndarray]]:  # fmt: skip
    ids, levels, (left_leaf, right_leaf) = lay_out(paths, trees, depth, branches)
    pick = Picker(ids, paths)
    share, prior = pick(paths.left_share, 1.0, np.float64), pick(paths.earlier_share, 1.0, np.float64)
    nodes, weights, at_zero = rule
    t = nodes[:, None]
    passing = (1 - t) * prior + t  # the earlier splits' factor at t, for a row that passes them
    beta, delta = (t / passing).astype(np.float32), (prior / passing**2).astype(np.float32)
    zero = np.zeros(len(ids))
    if at_zero:  # Gauss-Radau: every share is inside (0, 1), so prior > 0; at t = 0 every factor is the share
        split = paths.left[pick.at]
        gap_at_zero = paths.expected[split] - paths.expected[split + 1]
        zero = at_zero * pick(paths.reach, 0.0, np.float64) / prior * gap_at_zero
    bottom, gap = levels[-1].nodes, (left_leaf - right_leaf).astype(np.float32)
    group = Group(
        nodes=slice(start, start + len(ids)),
        weights=weights[:, None].astype(np.float32),
        at_zero=zero.astype(np.float32),
        levels=tuple(levels),
        left_share=share.astype(np.float32),
        beta=beta,
        delta=delta,
        bottom_base=(right_leaf + share[bottom] * gap).astype(np.float32),
        bottom_beta=beta[:, bottom] * gap,
        bottom_delta=delta[:, bottom] * gap,
    )
    return group, node_tests(pick, paths, target, share)


def _nbytes(value: object) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, tuple):
        return sum(_nbytes(item) for item in value)
    return sum(_nbytes(getattr(value, name)) for name in getattr(value, "__dataclass_fields__", {}))
