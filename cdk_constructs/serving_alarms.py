"""The alarms of each backend, on the metrics the images write (``inference.metrics``) and on AWS's own. Each
backend's ``deployment`` alarms are the ones a rollout watches (CodeDeploy for a Lambda, ECS for Fargate)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cdk_constructs.monitoring import Monitoring
from inference.metrics.names import NAMESPACE, Dimension, Metric

MINUTE = Duration.minutes(1)
PREDICT_ROUTE = "/predict"


@dataclass(frozen=True)
class Thresholds:
    five_xx_percent: float
    latency_p99_ms: float


@dataclass
class BackendAlarms:
    deployment: list[cloudwatch.Alarm] = field(default_factory=list)
    """What a rollout of this backend watches: any of them firing rolls it back."""
    other: list[cloudwatch.Alarm] = field(default_factory=list)


def served(name: str, statistic: str, backend: str, model_version: str, route: str | None = None) -> cloudwatch.Metric:
    """A metric the images write, for one backend and the model version this deployment serves."""
    dimensions = {Dimension.BACKEND: backend, Dimension.MODEL_VERSION: model_version}
    if route is not None:
        dimensions[Dimension.ROUTE] = route
    return cloudwatch.Metric(
        namespace=NAMESPACE, metric_name=name, dimensions_map=dimensions, statistic=statistic, period=MINUTE
    )


def _share(errors: cloudwatch.IMetric, total: cloudwatch.IMetric, label: str) -> cloudwatch.MathExpression:
    return cloudwatch.MathExpression(
        expression="IF(total > 0, 100 * FILL(errors, 0) / total, 0)",
        using_metrics={"errors": errors, "total": total},
        label=label,
        period=MINUTE,
    )


def _alarm(
    scope: Construct,
    monitoring: Monitoring,
    name: str,
    metric: cloudwatch.IMetric,
    threshold: float,
    description: str,
    *,
    periods: int = 3,
    breaching: int = 2,
) -> cloudwatch.Alarm:
    alarm = cloudwatch.Alarm(
        scope,
        "".join(part.title() for part in name.split("-")),
        alarm_name=monitoring.alarm_name(name),
        alarm_description=description,
        metric=metric,
        threshold=threshold,
        evaluation_periods=periods,
        datapoints_to_alarm=breaching,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    return monitoring.add_alarm(name, alarm)


def served_alarms(
    scope: Construct, monitoring: Monitoring, backend: str, model_version: str, thresholds: Thresholds
) -> list[cloudwatch.Alarm]:
    """The 5xx share and the /predict p99 of what the model version answers on ``backend``."""
    share = _share(
        served(Metric.ERRORS_5XX, "Sum", backend, model_version),
        served(Metric.INVOCATIONS, "Sum", backend, model_version),
        f"{backend} 5xx %",
    )
    p99 = served(Metric.MODEL_LATENCY, "p99", backend, model_version, PREDICT_ROUTE)
    return [
        _alarm(
            scope,
            monitoring,
            f"{backend}-5xx-share",
            share,
            thresholds.five_xx_percent,
            f"More than {thresholds.five_xx_percent:g}% of {backend}'s requests answered 5xx (2 of 3 minutes).",
        ),
        _alarm(
            scope,
            monitoring,
            f"{backend}-p99-latency",
            p99,
            thresholds.latency_p99_ms,
            f"{backend}: p99 of ModelLatency on /predict above {thresholds.latency_p99_ms:g} ms (2 of 3 minutes).",
        ),
    ]


def lambda_alarms(
    scope: Construct,
    monitoring: Monitoring,
    backend: str,
    alias: lambda_.Alias,
    model_version: str,
    thresholds: Thresholds,
) -> BackendAlarms:
    """Served alarms, errors of the version the alias is moving to (crashes, timeouts: the handler answers
    everything else itself), and throttles (capacity, not the version's fault: not a deployment alarm)."""
    function_name = alias.version.lambda_.function_name
    new_version = {
        "FunctionName": function_name,
        "Resource": f"{function_name}:{alias.alias_name}",
        "ExecutedVersion": alias.version.version,
    }
    errors = cloudwatch.Metric(
        namespace="AWS/Lambda", metric_name="Errors", dimensions_map=new_version, statistic="Sum", period=MINUTE
    )
    throttles = alias.version.lambda_.metric_throttles(period=Duration.minutes(5), statistic="Sum")
    alarms = BackendAlarms(served_alarms(scope, monitoring, backend, model_version, thresholds))
    alarms.deployment.append(
        _alarm(
            scope,
            monitoring,
            f"{backend}-errors",
            errors,
            0,
            f"{backend}: the live version's invocations fail (crash, timeout, out of memory).",
            periods=1,
            breaching=1,
        )
    )
    alarms.other.append(
        _alarm(
            scope,
            monitoring,
            f"{backend}-throttles",
            throttles,
            0,
            f"{backend}: invocations throttled (concurrency limit reached).",
            periods=1,
            breaching=1,
        )
    )
    return alarms


def fargate_alarms(
    scope: Construct,
    monitoring: Monitoring,
    backend: str,
    target_group: elbv2.ApplicationTargetGroup,
    load_balancer: elbv2.IApplicationLoadBalancer,
    cpu: cloudwatch.IMetric,
    model_version: str,
    thresholds: Thresholds,
) -> BackendAlarms:
    """Served alarms, the ALB's 5xx share (crashed workers, no healthy target, timeouts) and unhealthy targets
    (deployment alarms), and CPU that stays high at the task limit (capacity)."""
    alb_5xx = cloudwatch.MathExpression(
        expression="target + elb",
        period=MINUTE,
        using_metrics={
            "target": target_group.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=MINUTE),
            "elb": load_balancer.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=MINUTE),
        },
    )
    share = _share(alb_5xx, target_group.metrics.request_count(period=MINUTE), "ALB 5xx %")
    unhealthy = target_group.metrics.unhealthy_host_count(period=MINUTE, statistic="Maximum")
    alarms = BackendAlarms(served_alarms(scope, monitoring, backend, model_version, thresholds))
    alarms.deployment += [
        _alarm(
            scope,
            monitoring,
            f"{backend}-alb-5xx-share",
            share,
            thresholds.five_xx_percent,
            f"More than {thresholds.five_xx_percent:g}% of the ALB's answers for {backend} are 5xx.",
        ),
        _alarm(
            scope,
            monitoring,
            f"{backend}-unhealthy-targets",
            unhealthy,
            0,
            f"{backend}: a task fails the ALB's health check (GET /ping) for 2 of 3 minutes.",
        ),
    ]
    alarms.other.append(
        _alarm(
            scope,
            monitoring,
            f"{backend}-cpu-high",
            cpu,
            80,
            f"{backend}: average CPU above 80% for 15 minutes (at fargateMaxTasks?).",
            periods=3,
            breaching=3,
        )
    )
    return alarms


def api_alarms(
    scope: Construct, monitoring: Monitoring, stage: apigwv2.HttpStage, thresholds: Thresholds
) -> BackendAlarms:
    """API Gateway's own 5xx (integration failures it answers itself: 500, 502, 503, 504)."""
    share = _share(stage.metric_server_error(period=MINUTE), stage.metric_count(period=MINUTE), "API 5xx %")
    return BackendAlarms(
        other=[
            _alarm(
                scope,
                monitoring,
                "api-5xx-share",
                share,
                thresholds.five_xx_percent,
                f"More than {thresholds.five_xx_percent:g}% of the HTTP API's answers are 5xx.",
            )
        ]
    )
