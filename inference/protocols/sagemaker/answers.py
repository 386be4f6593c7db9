"""The answers of SageMaker's built-in XGBoost container: per row its default ``score`` or its selectable output
keys, as its serving code computes them (labels are class indices, ``raw_scores`` of a single-output
classifier ``[1 - x, x]``). How each format writes them: ``inference.protocols.formats``.
"""

from __future__ import annotations

from typing import Any

from inference.errors import InvalidInput, echoed
from inference.trees.objectives import objective_of

KEY_ORDER = ("predicted_label", "labels", "probability", "probabilities", "raw_score", "raw_scores", "predicted_score")
_SCORES = ("predicted_label", "labels", "raw_score", "raw_scores")
_PROBABILITIES = ("predicted_label", "labels", "probability", "probabilities", "raw_score", "raw_scores")


def key_list(text: str) -> list[str]:
    """Comma-separated keys, case-insensitive, blanks dropped."""
    return [key.strip().lower() for key in text.split(",") if key.strip()]


def selected_keys(text: str | None, objective: str, field: str) -> list[str] | None:
    """The requested keys in order (repeats kept, as the container keeps them), or None for the default answer."""
    keys = key_list(text or "")
    if not keys:
        return None
    valid = valid_keys(objective)
    for key in keys:
        if key not in valid:
            what = "is not available for" if key in KEY_ORDER else "is not an output key; keys for"
            raise InvalidInput(f"{echoed(key)!r} {what} {objective} models: {', '.join(valid)}",
                               code="invalid_output_key", field=field)  # fmt: skip
    return keys


def valid_keys(objective: str) -> tuple[str, ...]:
    if objective_of(objective).task == "regression":
        return ("predicted_score",)  # every regression objective (the container knows four, and fails on others)
    return _PROBABILITIES if objective in ("binary:logistic", "multi:softprob") else _SCORES


def row_outputs(objective: str, value: Any, num_groups: int) -> dict[str, Any]:
    """Every key valid for ``objective``, for one row's prediction, in the container's key order."""
    if objective_of(objective).task == "regression":
        return {"predicted_score": value}
    labels = list(range(max(num_groups, 2)))
    if objective == "multi:softprob":
        best = max(value)
        return {"predicted_label": value.index(best), "labels": labels, "probability": best, "probabilities": value,
                "raw_score": best, "raw_scores": value}  # fmt: skip
    if objective == "binary:logistic":
        label: Any = int(value > 0.5)
    elif objective == "binary:logitraw":
        label = int(value > 0)
    else:
        label = value  # binary:hinge and multi:softmax predict the label itself
    outputs: dict[str, Any] = {"predicted_label": label, "labels": labels}
    if objective == "binary:logistic":
        outputs |= {"probability": value, "probabilities": [1.0 - value, value]}
    return outputs | {"raw_score": value, "raw_scores": [1.0 - value, value]}


def records(values: list[Any], keys: list[str] | None, objective: str, num_groups: int) -> list[dict[str, Any]]:
    """Each row's answer as the container writes it: ``{"score": x}`` by default, else the selected keys in the
    container's fixed key order (CSV writes them in the order asked, from these records)."""
    if keys is None:
        return [{"score": value} for value in values]
    chosen = [key for key in KEY_ORDER if key in keys]
    return [
        {key: outputs[key] for key in chosen} for outputs in (row_outputs(objective, v, num_groups) for v in values)
    ]
