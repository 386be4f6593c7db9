"""Predictions as answers: values in the schema's unit for regression, labels and probabilities for classes.

- regression: ``{"predictions": [v, ...], "unit": ...}``, each value the model's output times the schema's
  ``scale``, rounded to its ``decimals`` (California: x 100,000 USD, to the cent); no ``unit`` where the spec
  gives none (an empty one would read as a unit);
- binary: ``{"predictions": [{"label", "probability", "probabilities"}, ...]}``, the label the spec names
  for the more likely class and its probability (``binary:hinge`` answers the label only);
- multiclass: the same with one probability per class label (``multi:softmax`` answers the label only).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from inference.model.schema import Schema, Target
from inference.trees.objectives import objective_of


def answer(schema: Schema, objective: str, predicted: np.ndarray, version: str) -> dict[str, Any]:
    """The response body for ``predicted`` (what ``TreeEnsemble.predict`` returned for the rows: xgboost's float32
    predictions, widened to float64 here so that scaling and rounding them loses nothing)."""
    output = objective_of(objective).output
    predicted = np.asarray(predicted, dtype=np.float64)
    one = len(predicted) == 1  # one request row: Python floats, same values
    if output == "value":
        target = schema.target
        values = [_scaled(float(predicted[0]), target)] if one else _scaled_values(predicted, target)
        unit = {"unit": target.unit} if target.unit else {}
        return {"predictions": values, **unit, "model_version": version, "count": len(values)}
    labels = schema.target.labels
    if output == "label":
        rows: list[dict[str, Any]] = [{"label": labels[int(i)]} for i in predicted.tolist()]
    else:
        if one and output == "probability":
            positive = float(predicted[0])
            probabilities = [[1.0 - positive, positive]]
        else:
            probabilities = _class_probabilities(output, predicted).tolist()
        rows = [_labelled(labels, row) for row in probabilities]
    return {"predictions": rows, "model_version": version, "count": len(rows)}


def _scaled_values(predicted: np.ndarray, target: Target) -> list[float]:
    values = predicted * target.scale
    scaled: list[float] = (values if target.decimals is None else np.round(values, target.decimals)).tolist()
    return scaled


def _scaled(value: float, target: Target) -> float:
    """``_scaled_values`` of one float64, on Python floats: ``np.round(x, d)`` is ``rint(x * 10**d) / 10**d``,
    and ``round`` rounds a float half to even as ``rint`` does (the sign of a zero is kept apart)."""
    scaled = value * target.scale
    decimals = target.decimals
    if decimals is None:
        return scaled
    factor = float(10**decimals) if 0 <= decimals <= 22 else math.nan  # 10**d exact as a float up to 22
    shifted = scaled * factor
    if not math.isfinite(shifted):
        return float(_scaled_values(np.array([value]), target)[0])
    return (float(round(shifted)) or math.copysign(0.0, shifted)) / factor


def class_probabilities(objective: str, predicted: np.ndarray) -> np.ndarray | None:
    """(n, classes) probabilities of a classifier's predictions, or None when the objective gives none."""
    output = objective_of(objective).output
    return None if output in ("value", "label") else _class_probabilities(output, predicted)


def _class_probabilities(output: str, predicted: np.ndarray) -> np.ndarray:
    if output == "probabilities":
        return predicted
    positive = predicted if output == "probability" else 1.0 / (1.0 + np.exp(-predicted))  # "score": log-odds
    return np.column_stack((1.0 - positive, positive))


def _labelled(labels: tuple[str, ...], probabilities: list[float]) -> dict[str, Any]:
    best = max(range(len(probabilities)), key=probabilities.__getitem__)  # the first of equals, like argmax
    return {"label": labels[best], "probability": probabilities[best],
            "probabilities": dict(zip(labels, probabilities, strict=True))}  # fmt: skip


def predicted_labels(schema: Schema, objective: str, predicted: np.ndarray) -> list[str] | None:
    """The label answered for each row (classification), or None for regression."""
    if schema.task == "regression":
        return None
    return [row["label"] for row in answer(schema, objective, predicted, "")["predictions"]]
