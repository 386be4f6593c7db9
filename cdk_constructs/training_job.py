"""A SageMaker training job that runs during ``cdk deploy``, which waits for it and fails with its reason."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from aws_cdk import CustomResource, RemovalPolicy
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_constructs.training_data import TrainingData
from cdk_constructs.training_job_provider import TrainingJobProvider
from cdk_constructs.training_role import TrainingExecutionRole
from cdk_constructs.xgboost_image import XGBoostImage
from training.quality_gate import QualityGate

JOB_NAME_PREFIX = "xgboost-"
"""Must match ``job_spec.NAME_PREFIX`` in the handler: permissions are scoped to jobs with this prefix."""
MODELS_PREFIX = "models/"
JOB_OUTPUTS = f"{MODELS_PREFIX}{JOB_NAME_PREFIX}*/output/"
"""Every job's output directory: SageMaker writes ``model.tar.gz`` to ``<OutputUri><job name>/output/``."""
MAX_WAIT_SECONDS = 3000
"""Managed spot: the most a job may spend waiting for capacity plus running (SageMaker's MaxWaitTimeInSeconds)."""


class TrainingJob(Construct):
    """Trains XGBoost on ``data``'s channels; exposes the model artifact and its schema as deploy-time tokens.

    The custom resource's properties are the job's complete inputs, so CloudFormation runs a new job
    exactly when the data (channels or schema), hyperparameters, image or instance settings change.
    ``quality_gate`` travels as a property too, but is not a training input: the deployment fails, and
    nothing downstream is updated, when the job's final metric misses it; changing only the gate
    re-judges the same job without training again. Deleting the resource keeps the job and its model.
    Attributes: ``model_artifact_uri``, ``model_artifact_key``, ``training_job_name``, ``validation_rmse``,
    ``quality_gate_value``, ``schema_uri``, ``schema_key`` (tokens: the schema the job was trained with,
    read back from the same resource as the model, so the two never come from different deployments),
    ``inputs_fingerprint`` (a plain string known at synth time that changes exactly when a new job runs),
    ``execution_role``, ``image``, ``provider``, ``resource``.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bucket: s3.IBucket,
        data: TrainingData,
        hyperparameters: Mapping[str, str],
        quality_gate: QualityGate,
        xgboost_version: str,
        instance_type: str,
        instance_count: int,
        use_spot: bool,
        max_runtime_seconds: int,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id_)
        if not 0 < max_runtime_seconds <= MAX_WAIT_SECONDS:
            raise ValueError(f"max_runtime_seconds must be 1..{MAX_WAIT_SECONDS}, got {max_runtime_seconds}")
        if "num_round" not in hyperparameters:
            raise ValueError("hyperparameters must include num_round (the XGBoost container requires it)")
        self.image = XGBoostImage(self, "Image", version=xgboost_version)
        self.execution_role = TrainingExecutionRole(
            self,
            "ExecutionRole",
            bucket=bucket,
            data=data,
            image=self.image,
            models_prefix=MODELS_PREFIX,
            job_name_prefix=JOB_NAME_PREFIX,
        ).role
        log_group = logs.LogGroup(self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.provider = TrainingJobProvider(
            self, "Provider", execution_role=self.execution_role, job_name_prefix=JOB_NAME_PREFIX, log_group=log_group
        )
        settings = {"InstanceType": instance_type, "InstanceCount": str(instance_count)}
        settings |= {"UseSpot": "true" if use_spot else "false", "MaxRuntimeSeconds": str(max_runtime_seconds)}
        self.resource = CustomResource(
            self,
            "Job",
            service_token=self.provider.service_token,
            resource_type="Custom::SageMakerTrainingJob",
            properties={
                **self._job_properties(bucket, data, hyperparameters, settings),
                "QualityGate": _gate_properties(quality_gate),
                "SchemaUri": data.schema_uri,
            },
        )
        self.resource.node.add_dependency(data.deployment)
        self.inputs_fingerprint = _fingerprint(data.data_hash, hyperparameters, xgboost_version, settings)
        self.model_artifact_uri = self.resource.get_att_string("ModelArtifactUri")
        self.model_artifact_key = self.resource.get_att_string("ModelArtifactKey")
        self.training_job_name = self.resource.get_att_string("TrainingJobName")
        self.validation_rmse = self.resource.get_att_string("ValidationRmse")
        self.quality_gate_value = self.resource.get_att_string("QualityGateValue")
        self.schema_uri = self.resource.get_att_string("SchemaUri")
        self.schema_key = self.resource.get_att_string("SchemaKey")

    def _job_properties(
        self, bucket: s3.IBucket, data: TrainingData, hyperparameters: Mapping[str, str], settings: dict[str, str]
    ) -> dict[str, object]:
        """Everything the job depends on: a change to any of these makes CloudFormation run a new job.

        The schema is among them through the channels' content-addressed prefix (its hash covers the schema)."""
        return {
            "TrainingImage": self.image.image_uri,
            "RoleArn": self.execution_role.role_arn,
            "Channels": {channel: data.channel_uri(channel) for channel in sorted(data.channel_files)},
            "OutputUri": f"s3://{bucket.bucket_name}/{MODELS_PREFIX}",
            "HyperParameters": dict(sorted(hyperparameters.items())),
            **settings,
            "MaxWaitSeconds": str(MAX_WAIT_SECONDS),
        }


def _fingerprint(data_hash: str, hyperparameters: Mapping[str, str], version: str, settings: Mapping[str, str]) -> str:
    """A synth-time digest of the job's inputs. The artifact's key is only known at deploy time, so a consumer
    (ServingStack) puts this digest in its template to change whenever TrainingStack trains a new model."""
    inputs = {"data": data_hash, "hyperparameters": dict(hyperparameters), "xgboost": version, **settings}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def _gate_properties(gate: QualityGate) -> dict[str, str]:
    """What ``job_gate.JobGate`` in the handler reads: the reported metric's name, threshold and direction."""
    return {"Metric": gate.channel_metric, "Threshold": repr(gate.threshold), "Direction": gate.direction}
