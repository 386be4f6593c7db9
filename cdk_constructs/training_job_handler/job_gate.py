"""The quality gate as the custom resource receives it, judged against a completed job's final metrics.

The rule is the dataset spec's (``training/quality_gate.py``, which local training applies too); the
construct sends the metric's reported name, the threshold and the direction, so this Lambda package
needs nothing from ``training/`` and no table of metrics: it compares one number with another.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DIRECTIONS = {"lower": "<=", "higher": ">="}
NEXT_STEP = (
    "Improve the data or the hyperparameters in the dataset spec (or relax its [training.quality_gate] if the "
    "threshold is stricter than the task needs), then deploy again. Deploying the same inputs again reuses this "
    "job and fails the same way."
)


@dataclass(frozen=True)
class JobGate:
    metric: str
    """As SageMaker reports it in FinalMetricDataList: ``validation:rmse``, ``validation:auc``..."""
    threshold: float
    direction: str
    """``lower`` (the value must be at most the threshold) or ``higher`` (at least)."""

    @classmethod
    def from_property(cls, value: object) -> JobGate | None:
        """The ``QualityGate`` property; None when absent (a template from before the gate existed)."""
        if value is None:
            return None
        if not isinstance(value, Mapping) or set(value) != {"Metric", "Threshold", "Direction"}:
            raise ValueError(f"resource property QualityGate must hold Metric, Threshold and Direction, got {value!r}")
        metric, threshold, direction = value["Metric"], value["Threshold"], value["Direction"]
        if not isinstance(metric, str) or ":" not in metric:
            raise ValueError(f"resource property QualityGate.Metric must look like 'validation:rmse', got {metric!r}")
        if direction not in DIRECTIONS:
            raise ValueError(f"resource property QualityGate.Direction must be lower or higher, got {direction!r}")
        try:
            number = float(threshold)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(f"resource property QualityGate.Threshold must be a finite number, got {threshold!r}")
        return cls(metric, number, direction)

    def passes(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return value <= self.threshold if self.direction == "lower" else value >= self.threshold

    def failure(self, job: Mapping[str, Any]) -> str | None:
        """None when the completed ``job`` (a DescribeTrainingJob response) passes; else why it does not."""
        metrics = final_metrics(job)
        name, rule = job["TrainingJobName"], f"{DIRECTIONS[self.direction]} {self.threshold:g}"
        if self.metric not in metrics:
            reported = ", ".join(sorted(metrics)) or "none"
            bare = self.metric.partition(":")[2]
            return (
                f"training job {name} completed but reported no {self.metric} (it reported: {reported}), so the "
                f"quality gate ({self.metric} {rule}) cannot be checked and its model is not served. Make sure "
                f"eval_metric in the hyperparameters includes {bare}, then deploy again."
            )
        value = metrics[self.metric]
        if self.passes(value):
            return None
        return (
            f"training job {name} completed but its model misses the quality gate: {self.metric} = {value:.6g}, "
            f"which must be {rule}. The model is not served. {NEXT_STEP}"
        )


def final_metrics(job: Mapping[str, Any]) -> dict[str, float]:
    return {m["MetricName"]: float(m["Value"]) for m in job.get("FinalMetricDataList", [])}
