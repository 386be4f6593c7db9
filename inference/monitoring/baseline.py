"""``baseline.json``: what the model was trained on and how it answered, the reference the monitor compares with.

Per feature (from the training channel): its bins (quantile edges for a numeric feature, the categories for a
categorical one), each bin's share, the share missing, and the PSI above which it counts as drifted. Once the
model exists, ``answers``: the same for its answers on the validation channel, with the validation metric
computed as the monitor computes the live one. ``make data`` writes the first part beside ``schema.json``;
local training and, on AWS, the compile step write the whole beside the model.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from inference.model.schema import Schema
from inference.monitoring import histogram

BASELINE_NAME = "baseline.json"
BASELINE_FORMAT = 1
DEFAULT_PSI_THRESHOLD = 0.2


class BaselineError(ValueError):
    """A baseline document that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Bins:
    """A distribution over fixed bins: ``edges`` (numeric) or ``categories``, and each bin's share, the
    missing and unseen bins last (``inference.monitoring.histogram``)."""

    shares: tuple[float, ...]
    edges: tuple[float, ...] | None = None
    categories: tuple[str, ...] | None = None

    @classmethod
    def of(cls, values: np.ndarray, categories: Sequence[str] | None) -> Bins:
        """The bins of ``values`` (float, NaN missing; a category by its code) and their shares."""
        edges = None if categories is not None else histogram.quantile_edges(values)
        counts = histogram.count(values, edges, None if categories is None else len(categories))
        shares = tuple(round(float(share), 6) for share in histogram.shares(counts))
        return cls(shares, edges, None if categories is None else tuple(categories))

    def count(self, values: np.ndarray) -> np.ndarray:
        return histogram.count(values, self.edges, None if self.categories is None else len(self.categories))

    @property
    def missing(self) -> float:
        return self.shares[-2]

    def labels(self) -> list[str]:
        """A name per bin, for reports: ``< 1.5``, ``1.5 to 3``, ``>= 3`` (or the categories), missing, unseen."""
        if self.categories is not None:
            return [*self.categories, "missing", "unseen"]
        edges = _distinct_texts(self.edges or ())
        if not edges:
            return ["all", "missing", "unseen"]
        inner = [f"{low} to {high}" for low, high in itertools.pairwise(edges)]
        return [f"< {edges[0]}", *inner, f">= {edges[-1]}", "missing", "unseen"]

    def to_document(self) -> dict[str, Any]:
        """``edges`` or ``categories``, each value bin's ``shares`` and the share ``missing`` (none unseen)."""
        document: dict[str, Any] = {"edges": list(self.edges)} if self.edges is not None else {}
        if self.categories is not None:
            document["categories"] = list(self.categories)
        return document | {"shares": list(self.shares[:-2]), "missing": self.missing}


def _distinct_texts(edges: Sequence[float]) -> list[str]:
    """Edges with as few digits as keep them apart (3 at least; thousands without decimals)."""
    for digits in range(3, 10):
        texts = [f"{edge:,.0f}" if abs(edge) >= 10**digits else f"{edge:.{digits}g}" for edge in edges]
        if len(set(texts)) == len(texts):
            return texts
    return [repr(edge) for edge in edges]


@dataclass(frozen=True)
class FeatureBaseline:
    name: str
    bins: Bins
    threshold: float = DEFAULT_PSI_THRESHOLD
    """The PSI at or above which the feature counts as drifted."""


@dataclass(frozen=True)
class AnswerBaseline:
    kind: Literal["value", "probability", "class"]
    """Regression values (in the answers' unit), the positive class's probability, or the predicted class."""
    bins: Bins
    metric: str
    """The validation metric's name (``rmse``, ``auc``...: the quality gate's), computed by the monitor's code."""
    validation: float | None
    """None where the metric is undefined on the validation rows (AUC of one class)."""
    rows: int
    threshold: float = DEFAULT_PSI_THRESHOLD


@dataclass(frozen=True)
class Baseline:
    dataset: str
    rows: int
    features: tuple[FeatureBaseline, ...]
    answers: AnswerBaseline | None = None

    def check_schema(self, schema: Schema) -> None:
        """Refuse a baseline made for other features than ``schema``'s."""
        names = tuple(feature.name for feature in self.features)
        if names != schema.names:
            raise BaselineError(f"the baseline's features {list(names)} are not the schema's {list(schema.names)}")

    def with_answers(self, answers: AnswerBaseline) -> Baseline:
        return replace(self, answers=answers)

    def to_document(self) -> dict[str, Any]:
        features = [{"name": f.name, "threshold": f.threshold, **f.bins.to_document()} for f in self.features]
        answers = None
        if self.answers is not None:
            a = self.answers
            answers = {"kind": a.kind, "metric": a.metric, "validation": a.validation, "rows": a.rows,
                       "threshold": a.threshold, **a.bins.to_document()}  # fmt: skip
        return {"format": BASELINE_FORMAT, "dataset": self.dataset, "rows": self.rows, "features": features,
                "answers": answers}  # fmt: skip


def feature_baseline(
    schema: Schema, matrix: np.ndarray, thresholds: Mapping[str, float] | None = None,
    default_threshold: float = DEFAULT_PSI_THRESHOLD,
) -> Baseline:  # fmt: skip
    """The baseline of the training rows ``matrix`` (model order, a category by its code, NaN missing)."""
    thresholds = thresholds or {}
    features = tuple(
        FeatureBaseline(f.name, Bins.of(matrix[:, i], f.categories), thresholds.get(f.name, default_threshold))
        for i, f in enumerate(schema.features)
    )
    return Baseline(schema.name, int(matrix.shape[0]), features)
