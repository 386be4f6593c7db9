"""Row validation against the schema's ranges and the deterministic train/validation/test split."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from inference.schema import FEATURES, TARGET_NAME

SPLIT_FRACTIONS: tuple[float, float, float] = (0.70, 0.15, 0.15)
"""Train, validation and test shares of the valid rows."""
DEFAULT_SEED = 42


@dataclass(frozen=True)
class Split:
    """Row indices of each part; disjoint, and together every valid row."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def invalid_row_reasons(features: np.ndarray, target: np.ndarray) -> list[str | None]:
    """For each row, why it is invalid (the first failing check), or None when it is valid."""
    reasons: list[str | None] = [None] * len(target)
    checks: list[tuple[str, np.ndarray]] = [(f"{TARGET_NAME} is not finite", ~np.isfinite(target))]
    checks.append((f"{TARGET_NAME} is not positive", np.isfinite(target) & (target <= 0)))
    for column, feature in enumerate(FEATURES):
        values = features[:, column]
        checks.append((f"{feature.name} is not finite", ~np.isfinite(values)))
        outside = np.isfinite(values) & ((values < feature.minimum) | (values > feature.maximum))
        checks.append((f"{feature.name} outside [{feature.minimum:g}, {feature.maximum:g}]", outside))
    for reason, failed in checks:
        for row in np.flatnonzero(failed):
            if reasons[row] is None:
                reasons[row] = reason
    return reasons


def keep_valid_rows(features: np.ndarray, target: np.ndarray, dropped: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
    """The rows inside every schema range; each dropped row is counted in ``dropped`` under its reason."""
    reasons = invalid_row_reasons(features, target)
    dropped.update(reason for reason in reasons if reason is not None)
    keep = np.array([reason is None for reason in reasons], dtype=bool)
    return features[keep], target[keep]


def split_rows(count: int, seed: int = DEFAULT_SEED) -> Split:
    """A seeded shuffle cut 70/15/15: the same count and seed always give the same split."""
    if count < len(SPLIT_FRACTIONS):
        raise ValueError(f"need at least {len(SPLIT_FRACTIONS)} valid rows to split, got {count}")
    order = np.random.default_rng(seed).permutation(count)
    train_end = min(max(round(count * SPLIT_FRACTIONS[0]), 1), count - 2)
    validation_end = min(max(train_end + round(count * SPLIT_FRACTIONS[1]), train_end + 1), count - 1)
    return Split(order[:train_end], order[train_end:validation_end], order[validation_end:])
