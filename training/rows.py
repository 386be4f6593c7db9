"""Validate and encode source rows against the schema: what the model sees, and why each other row is dropped.

A source gives one column of values per feature and one for the target, either numbers (the scikit-learn
loaders) or text (a CSV). Each value becomes a float64: a number, a category's index in ``categories``, a
class label's index in ``labels``, or NaN for a missing value where the feature allows one. A row that fails
a check is dropped and counted under the reason of its first failing column (target first, then the
features in model order).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inference.model.schema import Feature, Schema, Target

MISSING_TOKENS = frozenset({"", "na", "nan", "null", "none"})
"""Text that means "missing" in a CSV field (compared after stripping, case-insensitively)."""


@dataclass(frozen=True)
class EncodedRows:
    features: np.ndarray
    """(rows, features) float64 in model order; NaN is a missing value."""
    target: np.ndarray
    """(rows,) float64: the regression label, or the class index."""


class _Reasons:
    """The first reason each row is dropped for ("" while it is still valid)."""

    def __init__(self, count: int) -> None:
        self.text = np.full(count, "", dtype=object)

    def flag(self, failed: np.ndarray, reason: str) -> None:
        self.text[failed & (self.text == "")] = reason


def encode_rows(
    schema: Schema, columns: Sequence[np.ndarray], target: np.ndarray, dropped: Counter[str]
) -> EncodedRows:
    """The valid rows, encoded; every dropped row is counted in ``dropped`` under its reason."""
    reasons = _Reasons(len(target))
    labels = _target_values(schema.target, target, reasons)
    encoded = [
        _feature_values(feature, values, reasons) for feature, values in zip(schema.features, columns, strict=True)
    ]
    keep = reasons.text == ""
    dropped.update(str(reason) for reason in reasons.text[~keep])
    table = np.column_stack(encoded) if encoded else np.empty((len(target), 0))
    return EncodedRows(table[keep], labels[keep])


def _is_missing(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind in "fiu":
        return np.isnan(values.astype(np.float64))
    return np.array([value is None or str(value).strip().lower() in MISSING_TOKENS for value in values], dtype=bool)


def _numbers(values: np.ndarray, name: str, reasons: _Reasons) -> np.ndarray:
    """Numbers as float64 (NaN where missing); text that is not a number is flagged."""
    if values.dtype.kind in "fiu":
        return values.astype(np.float64)
    numbers = np.full(len(values), np.nan)
    not_numbers = np.zeros(len(values), dtype=bool)
    for row, value in enumerate(values):
        text = "" if value is None else str(value).strip()
        if text.lower() in MISSING_TOKENS:
            continue
        try:
            numbers[row] = float(text)
        except ValueError:
            not_numbers[row] = True
    reasons.flag(not_numbers, f"{name} is not a number")
    return numbers


def _indices(values: np.ndarray, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each value's index in ``names`` (NaN where missing) and where a present value is not one of them."""
    position = {name: float(i) for i, name in enumerate(names)}
    missing = _is_missing(values)
    texts = ["" if value is None else str(value).strip() for value in values]
    indices = np.array([position.get(text, np.nan) for text in texts], dtype=np.float64)
    return indices, ~missing & np.isnan(indices)


def _feature_values(feature: Feature, values: np.ndarray, reasons: _Reasons) -> np.ndarray:
    if feature.categories is not None:
        encoded, unknown = _indices(values, feature.categories)
        if not feature.unknown_is_missing:  # opted in: an unlisted name is a missing value, as serving reads it
            reasons.flag(unknown, f"{feature.name} is not one of its categories")
    else:
        encoded = _numbers(values, feature.name, reasons)
        reasons.flag(np.isinf(encoded), f"{feature.name} is not finite")
        reasons.flag(_outside(encoded, feature), f"{feature.name} {_range_words(feature)}")
    if not feature.missing:
        reasons.flag(np.isnan(encoded), f"{feature.name} is missing (the spec does not allow it)")
    return encoded


def _outside(values: np.ndarray, feature: Feature) -> np.ndarray:
    outside = np.zeros(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        if feature.minimum is not None:
            outside |= values < feature.minimum
        if feature.maximum is not None:
            outside |= values > feature.maximum
    return outside


def _range_words(feature: Feature) -> str:
    if feature.minimum is not None and feature.maximum is not None:
        return f"outside [{feature.minimum:g}, {feature.maximum:g}]"
    return f"below {feature.minimum:g}" if feature.minimum is not None else f"above {feature.maximum:g}"


def _target_values(target: Target, values: np.ndarray, reasons: _Reasons) -> np.ndarray:
    """Regression: finite numbers. Classification: the index of the label the text names."""
    reasons.flag(_is_missing(values), f"{target.name} is missing")
    if target.task == "regression":
        numbers = _numbers(values, target.name, reasons)
        reasons.flag(np.isinf(numbers), f"{target.name} is not finite")
        return numbers
    indices, unknown = _indices(values, target.labels)
    reasons.flag(unknown, f"{target.name} is not one of the labels ({', '.join(target.labels)})")
    return indices
