"""Guesses a starting spec makes from a CSV profile: feature names, ranges, the task, labels and a quality gate."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from training.csv_profile import ColumnProfile, CsvProfile, ProfileError, is_missing

RANGE_MARGIN = 0.1
"""Ranges are the data's minimum and maximum widened by this share of their span (then rounded outwards)."""
MAX_GUESSED_CLASSES = 10
"""A numeric target with at most this many distinct integer values is guessed to be classes."""
BASELINE_SHARE = 0.9
"""Regression and multi-class gates ask for a model this much better than one that ignores the features."""
BINARY_AUC = 0.7


@dataclass(frozen=True)
class Gate:
    metric: str
    threshold: float
    why: str


def feature_names(columns: list[str]) -> dict[str, str]:
    """Column -> a feature name safe in JSON keys, query strings and TOML bare keys (unique)."""
    names: dict[str, str] = {}
    for i, column in enumerate(columns):
        base = re.sub(r"[^A-Za-z0-9_]+", "_", column).strip("_") or f"feature_{i}"
        name, n = base, 2
        while name in names.values():
            name, n = f"{base}_{n}", n + 1
        names[column] = name
    return names


def numeric_range(profile: ColumnProfile) -> tuple[float, float]:
    """[min, max] of the data widened by the margin, rounded outwards (to integers at least, for integers);
    never below 0 for non-negative data."""
    low, high = min(profile.numbers), max(profile.numbers)
    span = (high - low) or abs(high) or 1.0
    step = 10.0 ** math.floor(math.log10(span * RANGE_MARGIN))
    step = max(step, 1.0) if profile.integral else step
    digits = max(0, -int(math.log10(step)))
    minimum = round(math.floor((low - RANGE_MARGIN * span) / step) * step, digits)
    maximum = round(math.ceil((high + RANGE_MARGIN * span) / step) * step, digits)
    return (max(minimum, 0.0) if low >= 0 else minimum), maximum


def guess_task(target: ColumnProfile) -> tuple[str, str]:
    """(task, why): few distinct integers or text -> classification, other numbers -> regression."""
    distinct = len(target.counts)
    if distinct < 2:
        raise ProfileError(f"the target column {target.column!r} has {distinct} distinct value(s): nothing to learn")
    if target.numeric and not (target.integral and distinct <= MAX_GUESSED_CLASSES):
        return "regression", f"numbers with {distinct} distinct values"
    kind = "integers" if target.numeric else "texts"
    return ("binary" if distinct == 2 else "multiclass"), f"{distinct} distinct {kind}"


def labels_of(target: ColumnProfile) -> list[str]:
    """Class labels in class-index order: sorted numerically for integers, else as text."""
    if target.integral:
        return sorted(target.counts, key=float)
    return sorted(target.counts)


def check_task(task: str, target: ColumnProfile) -> None:
    distinct = len(target.counts)
    if task == "regression" and not target.numeric:
        raise ProfileError(f"--task regression needs a numeric target; {target.column!r} holds text")
    if task == "binary" and distinct != 2:
        raise ProfileError(f"--task binary needs 2 distinct target values; {target.column!r} has {distinct}")
    if task == "multiclass" and distinct < 3:
        raise ProfileError(
            f"--task multiclass needs at least 3 distinct target values; {target.column!r} has {distinct}"
        )


def quality_gate(task: str, target: ColumnProfile) -> Gate:
    if task == "binary":
        return Gate("auc", BINARY_AUC, "0.5 is a coin flip, 1.0 a perfect ranking")
    if task == "regression":
        numbers = target.numbers
        mean = sum(numbers) / len(numbers)
        deviation = math.sqrt(sum((number - mean) ** 2 for number in numbers) / len(numbers))
        why = f"{BASELINE_SHARE:g} x {_significant(deviation)}, the RMSE of always predicting the mean"
        return Gate("rmse", _significant(BASELINE_SHARE * deviation), why)
    shares = [count / target.present for count in target.counts.values()]
    entropy = -sum(share * math.log(share) for share in shares)
    why = f"{BASELINE_SHARE:g} x {_significant(entropy)}, the log loss of always predicting the class shares"
    return Gate("mlogloss", _significant(BASELINE_SHARE * entropy), why)


def example_row(profile: CsvProfile, features: dict[str, ColumnProfile], target: str) -> dict[str, str]:
    """The first row with a valid value for every feature and the target (else the first row's valid values)."""
    refused = {column: set(feature.not_numbers) if feature.numeric else set() for column, feature in features.items()}

    def valid(row: dict[str, str], column: str) -> bool:
        return not is_missing(row[column]) and row[column] not in refused[column]

    for row in profile.first_rows:
        if all(valid(row, column) for column in features) and not is_missing(row[target]):
            return {column: row[column] for column in features}
    first = profile.first_rows[0]
    return {column: first[column] for column in features if valid(first, column)}


def _significant(value: float, digits: int = 3) -> float:
    if value == 0:
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))
