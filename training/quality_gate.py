"""The quality gate: the final validation metric a model must reach before it is ever served.

The same rule runs in local training and, on AWS, in the training job's custom resource (which receives
the metric, threshold and direction as properties), so a model that misses the spec's threshold is never
written to ``build/models/<dataset>`` nor handed to ServingStack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LOWER_IS_BETTER = {"rmse", "mae", "rmsle", "mape", "logloss", "error", "mlogloss", "merror"}
HIGHER_IS_BETTER = {"auc", "aucpr"}
METRICS_BY_TASK = {
    "regression": ("rmse", "mae", "rmsle", "mape"),
    "binary": ("logloss", "auc", "aucpr", "error"),
    "multiclass": ("mlogloss", "merror"),
}
"""XGBoost evaluation metrics the built-in algorithm reports as ``validation:<metric>``, per task."""


class GateError(ValueError):
    """The quality gate is misconfigured (unknown metric, bad threshold)."""


@dataclass(frozen=True)
class QualityGate:
    metric: str
    threshold: float

    @property
    def channel_metric(self) -> str:
        """The name SageMaker reports it under (FinalMetricDataList)."""
        return f"validation:{self.metric}"

    @property
    def direction(self) -> str:
        return "higher" if self.metric in HIGHER_IS_BETTER else "lower"

    def passes(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return value >= self.threshold if self.direction == "higher" else value <= self.threshold

    def verdict(self, value: float) -> str:
        """One line saying whether ``value`` passes, for logs and errors."""
        comparison = ">=" if self.direction == "higher" else "<="
        outcome = "passes" if self.passes(value) else "MISSES"
        return f"{self.channel_metric} = {value:.6g} {outcome} the quality gate ({comparison} {self.threshold:g})"


def parse_gate(value: object, task: str, where: str) -> QualityGate:
    if not isinstance(value, dict) or set(value) != {"metric", "threshold"}:
        raise GateError(f"{where} must be a table with exactly metric and threshold, got {value!r}")
    metric, threshold = value["metric"], value["threshold"]
    allowed = METRICS_BY_TASK[task]
    if metric not in allowed:
        raise GateError(f"{where}.metric must be one of {', '.join(allowed)} for a {task} task, got {metric!r}")
    if type(threshold) not in (int, float) or not math.isfinite(threshold):
        raise GateError(f"{where}.threshold must be a finite number, got {threshold!r}")
    return QualityGate(metric, float(threshold))
