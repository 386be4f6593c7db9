"""MonitoringConfig: what share of requests every backend captures, how long captured records are kept, and how
often the drift monitor runs over which window."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from stacks import config_values as values
from stacks.config_values import ConfigError

_RATE = re.compile(r"rate\((\d+) (hour|hours|day|days)\)")
MAX_WINDOW_HOURS = 24 * 7
"""A week of records in one run (the monitor counts about 10 million records in a run: see the README)."""


@dataclass(frozen=True)
class MonitoringConfig:
    capture_percent: float
    """The share of requests captured on every backend; 0 turns capture, and with it the monitor, off."""
    capture_retention_days: int
    """Captured records expire this many days after they are written."""
    monitor_schedule: str
    """An EventBridge rate expression: ``rate(1 hour)``, ``rate(6 hours)``, ``rate(1 day)``..."""
    monitor_window_hours: int
    """The hours each run reads: the schedule's period, so every captured hour is read exactly once."""

    @property
    def enabled(self) -> bool:
        return self.capture_percent > 0


def monitoring_config(ctx: Mapping[str, object]) -> MonitoringConfig:
    schedule, hours = _schedule("monitorSchedule", ctx["monitorSchedule"])
    return MonitoringConfig(
        capture_percent=values.number("dataCapturePercent", ctx["dataCapturePercent"], minimum=0, maximum=100),
        capture_retention_days=values.integer(
            "captureRetentionDays", ctx["captureRetentionDays"], minimum=1, maximum=3650
        ),
        monitor_schedule=schedule,
        monitor_window_hours=hours,
    )


def _schedule(key: str, value: object) -> tuple[str, int]:
    """A rate in whole hours or days (captured records sit in hourly prefixes), and its length in hours."""
    text = value.strip() if isinstance(value, str) else ""
    match = _RATE.fullmatch(text)
    count = int(match.group(1)) if match else 0
    hours = count * (24 if match and match.group(2).startswith("day") else 1)
    singular = match is not None and not match.group(2).endswith("s")
    if match is None or count < 1 or (count == 1) != singular or hours > MAX_WINDOW_HOURS:
        rule = "rate(1 hour), rate(N hours), rate(1 day) or rate(N days)"
        raise ConfigError(f"context key {key!r} must be {rule}, at most {MAX_WINDOW_HOURS} hours (each run reads that "
                          f"many hours of records), got {value!r}")  # fmt: skip
    return text, hours
