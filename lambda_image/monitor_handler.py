"""The Lambda image's third command: the scheduled drift monitor (``CMD ["monitor_handler.handler"]``).

An EventBridge schedule invokes it; the window is the ``MONITOR_WINDOW_HOURS`` whole hours that ended at least
``DELIVERY_LAG`` before the event's ``time`` (Firehose has written them by then), or the one an event names
(``{"window_start": "2026-05-01T09", "hours": 24}``, to run a past window again once its ground truth is in).
The work is ``inference.monitoring.run``'s: the report goes to ``REPORT_URI`` (``<window>/`` and ``latest/``)
and the metrics are embedded-metric lines on stdout.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from inference.monitoring.run import Sources, load_subject, metric_lines, monitor
from inference.monitoring.store import Store, Window
from inference.settings import Settings

DELIVERY_LAG = dt.timedelta(minutes=15)
"""Firehose writes a record at most its buffering interval (5 minutes here) after it arrives."""
SETTINGS = Settings.from_environ()


def handler(event: Any, context: Any) -> dict[str, Any]:
    settings = SETTINGS.monitor
    if settings.capture_uri is None or settings.report_uri is None:
        raise ValueError("CAPTURE_URI and REPORT_URI must be set")
    bundle, baseline = load_subject(SETTINGS)
    now = dt.datetime.now(dt.UTC)
    window = window_of(event if isinstance(event, dict) else {}, settings.window_hours, now)
    truth = Store(settings.ground_truth_uri) if settings.ground_truth_uri else None
    sources = Sources(Store(settings.capture_uri), truth, Store(settings.report_uri), (f"{window.name}/", "latest/"))
    document, written = monitor(bundle, baseline, sources, window, now)
    sys.stdout.write("".join(line + "\n" for line in metric_lines(document)))
    sys.stdout.flush()
    return {"window": window.name, "rows": document["rows"], "drifted_features": document["drifted_features"],
            "reports": written}  # fmt: skip


def window_of(event: dict[str, Any], hours: int, now: dt.datetime) -> Window:
    """The window an event names (``window_start``, ``hours``), else the one before the scheduled ``time``."""
    if "window_start" in event:
        start = dt.datetime.strptime(str(event["window_start"]), "%Y-%m-%dT%H").replace(tzinfo=dt.UTC)
        return Window(start, int(event.get("hours", hours)))
    moment = now
    if isinstance(event.get("time"), str):
        moment = dt.datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return Window.ending_before(moment, hours, DELIVERY_LAG)
