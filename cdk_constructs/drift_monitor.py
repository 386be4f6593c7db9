"""The scheduled drift monitor: the Lambda image run with ``monitor_handler.handler`` on an EventBridge schedule,
its least-privilege role, and the alarms that notify a topic when a feature drifts or a run fails."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_constructs.capture_bucket import CAPTURE_PREFIX, GROUND_TRUTH_PREFIX, REPORTS_PREFIX
from cdk_constructs.image_context import image_command_function
from cdk_constructs.model_artifact import ModelArtifact
from cdk_constructs.monitoring import Monitoring
from cdk_constructs.nag import acknowledge, logical_id
from inference.metrics.names import MONITORING_NAMESPACE
from inference.settings import Env

COMMAND = "monitor_handler.handler"
MEMORY_MB = 2048
TIMEOUT = Duration.minutes(15)
"""Lambda's longest: about 10 million records a run at the measured rate (see the README)."""
MAX_ALARM_PERIOD_HOURS = 24
DRIFT_ALARM, FAILURE_ALARM = "drift", "drift-monitor-failed"
"""The alarms' names on the operations' topic (``ServingStack-drift``...)."""


class DriftMonitor(Construct):
    """Reads ``capture/`` and ``ground-truth/`` of ``bucket``, compares with ``model``'s baseline, writes
    ``monitoring/``: every ``schedule`` (a rate expression) over the ``window_hours`` before it.

    Alarms on ``monitoring``'s topic (``drift``: a run finds a feature at or past its threshold, ``DriftedFeatures``
    >= 1 in ``MONITORING_NAMESPACE``; ``drift-monitor-failed``: a run fails), and a row of two graphs on its dashboard.
    Attributes: ``function``, ``role``, ``log_group``, ``rule``, ``drift_alarm``, ``failure_alarm``.
    """

    def __init__(self, scope: Construct, id_: str, *, bucket: s3.IBucket, model: ModelArtifact, repo_root: Path,
                 schedule: str, window_hours: int, monitoring: Monitoring,
                 log_retention: logs.RetentionDays) -> None:  # fmt: skip
        super().__init__(scope, id_)
        self.log_group = logs.LogGroup(self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description="Drift monitor: reads captured records, writes reports")  # fmt: skip
        self.log_group.grant_write(self.role)
        self.function = self._build_function(bucket, model, repo_root, window_hours)
        self._grant(bucket, model)
        self.rule = events.Rule(self, "Schedule", schedule=events.Schedule.expression(schedule),
                                targets=[targets.LambdaFunction(self.function, retry_attempts=2)])  # fmt: skip
        period = Duration.hours(min(window_hours, MAX_ALARM_PERIOD_HOURS))
        self.drift_alarm, self.failure_alarm = self._build_alarms(period, monitoring)
        self._add_widgets(monitoring, period)

    def _build_function(self, bucket: s3.IBucket, model: ModelArtifact, repo_root: Path,
                        window_hours: int) -> lambda_.Function:  # fmt: skip
        environment = {**model.environment(), Env.BASELINE_URI: model.baseline_uri,
                       Env.CAPTURE_URI: f"s3://{bucket.bucket_name}/{CAPTURE_PREFIX}",
                       Env.GROUND_TRUTH_URI: f"s3://{bucket.bucket_name}/{GROUND_TRUTH_PREFIX}",
                       Env.REPORT_URI: f"s3://{bucket.bucket_name}/{REPORTS_PREFIX}",
                       Env.MONITOR_WINDOW_HOURS: str(window_hours), Env.LOG_LEVEL: "INFO"}  # fmt: skip
        return image_command_function(
            self, "Function", repo_root=repo_root, command=COMMAND, role=self.role, log_group=self.log_group,
            memory_mb=MEMORY_MB, timeout=TIMEOUT, environment=environment,
            description="Drift monitor: captured records against the model's baseline (scheduled)",
        )  # fmt: skip

    def _grant(self, bucket: s3.IBucket, model: ModelArtifact) -> None:
        """The model, its schema and baseline; get and list exactly capture/ and ground-truth/; put monitoring/."""
        model.grant_read(self.role)
        model.grant_read_baseline(self.role)
        read = [CAPTURE_PREFIX, GROUND_TRUTH_PREFIX]
        iam.Grant.add_to_principal(grantee=self.role, actions=["s3:GetObject"],
                                   resource_arns=[bucket.arn_for_objects(f"{prefix}*") for prefix in read])  # fmt: skip
        self.role.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:ListBucket"], resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in read]}}))  # fmt: skip
        iam.Grant.add_to_principal(grantee=self.role, actions=["s3:PutObject"],
                                   resource_arns=[bucket.arn_for_objects(f"{REPORTS_PREFIX}*")])  # fmt: skip
        bucket_arn = f"<{logical_id(bucket)}.Arn>"
        findings = {f"AwsSolutions-IAM5[Resource::{bucket_arn}/{prefix}*]": (
            f"Read-only: the monitor reads the records of a window's hours under {prefix} (objects named by time "
            "by Firehose, the server or the model's users), which cannot be listed in advance; no other prefix."
        ) for prefix in read}  # fmt: skip
        findings[f"AwsSolutions-IAM5[Resource::{bucket_arn}/{REPORTS_PREFIX}*]"] = (
            f"Write-only: each run writes its report under {REPORTS_PREFIX}<window>/ and {REPORTS_PREFIX}latest/, a "
            "window named by its time; no other prefix."
        )
        acknowledge(self.role.node.find_child("DefaultPolicy"), findings)

    def _build_alarms(self, period: Duration, monitoring: Monitoring) -> tuple[cloudwatch.Alarm, cloudwatch.Alarm]:
        drifted = cloudwatch.Metric(namespace=MONITORING_NAMESPACE, metric_name="DriftedFeatures", statistic="Maximum",
                                    period=period)  # fmt: skip
        drift = drifted.create_alarm(
            self, "DriftAlarm", alarm_name=monitoring.alarm_name(DRIFT_ALARM), threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="A feature of the served model's inputs drifted past its threshold (PSI); "
            f"the report is in {REPORTS_PREFIX}latest/report.html",
        )  # fmt: skip
        failure = self.function.metric_errors(period=period, statistic="Sum").create_alarm(
            self, "FailureAlarm", alarm_name=monitoring.alarm_name(FAILURE_ALARM), threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="The drift monitor failed: no report for this window (see its log group)",
        )  # fmt: skip
        return monitoring.add_alarm(DRIFT_ALARM, drift), monitoring.add_alarm(FAILURE_ALARM, failure)

    def _add_widgets(self, monitoring: Monitoring, period: Duration) -> None:
        def metric(name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=MONITORING_NAMESPACE, metric_name=name, statistic="Maximum", period=period
            )

        drifted = cloudwatch.GraphWidget(title="Drifted features", left=[metric("DriftedFeatures")])
        answers = cloudwatch.GraphWidget(
            title="Answers' PSI and monitored rows", left=[metric("AnswerPsi")], right=[metric("MonitoredRows")]
        )
        monitoring.add_row(drifted, answers)
