"""Explanations as answers: each feature's exact TreeSHAP contribution and the bias, per row, in the space where
they add up to the prediction (the answer's unit for identity-link regression, else the margin: log-odds for
binary, per class label for multiclass).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference.model.schema import Schema
from inference.trees.objectives import objective_of

_SPACES = {"log": "log of the prediction", "logistic": "log-odds", "identity": "margin"}


def space_of(schema: Schema, objective: str) -> str:
    """What the contributions are measured in (the unit for identity-link regression)."""
    link = objective_of(objective).link
    if schema.task == "regression" and link == "identity":
        return schema.target.unit or "model output"
    if schema.task == "multiclass":
        return "softmax margin per class"
    return "log-odds" if schema.task == "binary" else _SPACES[link]


def explain_answer(schema: Schema, objective: str, contributions: np.ndarray, labels_of_rows: list[str] | None,
                   version: str) -> dict[str, Any]:  # fmt: skip
    """The response body for ``contributions`` of shape (rows, groups, features + 1), the bias last."""
    names = schema.names
    scale = schema.target.scale if schema.task == "regression" and objective_of(objective).link == "identity" else 1.0
    values = contributions * scale
    if schema.task == "multiclass":
        labels = schema.target.labels
        rows: list[dict[str, Any]] = [
            {"label": label, "classes": {name: _part(names, part) for name, part in zip(labels, row, strict=True)}}
            for row, label in zip(values.tolist(), labels_of_rows or [], strict=True)
        ]
    else:
        rows = [_part(names, row[0]) for row in values.tolist()]
        if schema.task == "binary":
            for row, label in zip(rows, labels_of_rows or [], strict=True):
                row["label"] = label
    body: dict[str, Any] = {"explanations": rows, "space": space_of(schema, objective)}
    if schema.task == "binary":
        body["positive_label"] = schema.target.labels[1]
    return body | {"model_version": version, "count": len(rows)}


def _part(names: tuple[str, ...], values: list[float]) -> dict[str, Any]:
    """One output's bias and contributions; ``total`` is their sum (the prediction, or the margin)."""
    bias, contributions = values[-1], values[:-1]
    return {"bias": bias, "contributions": dict(zip(names, contributions, strict=True)),
            "total": bias + float(np.sum(contributions))}  # fmt: skip
