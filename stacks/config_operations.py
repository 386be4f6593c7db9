"""OperationsConfig: who is told when an alarm fires, what the alarms allow, and how a new Lambda version gets
traffic (``alarmEmail``, ``alarm5xxPercent``, ``alarmLatencyP99Ms``, ``lambdaDeploymentConfig``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from stacks import config_values as values
from stacks.config_values import ConfigError

DEPLOYMENT_CONFIGS = (
    "canary10Percent5Minutes", "canary10Percent10Minutes", "canary10Percent15Minutes", "canary10Percent30Minutes",
    "linear10PercentEvery1Minute", "linear10PercentEvery2Minutes", "linear10PercentEvery3Minutes",
    "linear10PercentEvery10Minutes", "allAtOnce",
)  # fmt: skip
"""CodeDeploy's predefined Lambda configurations, as ``aws_codedeploy.LambdaDeploymentConfig`` names them."""
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class OperationsConfig:
    alarm_email: str | None
    """Subscribed to the alarm topic (it must confirm the subscription); None: no subscription."""
    alarm_5xx_percent: float
    """The share of a backend's requests answered 5xx, over a minute, that raises its alarm."""
    alarm_latency_p99_ms: float
    """The p99 of ``ModelLatency`` on ``/predict`` (one minute) that raises a backend's latency alarm."""
    lambda_deployment_config: str
    """One of ``DEPLOYMENT_CONFIGS``."""


DEFAULT_OPERATIONS = OperationsConfig(None, 1.0, 100.0, "canary10Percent5Minutes")


def operations_config(ctx: Mapping[str, object]) -> OperationsConfig:
    return OperationsConfig(
        alarm_email=alarm_email("alarmEmail", ctx["alarmEmail"]),
        alarm_5xx_percent=values.number("alarm5xxPercent", ctx["alarm5xxPercent"], minimum=0.1, maximum=100),
        alarm_latency_p99_ms=values.number("alarmLatencyP99Ms", ctx["alarmLatencyP99Ms"], minimum=1, maximum=30000),
        lambda_deployment_config=values.choice(
            "lambdaDeploymentConfig", ctx["lambdaDeploymentConfig"], DEPLOYMENT_CONFIGS
        ),
    )


def alarm_email(key: str, value: object) -> str | None:
    if values.is_null(value) or value == "":
        return None
    if not isinstance(value, str) or not _EMAIL.fullmatch(value.strip()):
        raise ConfigError(f"context key {key!r} must be null or an e-mail address, got {value!r}")
    return value.strip()
