"""CloudWatch embedded metric format: a metric as one JSON log line, which CloudWatch Logs turns into a datapoint.

Lambda extracts these lines from stdout, and CloudWatch Logs from any other log delivery (the ECS awslogs
driver included), so writing a line is publishing the metric: no ``cloudwatch:PutMetricData`` permission,
no API call. Every metric of this project's monitoring is in ``NAMESPACE``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from inference.protocols.json_text import dumps

NAMESPACE = "XgboostServerless/Monitoring"


def emf_line(metrics: Mapping[str, float], *, unit: str = "None", dimensions: Mapping[str, str] | None = None,
             fields: Mapping[str, object] | None = None, timestamp: float | None = None) -> str:  # fmt: skip
    """One line publishing ``metrics`` (name -> value, all in ``unit``) under ``dimensions``; ``fields`` ride
    along as plain log fields."""
    dimensions = dimensions or {}
    declaration = {"Namespace": NAMESPACE, "Dimensions": [list(dimensions)],
                   "Metrics": [{"Name": name, "Unit": unit} for name in metrics]}  # fmt: skip
    stamp = int((time.time() if timestamp is None else timestamp) * 1000)
    document = {"_aws": {"Timestamp": stamp, "CloudWatchMetrics": [declaration]}, **dimensions, **metrics}
    return dumps({**document, **(fields or {})})
