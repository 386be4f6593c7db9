"""Alarms on batch jobs, sent to the serving alarm topic (one topic, one subscription, no second KMS key to pay for).

``executions-failed``: a job failed or timed out (the execution's error and cause say why: a job's own errors,
bad options or an input outside the prefixes, fail it at once; a step that kept failing fails it after its
retries). ``failed-rows``: a job scored but some rows could not be (their lines are in the job's errors files).
Both look at five-minute sums and clear by themselves; no job, no alarm.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from cdk_constructs.monitoring import alarm_id, alarm_name, notify
from inference.metrics.names import BATCH_BACKEND, NAMESPACE, Dimension, Metric

PERIOD = Duration.minutes(5)


class BatchAlarms(Construct):
    """``alarms`` by name (``executions-failed``, ``failed-rows``), each named ``<stack>-<name>``."""

    def __init__(self, scope: Construct, id_: str, *, state_machine: sfn.StateMachine, model_version: str,
                 topic: sns.ITopic) -> None:  # fmt: skip
        super().__init__(scope, id_)
        failed = cloudwatch.MathExpression(
            expression="FILL(failed, 0) + FILL(timed_out, 0)",
            using_metrics={"failed": state_machine.metric_failed(period=PERIOD, statistic="Sum"),
                           "timed_out": state_machine.metric_timed_out(period=PERIOD, statistic="Sum")},
            label="Executions failed or timed out", period=PERIOD,
        )  # fmt: skip
        failed_rows = cloudwatch.Metric(
            namespace=NAMESPACE, metric_name=Metric.FAILED_ROWS, statistic="Sum", period=PERIOD,
            dimensions_map={Dimension.BACKEND: BATCH_BACKEND, Dimension.MODEL_VERSION: model_version},
        )  # fmt: skip
        action = actions.SnsAction(topic)  # in this stack: ServingStack's Monitoring never refers back to it
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for name, metric, description in (
            ("executions-failed", failed, "A batch job failed or timed out: its execution's error and cause say why"),
            ("failed-rows", failed_rows, "A batch job could not score some rows: see its errors files"),
        ):
            alarm = cloudwatch.Alarm(
                self, alarm_id(name), alarm_name=alarm_name(self, name), alarm_description=description, metric=metric,
                threshold=1, comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )  # fmt: skip
            self.alarms[name] = notify(alarm, action)
