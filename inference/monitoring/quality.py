"""The model's answers as the monitor counts them, and the quality metrics it computes from ground truth.

One definition serves the validation figure in ``baseline.json`` and the live figure in each report, so the two
are comparable: the quality gate's metric (XGBoost's names), computed in NumPy from the labels as training
used them (a regression value in model units, a class index) and the model's output.

- ``answers``: what the answers' distribution is drawn from: regression values in the answers' unit, the
  positive class's probability (binary), the predicted class (multiclass).
- ``scores``: what the metrics read: regression values in model units, class probabilities (n, classes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from inference.model.schema import Schema
from inference.trees import objectives
from inference.trees.forest import Forest

_CLIP = 1e-15


AnswerKind = Literal["value", "probability", "class"]


def answer_kind(schema: Schema) -> AnswerKind:
    return "value" if schema.task == "regression" else "probability" if schema.task == "binary" else "class"


def scores(forest: Forest, rows: np.ndarray, task: str) -> np.ndarray:
    """Regression: the predicted values (n,). Classification: probabilities (n, classes), from the margins
    (so ``binary:hinge`` and ``multi:softmax`` models have them too)."""
    if task == "regression":
        return np.asarray(forest.predict(rows), dtype=np.float64)
    margins = np.asarray(forest.predict_margin(rows)).reshape(len(rows), -1)
    if margins.shape[1] == 1:  # the sigmoid as binary:logistic serves it, bit for bit
        positive = np.asarray(objectives.transform("binary:logistic", margins), dtype=np.float64)
        return np.column_stack([1.0 - positive, positive])
    return np.asarray(objectives.transform("multi:softprob", margins), dtype=np.float64)  # softmax, as served


def answers(schema: Schema, predicted: np.ndarray) -> np.ndarray:
    """The values whose distribution is monitored, from ``scores``."""
    if schema.task == "regression":
        return np.asarray(predicted * schema.target.scale)
    if schema.task == "binary":
        return np.asarray(predicted[:, 1])
    return np.asarray(predicted.argmax(axis=1), dtype=np.float64)


def _rmse(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.sqrt(np.mean((p - y) ** 2)))


def _rmsle(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.log1p(p) - np.log1p(y)) ** 2)))


def _logloss(y: np.ndarray, p: np.ndarray) -> float:
    chosen = np.clip(p[np.arange(len(y)), y.astype(np.int64)], _CLIP, 1.0)
    return float(-np.mean(np.log(chosen)))


def _error(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(p.argmax(axis=1) != y))


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC of the positive class: the share of (positive, negative) pairs ranked right, ties half."""
    positive = p[:, 1]
    ranks = _average_ranks(positive)
    n_pos = int(np.count_nonzero(y == 1))
    n_neg = len(y) - n_pos
    if not n_pos or not n_neg:
        return float("nan")
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _aucpr(y: np.ndarray, p: np.ndarray) -> float:
    """Average precision of the positive class (the area under the precision-recall steps)."""
    order = np.argsort(-p[:, 1], kind="stable")
    hits = (y[order] == 1).astype(np.float64)
    if not hits.sum():
        return float("nan")
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(np.sum(precision * hits) / hits.sum())


def _average_ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return np.asarray(sums[inverse] / counts[inverse])


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "rmse": _rmse,
    "mae": lambda y, p: float(np.mean(np.abs(p - y))),
    "rmsle": _rmsle,
    "mape": lambda y, p: float(np.mean(np.abs((y - p) / y))),
    "logloss": _logloss,
    "error": _error,
    "auc": _auc,
    "aucpr": _aucpr,
    "mlogloss": _logloss,
    "merror": _error,
}
"""By XGBoost's name: labels (n,) and ``scores`` -> the metric."""


def metric(name: str, labels: np.ndarray, predicted: np.ndarray) -> float | None:
    """``name`` over the rows; None with no rows (or a metric undefined on them, such as AUC of one class)."""
    if len(labels) == 0:
        return None
    value = METRICS[name](np.asarray(labels, dtype=np.float64), predicted)
    return value if np.isfinite(value) else None
