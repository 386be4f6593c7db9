"""The alarms of each backend, on the metrics the images write (``inference.metrics``) and on AWS's own. Each
backend's ``deployment`` alarms are the ones a rollout watches (CodeDeploy for a Lambda, ECS for Fargate)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_

from cdk_constructs.monitoring import Monitoring, alarm_id
from inference.metrics.names import NAMESPACE, Dimension, Metric

MINUTE = Duration.minutes(1)
PREDICT_ROUTE = "/predict"


@dataclass(frozen=True)
class Thresholds:
    five_xx_percent: float
    latency_p99_ms: float


@dataclass(frozen=True)
class AlarmSpec:
    """An alarm when ``metric`` exceeds ``threshold`` in ``breaching`` of ``periods`` periods."""

    name: str
    metric: cloudwatch.IMetric
    threshold: float
    description: str
    periods: int = 3
    breaching: int = 2


@dataclass
class BackendAlarms:
    deployment: list[cloudwatch.Alarm] = field(default_factory=list)
    """What a rollout of this backend watches: any of them firing rolls it back."""
    other: list[cloudwatch.Alarm] = field(default_factory=list)
    deployment_names: list[str] = field(default_factory=list)
    """The names of ``deployment``, as literal strings: ECS's deployment alarms must be given names, not the
    alarms' ``Ref`` (the alarms read the service's own metrics, so a ``Ref`` back to them would be a cycle)."""


def served(name: str, statistic: str, backend: str, model_version: str, route: str | None = None) -> cloudwatch.Metric:
    """A metric the images write, for one backend and the model version this deployment serves."""
    dimensions = {Dimension.BACKEND: backend, Dimension.MODEL_VERSION: model_version}
    if route is not None:
        dimensions[Dimension.ROUTE] = route
    return cloudwatch.Metric(namespace=NAMESPACE, metric_name=name, dimensions_map=dimensions, statistic=statistic,
                             period=MINUTE)  # fmt: skip


def share(errors: cloudwatch.IMetric, total: cloudwatch.IMetric, label: str) -> cloudwatch.MathExpression:
    """100 x errors / total, 0 without traffic."""
    expression = "IF(total > 0, 100 * FILL(errors, 0) / total, 0)"
    metrics = {"errors": errors, "total": total}
    return cloudwatch.MathExpression(expression=expression, using_metrics=metrics, label=label, period=MINUTE)


def build(monitoring: Monitoring, deployment: list[AlarmSpec], other: tuple[AlarmSpec, ...] = ()) -> BackendAlarms:
    """The alarms of ``deployment`` and ``other``, notifying ``monitoring``'s topic."""

    def alarm(spec: AlarmSpec) -> cloudwatch.Alarm:
        made = cloudwatch.Alarm(
            monitoring, alarm_id(spec.name), alarm_name=monitoring.alarm_name(spec.name),
            alarm_description=spec.description, metric=spec.metric, threshold=spec.threshold,
            evaluation_periods=spec.periods, datapoints_to_alarm=spec.breaching,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )  # fmt: skip
        return monitoring.add_alarm(spec.name, made)

    return BackendAlarms(
        [alarm(spec) for spec in deployment],
        [alarm(spec) for spec in other],
        [monitoring.alarm_name(spec.name) for spec in deployment],
    )


def served_alarms(backend: str, model_version: str, thresholds: Thresholds) -> list[AlarmSpec]:
    """The 5xx share and the /predict p99 of what the model version answers on ``backend``."""
    errors = share(served(Metric.ERRORS_5XX, "Sum", backend, model_version),
                   served(Metric.INVOCATIONS, "Sum", backend, model_version), f"{backend} 5xx %")  # fmt: skip
    p99 = served(Metric.MODEL_LATENCY, "p99", backend, model_version, PREDICT_ROUTE)
    percent, latency = thresholds.five_xx_percent, thresholds.latency_p99_ms
    return [
        AlarmSpec(f"{backend}-5xx-share", errors, percent,
                  f"More than {percent:g}% of {backend}'s requests answered 5xx (2 of 3 minutes)."),
        AlarmSpec(f"{backend}-p99-latency", p99, latency,
                  f"{backend}: p99 of ModelLatency on /predict above {latency:g} ms (2 of 3 minutes)."),
    ]  # fmt: skip


