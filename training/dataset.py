"""The deterministic train/validation/test split: 70/15/15, seeded, stratified by class for classification."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPLIT_FRACTIONS: tuple[float, float, float] = (0.70, 0.15, 0.15)
"""Train, validation and test shares of the valid rows."""
DEFAULT_SEED = 42


@dataclass(frozen=True)
class Split:
    """Row indices of each part; disjoint, and together every valid row."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def split_rows(count: int, seed: int = DEFAULT_SEED) -> Split:
    """A seeded shuffle cut 70/15/15: the same count and seed always give the same split."""
    if count < len(SPLIT_FRACTIONS):
        raise ValueError(f"need at least {len(SPLIT_FRACTIONS)} valid rows to split, got {count}")
    order = np.random.default_rng(seed).permutation(count)
    train_end = min(max(round(count * SPLIT_FRACTIONS[0]), 1), count - 2)
    validation_end = min(max(train_end + round(count * SPLIT_FRACTIONS[1]), train_end + 1), count - 1)
    return Split(order[:train_end], order[train_end:validation_end], order[validation_end:])


def stratified_split(classes: np.ndarray, seed: int = DEFAULT_SEED) -> Split:
    """The same seeded shuffle, cut 70/15/15 within each class, so every part keeps the class balance.

    Each part lists its rows in shuffled order. When the data is too small for every part to get a row
    this way, it falls back to the plain split.
    """
    if len(classes) < len(SPLIT_FRACTIONS):
        return split_rows(len(classes), seed)  # refuses it with the reason
    order = np.random.default_rng(seed).permutation(len(classes))
    parts: list[list[np.ndarray]] = [[], [], []]
    for value in np.unique(classes):
        members = order[classes[order] == value]  # this class's rows, in shuffled order
        train_end = round(len(members) * SPLIT_FRACTIONS[0])
        validation_end = train_end + round(len(members) * SPLIT_FRACTIONS[1])
        for part, rows in zip(parts, np.split(members, [train_end, validation_end]), strict=True):
            part.append(rows)
    rank = np.empty(len(classes), dtype=np.int64)
    rank[order] = np.arange(len(classes))
    train, validation, test = (_in_shuffled_order(np.concatenate(part), rank) for part in parts)
    if min(len(train), len(validation), len(test)) == 0:
        return split_rows(len(classes), seed)
    return Split(train, validation, test)


def _in_shuffled_order(rows: np.ndarray, rank: np.ndarray) -> np.ndarray:
    return rows[np.argsort(rank[rows], kind="stable")].astype(np.int64)
