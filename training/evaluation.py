"""Held-out metrics per task, and facts about a trained booster.

Regression: RMSE, MAE and R² in model units, and RMSE and MAE in the target's unit (model units x scale:
California's ``*_usd``). Classification: log loss, AUC (binary; one-vs-rest macro average for multi-class),
accuracy and the confusion matrix with the label names. Class probabilities come from the booster's margins
(sigmoid, softmax), so they exist for every classification objective, ``binary:hinge`` and
``multi:softmax`` included; the predicted class is the most probable one.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from inference.model.schema import Target


def predictions(booster: Any, features: np.ndarray, target: Target) -> np.ndarray:
    """Regression: the predicted values (n,). Classification: class probabilities (n, classes)."""
    if target.task == "regression":
        return np.asarray(booster.inplace_predict(features), dtype=np.float64)
    margins = np.asarray(booster.inplace_predict(features, predict_type="margin"), dtype=np.float64)
    if target.task == "binary":
        positive = 1.0 / (1.0 + np.exp(-margins.reshape(-1)))
        return np.column_stack([1.0 - positive, positive])
    exps = np.exp(margins - margins.max(axis=1, keepdims=True))
    return np.asarray(exps / exps.sum(axis=1, keepdims=True))


def held_out_metrics(actual: np.ndarray, predicted: np.ndarray, target: Target) -> dict[str, Any]:
    if target.task == "regression":
        return regression_metrics(actual, predicted, target)
    return classification_metrics(actual.astype(np.int64), predicted, target.labels)


def unit_suffix(target: Target) -> str | None:
    """The key suffix of figures in the target's unit (``usd``), or None when the unit is the model's own."""
    if not target.unit and target.scale == 1.0:
        return None
    return re.sub(r"[^a-z0-9]+", "_", target.unit.lower()).strip("_") or "scaled"


def regression_metrics(actual: np.ndarray, predicted: np.ndarray, target: Target) -> dict[str, Any]:
    errors = predicted.astype(np.float64) - actual.astype(np.float64)
    rmse = float(np.sqrt(np.mean(errors**2)))
    mae = float(np.mean(np.abs(errors)))
    spread = float(np.sum((actual - np.mean(actual)) ** 2))
    scores: dict[str, Any] = {
        "rmse": rmse,
        "mae": mae,
        "r2": 1.0 - float(np.sum(errors**2)) / spread if spread else None,
    }
    suffix = unit_suffix(target)
    if suffix is not None:
        scores |= {f"rmse_{suffix}": rmse * abs(target.scale), f"mae_{suffix}": mae * abs(target.scale)}
    return scores


def classification_metrics(actual: np.ndarray, probabilities: np.ndarray, labels: tuple[str, ...]) -> dict[str, Any]:
    from sklearn.metrics import confusion_matrix, log_loss

    classes = list(range(len(labels)))
    predicted = probabilities.argmax(axis=1)
    matrix = confusion_matrix(actual, predicted, labels=classes)
    return {
        "logloss": float(log_loss(actual, probabilities, labels=classes)),
        "auc": _auc(actual, probabilities),
        "accuracy": float(np.mean(predicted == actual)),
        "confusion_matrix": {"labels": list(labels), "rows_actual_columns_predicted": matrix.tolist()},
    }


def _auc(actual: np.ndarray, probabilities: np.ndarray) -> float | None:
    """ROC AUC (one-vs-rest macro for multi-class); None when a class is absent from the held-out rows."""
    from sklearn.metrics import roc_auc_score

    if len(np.unique(actual)) != probabilities.shape[1]:
        return None
    if probabilities.shape[1] == 2:
        return float(roc_auc_score(actual, probabilities[:, 1]))
    return float(roc_auc_score(actual, probabilities, multi_class="ovr", average="macro"))


def booster_facts(booster: Any) -> dict[str, Any]:
    """Tree count (every class's trees), depth and learning rate as the trained booster itself reports them."""
    config = json.loads(booster.save_config())["learner"]["gradient_booster"]
    tree_params = config["tree_train_param"]
    return {
        "trees": int(config["gbtree_model_param"]["num_trees"]),
        "max_depth": int(tree_params["max_depth"]),
        "eta": round(float(tree_params["eta"]), 6),
    }
