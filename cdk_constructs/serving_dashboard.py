"""The serving dashboard: the three backends side by side, one row per question an on-call engineer asks.

The images' metrics are found with SEARCH, so every model version shows (a rollout draws the old version's
line fading and the new one's rising); AWS's own metrics are the deployed resources'."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs

from cdk_constructs.monitoring import Monitoring
from inference.metrics.names import NAMESPACE, Dimension, Metric

PERIOD = Duration.minutes(1)
PREDICT = "/predict"
WIDTH = 24


@dataclass(frozen=True)
class BackendPanel:
    """One backend's column: its name (the ``Backend`` dimension) and AWS's metrics of it."""

    backend: str
    concurrency: cloudwatch.IMetric
    errors: Sequence[cloudwatch.IMetric]
    """Platform errors: Lambda errors and throttles, or the ALB's 5xx and unhealthy targets."""


def search(
    name: str, statistic: str, backend: str, dimensions: Sequence[str] = (), label: str = "", route: str | None = None
) -> cloudwatch.IMetric:
    """Every series of ``name`` for ``backend`` (and ``route``) whose dimensions are Backend, ModelVersion and
    ``dimensions``: one line per model version."""
    keys = ",".join([NAMESPACE, Dimension.BACKEND, *dimensions, Dimension.MODEL_VERSION])
    where = f'{Dimension.BACKEND}="{backend}" MetricName="{name}"'
    where += f' {Dimension.ROUTE}="{route}"' if route else ""
    expression = f"SEARCH('{{{keys}}} {where}', '{statistic}', 60)"
    return cloudwatch.MathExpression(expression=expression, using_metrics={}, label=label or name, period=PERIOD)


def per_backend(name: str, statistic: str, backend: str) -> cloudwatch.Metric:
    """A metric written once per process (a cold start), by ``Backend`` alone."""
    dimensions = {Dimension.BACKEND: backend}
    return cloudwatch.Metric(namespace=NAMESPACE, metric_name=name, statistic=statistic, period=PERIOD,
                             dimensions_map=dimensions)  # fmt: skip


def _graph(
    title: str, metrics: Sequence[cloudwatch.IMetric], width: int, *, stacked: bool = False
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=width, height=6, stacked=stacked)


def add_serving_dashboard(
    monitoring: Monitoring, panels: Sequence[BackendPanel], log_groups: Sequence[logs.ILogGroup]
) -> None:
    """One row per question, one column per backend."""
    width = WIDTH // len(panels)
    monitoring.add_row(cloudwatch.TextWidget(markdown=_HEADER, width=WIDTH, height=2))
    rows: list[tuple[str, Sequence[cloudwatch.IMetric]]] = []
    for title, metrics_of in _ROWS:
        for panel in panels:
            rows.append((f"{panel.backend}: {title}", metrics_of(panel)))
    for start in range(0, len(rows), len(panels)):
        monitoring.add_row(*(_graph(title, metrics, width) for title, metrics in rows[start : start + len(panels)]))
    monitoring.add_row(
        cloudwatch.LogQueryWidget(
            title="Model version served (requests counted by each backend, last 3 hours)",
            log_group_names=[group.log_group_name for group in log_groups],
            width=WIDTH,
            height=5,
            query_lines=[
                f"filter ispresent({Metric.INVOCATIONS}) and ispresent({Dimension.ROUTE})",
                f"stats sum({Metric.INVOCATIONS}) as requests, max(@timestamp) as last_seen by "
                f"{Dimension.BACKEND}, {Dimension.MODEL_VERSION}",
                "sort last_seen desc",
            ],
        )
    )
    monitoring.add_row(
        cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(monitoring.alarms.values()), width=WIDTH, height=4)
    )


_HEADER = (
    "## Serving: three backends side by side\n"
    "Requests, latency, errors, cold starts and answers come from the images' own metrics (`XgboostServerless`, "
    "one line per model version); concurrency and platform errors from AWS. README: *Operating it*."
)
_ROWS = (
    (
        "requests and errors",
        lambda p: [
            search(Metric.INVOCATIONS, "Sum", p.backend, label="requests"),
            search(Metric.ERRORS_4XX, "Sum", p.backend, label="4xx"),
            search(Metric.ERRORS_5XX, "Sum", p.backend, label="5xx"),
        ],
    ),
    (
        "/predict latency p50 / p99 (ms)",
        lambda p: [
            search(Metric.MODEL_LATENCY, "p50", p.backend, [Dimension.ROUTE], "model p50", PREDICT),
            search(Metric.MODEL_LATENCY, "p99", p.backend, [Dimension.ROUTE], "model p99", PREDICT),
            search(Metric.OVERHEAD_LATENCY, "p99", p.backend, [Dimension.ROUTE], "overhead p99", PREDICT),
        ],
    ),
    ("platform errors", lambda p: list(p.errors)),
    (
        "cold starts, init and model load (ms)",
        lambda p: [
            per_backend(Metric.COLD_START, "Sum", p.backend),
            per_backend(Metric.INIT_DURATION, "Maximum", p.backend),
            per_backend(Metric.MODEL_LOAD_TIME, "Maximum", p.backend),
        ],
    ),
    ("concurrency", lambda p: [p.concurrency]),
    (
        "answers: values p10 / p50 / p90, or rows per label",
        lambda p: [
            search(Metric.PREDICTION, "p10", p.backend, label="p10"),
            search(Metric.PREDICTION, "p50", p.backend, label="p50"),
            search(Metric.PREDICTION, "p90", p.backend, label="p90"),
            search(Metric.PREDICTED_LABEL, "Sum", p.backend, [Dimension.LABEL], "rows"),
        ],
    ),
)
