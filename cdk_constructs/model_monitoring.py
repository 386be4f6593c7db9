"""Data capture on every backend of a model and its drift monitor, put together for one ServingStack."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_constructs.capture_bucket import CAPTURE_PREFIX, CaptureBucket
from cdk_constructs.data_capture import DataCapture, capture_environment, capture_prefixes
from cdk_constructs.drift_monitor import DriftMonitor
from cdk_constructs.fargate_service import FargateService
from cdk_constructs.inference_function import InferenceFunction
from cdk_constructs.model_artifact import ModelArtifact
from cdk_constructs.monitoring import Monitoring
from cdk_constructs.nag import acknowledge, logical_id
from inference.capture_sinks import STDOUT

FARGATE_BACKEND = "fargate"


class ModelMonitoring(Construct):
    """Every Lambda of ``lambdas`` (backend name -> function) writes ``capture_percent`` % of its requests to
    stdout, delivered by ``capture`` (``DataCapture``); the Fargate service, if any, batches them straight into
    ``capture/fargate/`` (its task role may put objects there and nowhere else). ``monitor`` (``DriftMonitor``)
    reads them on ``schedule`` and alarms on ``monitoring``'s topic. Attributes: ``storage`` (``CaptureBucket``),
    ``capture``, ``monitor``.
    """

    def __init__(self, scope: Construct, id_: str, *, model: ModelArtifact, lambdas: Mapping[str, InferenceFunction],
                 fargate: FargateService | None, repo_root: Path, capture_percent: float, retention_days: int,
                 schedule: str, window_hours: int, monitoring: Monitoring,
                 log_retention: logs.RetentionDays) -> None:  # fmt: skip
        super().__init__(scope, id_)
        self.storage = CaptureBucket(self, "Storage", retention_days=retention_days)
        bucket = self.storage.bucket
        for name, backend in lambdas.items():
            for key, value in capture_environment(STDOUT, name, capture_percent).items():
                backend.function.add_environment(key, value)
        self.capture = DataCapture(self, "Capture", bucket=bucket, log_retention=log_retention,
                                   sources={name: backend.log_group for name, backend in lambdas.items()})  # fmt: skip
        self.fargate_writes: list[str] = []
        if fargate is not None:
            self._capture_on_fargate(fargate, capture_percent)
        self.monitor = DriftMonitor(self, "Monitor", bucket=bucket, model=model, repo_root=repo_root,
                                    schedule=schedule, window_hours=window_hours, monitoring=monitoring,
                                    log_retention=log_retention)  # fmt: skip

    def _capture_on_fargate(self, fargate: FargateService, capture_percent: float) -> None:
        records, _ = capture_prefixes(FARGATE_BACKEND)
        container = fargate.task_definition.default_container
        assert container is not None  # the server's
        capture_root = self.storage.uri(CAPTURE_PREFIX)  # the server writes under <root>fargate/yyyy/mm/dd/hh/
        for key, value in capture_environment(capture_root, FARGATE_BACKEND, capture_percent).items():
            container.add_environment(key, value)
        role = fargate.task_definition.task_role
        self.fargate_writes = [self.storage.bucket.arn_for_objects(f"{records}*")]
        """What the Fargate tasks write (their network must let them: ``PrivateNetwork.allow_writes``)."""
        iam.Grant.add_to_principal(grantee=role, actions=["s3:PutObject"], resource_arns=self.fargate_writes)
        finding = f"AwsSolutions-IAM5[Resource::<{logical_id(self.storage.bucket)}.Arn>/{records}*]"
        acknowledge(role.node.find_child("DefaultPolicy"), {finding: (
            "Write-only (PutObject): each server process writes one object per hour of records per flush, named by "
            f"time, host and process under {records}, so the keys cannot be listed in advance; no other prefix."
        )})  # fmt: skip
