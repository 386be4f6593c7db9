"""Explanations as answers: each feature's exact TreeSHAP contribution and the bias, per row, in the space where
they add up to the prediction (the answer's unit for identity-link regression, else the margin: log-odds for
binary, per class label for multiclass). ``total`` is the row's margin as served (xgboost's, bit for bit), to
which the bias and contributions (exact, in float64) add up within float32 rounding, as xgboost's own do.
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


def explain_answer(schema: Schema, objective: str, contributions: np.ndarray, margins: np.ndarray,
                   labels_of_rows: list[str] | None, version: str) -> dict[str, Any]:  # fmt: skip
    """The response body for ``contributions`` of shape (rows, groups, features + 1), the bias last, and the rows'
    served ``margins`` (rows, groups)."""
    names = schema.names
    scale = schema.target.scale if schema.task == "regression" and objective_of(objective).link == "identity" else 1.0
    values, totals = (contributions * scale).tolist(), (np.asarray(margins, dtype=np.float64) * scale).tolist()
    if schema.task == "multiclass":
        labels = schema.target.labels
        rows: list[dict[str, Any]] = [
            {"label": label, "classes": {name: _part(names, part, total)
                                         for name, part, total in zip(labels, row, row_totals, strict=True)}}
            for row, row_totals, label in zip(values, totals, labels_of_rows or [], strict=True)
        ]  # fmt: skip
    else:
        rows = [_part(names, row[0], total[0]) for row, total in zip(values, totals, strict=True)]
        if schema.task == "binary":
            for row, label in zip(rows, labels_of_rows or [], strict=True):
                row["label"] = label
    body: dict[str, Any] = {"explanations": rows, "space": space_of(schema, objective)}
    if schema.task == "binary":
        body["positive_label"] = schema.target.labels[1]
    return body | {"model_version": version, "count": len(rows)}


def _part(names: tuple[str, ...], values: list[float], total: float) -> dict[str, Any]:
    """One output's bias and contributions, and ``total``, the served margin they add up to."""
    bias, contributions = values[-1], values[:-1]
    return {"bias": bias, "contributions": dict(zip(names, contributions, strict=True)), "total": total}
