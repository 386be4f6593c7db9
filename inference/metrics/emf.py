"""CloudWatch embedded metric format: a metric as one JSON log line, which CloudWatch Logs turns into a datapoint.

Lambda extracts these lines from stdout, and CloudWatch Logs from any other log delivery (the ECS awslogs
driver included), so writing a line is publishing the metric: no ``cloudwatch:PutMetricData`` permission,
no API call. ``document`` is the one shape every metric of this project takes: the request window's
(``window``) and the capture and monitoring lines (``emf_line``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from inference.metrics.names import MONITORING_NAMESPACE
from inference.protocols.json_text import dumps


def directive(namespace: str, units: Mapping[str, str], dimensions: list[list[str]]) -> dict[str, Any]:
    """Which members are metrics (name -> unit), in which namespace, under which dimension sets."""
    metrics = [{"Name": name, "Unit": unit} for name, unit in units.items()]
    return {"Namespace": namespace, "Dimensions": dimensions, "Metrics": metrics}


def document(timestamp_ms: int, directives: Sequence[dict[str, Any]], dimensions: Mapping[str, str],
             members: Mapping[str, Any]) -> dict[str, Any]:  # fmt: skip
    """One EMF document: the directives, the dimensions' values and the members (metrics and plain fields)."""
    return {"_aws": {"Timestamp": timestamp_ms, "CloudWatchMetrics": list(directives)}, **dimensions, **members}


def write_line(document: Mapping[str, Any]) -> None:
    """``document`` as one line on stdout, where Lambda and the ECS log driver hand it to CloudWatch Logs; flushed,
    as a container's stdout is block-buffered (documents are written every few seconds, not per request)."""
    sys.stdout.write(dumps(document) + "\n")
    sys.stdout.flush()


def emf_line(metrics: Mapping[str, float], *, unit: str = "None", dimensions: Mapping[str, str] | None = None,
             fields: Mapping[str, object] | None = None, timestamp: float | None = None) -> str:  # fmt: skip
    """One line publishing ``metrics`` (name -> value, all in ``unit``) in ``MONITORING_NAMESPACE`` under
    ``dimensions``; ``fields`` ride along as plain log fields."""
    dimensions = dimensions or {}
    declaration = directive(MONITORING_NAMESPACE, dict.fromkeys(metrics, unit), [list(dimensions)])
    stamp = int((time.time() if timestamp is None else timestamp) * 1000)
    return dumps(document(stamp, [declaration], dimensions, {**metrics, **(fields or {})}))
