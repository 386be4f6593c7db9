"""BatchStack: score tables in S3 with the served model, on Step Functions Distributed Map (nothing runs idle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from cdk_constructs.batch_alarms import BatchAlarms
from cdk_constructs.batch_scoring import BatchScoring
from cdk_constructs.model_artifact import ModelArtifact
from stacks.config_batch import DEFAULT_INPUT_PREFIX, DEFAULT_OUTPUT_PREFIX, BatchConfig, S3Prefix
from stacks.retention import RETENTION


class BatchStack(Stack):
    """The batch state machine over ``model`` (the model ServingStack serves), reading the input prefix and
    writing the output prefix of ``config`` (by default ``batch/input/`` and ``batch/output/`` in the model
    bucket). Its alarms notify ``alarm_topic`` (ServingStack's). Outputs: ``StateMachineArn``, ``InputUri``,
    ``OutputUri`` (``make score`` reads them)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: BatchConfig, model: ModelArtifact,
                 repo_root: Path, alarm_topic: sns.ITopic, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(scope, construct_id, **kwargs)
        input_bucket, input_prefix = self._location("Input", config.input, model, DEFAULT_INPUT_PREFIX)
        output_bucket, output_prefix = self._location("Output", config.output, model, DEFAULT_OUTPUT_PREFIX)
        self.scoring = BatchScoring(
            self, "Scoring", repo_root=repo_root, model=model, environment=model.environment(),
            input_bucket=input_bucket, input_prefix=input_prefix, output_bucket=output_bucket,
            output_prefix=output_prefix, memory_mb=config.memory_mb, range_mb=config.range_mb,
            max_concurrency=config.max_concurrency, tolerated_failure_percent=config.tolerated_failure_percent,
            log_retention=RETENTION[config.log_retention_days],
        )  # fmt: skip
        self.alarms = BatchAlarms(self, "Alarms", state_machine=self.scoring.state_machine,
                                  model_version=model.version, topic=alarm_topic)  # fmt: skip
        CfnOutput(self, "StateMachineArn", value=self.scoring.state_machine.state_machine_arn,
                  description="Start a batch job here: make score INPUT=s3://... OUTPUT=s3://...")  # fmt: skip
        CfnOutput(self, "InputUri", value=self.scoring.input_uri, description="Batch jobs read under this prefix")
        CfnOutput(self, "OutputUri", value=self.scoring.output_uri, description="Batch jobs write under this prefix")

    def _location(self, name: str, configured: S3Prefix | None, model: ModelArtifact,
                  default: str) -> tuple[s3.IBucket, str]:  # fmt: skip
        if configured is None:
            return model.model_bucket, default
        return s3.Bucket.from_bucket_name(self, f"{name}Bucket", configured.bucket_name), configured.prefix
