"""The quality gate: which final validation metrics pass, the verdict line, and a misconfigured gate's message."""

from __future__ import annotations

import math

import pytest

from training.quality_gate import METRICS_BY_TASK, GateError, QualityGate, parse_gate


@pytest.mark.parametrize(
    ("metric", "value", "passes"),
    [("rmse", 0.59, True), ("rmse", 0.6, True), ("rmse", 0.61, False), ("auc", 0.95, True), ("auc", 0.949, False),
     ("mlogloss", 0.4, True), ("mlogloss", 0.41, False), ("auc", math.nan, False), ("rmse", math.inf, False)],
)  # fmt: skip
def test_lower_is_better_except_for_auc_and_a_non_finite_value_never_passes(
    metric: str, value: float, passes: bool
) -> None:
    threshold = 0.95 if metric == "auc" else 0.6 if metric == "rmse" else 0.4
    assert QualityGate(metric, threshold).passes(value) is passes


def test_the_verdict_says_the_channel_metric_the_value_and_the_bar() -> None:
    assert QualityGate("auc", 0.95).verdict(0.9843751) == "validation:auc = 0.984375 passes the quality gate (>= 0.95)"
    assert QualityGate("rmse", 0.6).verdict(0.75) == "validation:rmse = 0.75 MISSES the quality gate (<= 0.6)"
    assert QualityGate("aucpr", 0.5).direction == "higher" and QualityGate("merror", 0.1).direction == "lower"


def test_every_task_metric_has_a_direction() -> None:
    for metrics in METRICS_BY_TASK.values():
        for metric in metrics:
            assert QualityGate(metric, 0.5).direction in ("higher", "lower")


@pytest.mark.parametrize(
    ("value", "task", "message"),
    [
        ({"metric": "rmse"}, "regression",
         "gate must be a table with exactly metric and threshold, got {'metric': 'rmse'}"),
        ({"metric": "auc", "threshold": 0.9}, "regression",
         "gate.metric must be one of rmse, mae, rmsle, mape for a regression task, got 'auc'"),
        ({"metric": "auc", "threshold": math.inf}, "binary", "gate.threshold must be a finite number, got inf"),
        ({"metric": "merror", "threshold": True}, "multiclass", "gate.threshold must be a finite number, got True"),
    ],
)  # fmt: skip
def test_a_misconfigured_gate_is_refused_with_the_key(value: object, task: str, message: str) -> None:
    with pytest.raises(GateError) as error:
        parse_gate(value, task, "gate")
    assert str(error.value) == message
    assert parse_gate({"metric": "mae", "threshold": 1}, "regression", "gate") == QualityGate("mae", 1.0)