def lambda_alarms(monitoring: Monitoring, backend: str, alias: lambda_.Alias, model_version: str,
                  thresholds: Thresholds) -> BackendAlarms:  # fmt: skip
    """Served alarms, errors of the version the alias is moving to (crashes, timeouts: the handler answers
    everything else itself), and throttles (capacity, not the version's fault: not a deployment alarm)."""
    function = alias.version.lambda_
    new_version = {"FunctionName": function.function_name, "Resource": f"{function.function_name}:{alias.alias_name}",
                   "ExecutedVersion": alias.version.version}  # fmt: skip
    errors = cloudwatch.Metric(namespace="AWS/Lambda", metric_name="Errors", dimensions_map=new_version,
                               statistic="Sum", period=MINUTE)  # fmt: skip
    throttles = function.metric_throttles(period=Duration.minutes(5), statistic="Sum")
    failing = AlarmSpec(f"{backend}-errors", errors, 0,
                        f"{backend}: the live version's invocations fail (crash, timeout, memory).", 1, 1)  # fmt: skip
    throttled = AlarmSpec(f"{backend}-throttles", throttles, 0,
                          f"{backend}: invocations throttled (concurrency limit reached).", 1, 1)  # fmt: skip
    return build(monitoring, [*served_alarms(backend, model_version, thresholds), failing], (throttled,))


def fargate_alarms(monitoring: Monitoring, backend: str, target_group: elbv2.ApplicationTargetGroup,
                   load_balancer: elbv2.IApplicationLoadBalancer, cpu: cloudwatch.IMetric, model_version: str,
                   thresholds: Thresholds) -> BackendAlarms:  # fmt: skip
    """Served alarms, the ALB's 5xx share (crashed workers, no healthy target, timeouts) and unhealthy targets
    (deployment alarms), and CPU that stays high at the task limit (capacity)."""
    answered_5xx = cloudwatch.MathExpression(expression="target + elb", period=MINUTE, using_metrics={
        "target": target_group.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=MINUTE),
        "elb": load_balancer.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=MINUTE)})  # fmt: skip
    alb_share = share(answered_5xx, target_group.metrics.request_count(period=MINUTE), "ALB 5xx %")
    unhealthy = target_group.metrics.unhealthy_host_count(period=MINUTE, statistic="Maximum")
    percent = thresholds.five_xx_percent
    deployment = [*served_alarms(backend, model_version, thresholds),
                  AlarmSpec(f"{backend}-alb-5xx-share", alb_share, percent,
                            f"More than {percent:g}% of the ALB's answers for {backend} are 5xx."),
                  AlarmSpec(f"{backend}-unhealthy-targets", unhealthy, 0,
                            f"{backend}: a task fails the ALB's GET /ping health check (2 of 3 minutes).")]  # fmt: skip
    hot = AlarmSpec(f"{backend}-cpu-high", cpu, 80,
                    f"{backend}: average CPU above 80% for 15 minutes (at fargateMaxTasks?).", 3, 3)  # fmt: skip
    return build(monitoring, deployment, (hot,))


def api_alarms(monitoring: Monitoring, stage: apigwv2.HttpStage, thresholds: Thresholds) -> BackendAlarms:
    """API Gateway's own 5xx (integration failures it answers itself: 500, 502, 503, 504)."""
    answered = share(stage.metric_server_error(period=MINUTE), stage.metric_count(period=MINUTE), "API 5xx %")
    percent = thresholds.five_xx_percent
    spec = AlarmSpec("api-5xx-share", answered, percent, f"More than {percent:g}% of the HTTP API's answers are 5xx.")
    return build(monitoring, [], (spec,))
