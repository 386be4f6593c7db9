"""XGBoost objectives: the task each serves, how margins become predictions, how base_score becomes a margin.

The single place that knows objectives: the ones SageMaker's built-in XGBoost offers for regression, binary
and multi-class tasks. The facts checked against xgboost: docs/dev/runtime.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from inference.errors import ModelFormatError
from inference.trees.float32 import expf, logf

Task = Literal["regression", "binary", "multiclass"]
Link = Literal["identity", "logistic", "log", "hinge", "softprob", "softmax"]


@dataclass(frozen=True)
class Objective:
    name: str
    task: Task
    link: Link  # how a margin becomes a prediction (and a base_score a margin)
    output: Literal["value", "probability", "score", "label", "probabilities"]  # what predict() returns


_OBJECTIVES = {
    objective.name: objective
    for objective in (
        Objective("reg:squarederror", "regression", "identity", "value"),
        Objective("reg:squaredlogerror", "regression", "identity", "value"),
        Objective("reg:pseudohubererror", "regression", "identity", "value"),
        Objective("reg:absoluteerror", "regression", "identity", "value"),
        Objective("reg:logistic", "regression", "logistic", "value"),  # labels in [0, 1]: a rate, not a class
        Objective("binary:logistic", "binary", "logistic", "probability"),
        Objective("binary:logitraw", "binary", "identity", "score"),  # the log-odds; its sigmoid is the probability
        Objective("binary:hinge", "binary", "hinge", "label"),  # 0.0 or 1.0, no probability
        Objective("multi:softprob", "multiclass", "softprob", "probabilities"),
        Objective("multi:softmax", "multiclass", "softmax", "label"),
        Objective("count:poisson", "regression", "log", "value"),
        Objective("reg:gamma", "regression", "log", "value"),
        Objective("reg:tweedie", "regression", "log", "value"),
    )
}
SUPPORTED_OBJECTIVES = tuple(_OBJECTIVES)
_ONE = np.float32(1.0)
_SIGMOID_LIMIT = np.float32(88.7)
"""xgboost's guard against ``expf`` overflowing."""
_SIGMOID_EPSILON = np.float32(1e-16)
"""xgboost's guard against dividing by 0 (a no-op in float32: the sum is at least 1)."""


def objective_of(name: str) -> Objective:
    """The supported objective called ``name``; a ModelFormatError listing the supported ones otherwise."""
    if name not in _OBJECTIVES:
        raise ModelFormatError(f"objective {name!r} is not supported; supported: {', '.join(SUPPORTED_OBJECTIVES)}")
    return _OBJECTIVES[name]


def task_of(name: str) -> Task:
    return objective_of(name).task


def num_groups_of(name: str, num_class: int, num_target: int) -> int:
    """Margins per row: one per class for ``multi:*``, else one. Multi-target models are refused."""
    if num_target > 1:
        raise ModelFormatError(
            f"the model predicts {num_target} targets; only single-target models are supported (one value, "
            "one probability, or one probability per class with multi:softprob or multi:softmax)"
        )
    if objective_of(name).task != "multiclass":
        if num_class > 1:
            raise ModelFormatError(f"objective {name!r} has one output but the model has num_class={num_class}")
        return 1
    if num_class < 2:
        raise ModelFormatError(f"a {name} model needs num_class >= 2, this one has num_class={num_class}")
    return num_class


def base_margin(name: str, base_score: str, num_groups: int) -> np.ndarray:
    """The margin every row starts from, float32 of shape (num_groups,) as xgboost computes it from the float32
    base_score (``-logf(1 / p - 1)``, ``logf(p)`` or p itself); a scalar base_score applies to all."""
    try:
        scores = np.array([float(value) for value in base_score.strip().strip("[]").split(",")], dtype=np.float32)
    except (AttributeError, ValueError) as exc:
        raise ModelFormatError(f"base_score {base_score!r} is not a number or a list of numbers") from exc
    if len(scores) not in (1, num_groups):
        raise ModelFormatError(f"base_score has {len(scores)} values but the model has {num_groups} outputs")
    link = objective_of(name).link
    if link == "logistic" and not np.all((scores > 0) & (scores < 1)):
        raise ModelFormatError(f"base_score {base_score!r} of {name} must be a probability inside (0, 1)")
    if (link == "log" and not np.all(scores > 0)) or not np.all(np.isfinite(scores)):
        raise ModelFormatError(f"base_score {base_score!r} is not a valid starting value for {name}")
    if link == "logistic":
        scores = -logf(_ONE / scores - _ONE)
    elif link == "log":
        scores = logf(scores)
    return np.broadcast_to(scores, (num_groups,)).astype(np.float32)


def base_score_of(name: str, margins: np.ndarray) -> np.ndarray:
    """The float32 base_score whose margin (as float64, by the link's inverse) is ``margins``: what an archive of
    an earlier release, which stored ``log(p / (1 - p))`` or ``log(p)`` in float64, was made from."""
    link = objective_of(name).link
    wide = np.asarray(margins, dtype=np.float64)
    if link == "logistic":
        wide = 1.0 / (1.0 + np.exp(-wide))
    elif link == "log":
        wide = np.exp(wide)
    return wide.astype(np.float32)


def transform(name: str, margins: np.ndarray) -> np.ndarray:
    """Float32 margins (n, num_groups) to what ``Booster.predict`` returns, bit for bit, as float32: (n,) except
    (n, K) for multi:softprob. The same float32 operations as xgboost's, with the C library's ``expf``."""
    link = objective_of(name).link
    margins = np.asarray(margins, dtype=np.float32)
    if link == "softprob":
        return softmax(margins)
    if link == "softmax":
        return np.asarray(margins.argmax(axis=1), dtype=np.float32)  # the first largest, as xgboost's FindMaxIndex
    margin = margins[:, 0]
    if link == "logistic":
        return sigmoid(margin)
    if link == "log":
        return expf(margin)
    if link == "hinge":
        return (margin > 0).astype(np.float32)
    return margin


def sigmoid(margin: np.ndarray) -> np.ndarray:
    """xgboost's ``common::Sigmoid(float)``: ``1 / (expf(min(-x, 88.7)) + 1 + 1e-16)``, in float32."""
    return _ONE / (expf(np.minimum(-margin, _SIGMOID_LIMIT)) + _ONE + _SIGMOID_EPSILON)


def softmax(margins: np.ndarray) -> np.ndarray:
    """xgboost's ``common::Softmax``: ``expf(x - max)`` in float32, summed in float64 in class order, then each
    divided by the float32 of that sum."""
    exps = expf(margins - margins.max(axis=1, keepdims=True))
    total = np.zeros(len(margins))
    for column in exps.T:
        total += column
    return np.asarray(exps / total.astype(np.float32)[:, None])
