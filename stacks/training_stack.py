"""TrainingStack: the model bucket, the training data in it, and the training job that writes the model."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_constructs.model_artifact import ModelArtifact
from cdk_constructs.model_bucket import ModelBucket
from cdk_constructs.model_compiler import ModelCompiler
from cdk_constructs.training_data import TrainingData
from cdk_constructs.training_job import JOB_OUTPUTS, TrainingJob
from stacks.config import TrainingConfig
from stacks.config_training import BASELINE_FILE, CHANNEL_FILES, SCHEMA_FILE
from stacks.retention import RETENTION


class TrainingStack(Stack):
    """Deploying it uploads the data and its schema, trains on SageMaker, waits for the model, fails when the
    model misses the dataset's quality gate, then compiles the model (checked against its schema) into
    ``model.compiled.npz`` beside it and fails when it cannot (either way nothing that depends on it is updated).

    Exposes ``model_bucket`` and, as deploy-time tokens, ``model_artifact_key``, ``model_artifact_uri``,
    ``training_job_name``, ``validation_rmse``, ``quality_gate_value``, ``schema_key``, ``schema_uri``,
    ``compiled_model_key``, ``compiled_model_uri``, ``model_sha256`` and ``compiled_model_sha256`` (also stack
    outputs but the keys of the schema and the archive; the schema is the one uploaded beside the channels,
    ``data/<hash>/schema.json``),
    ``model_revision``: a synth-time string that changes exactly when a new model is trained (the data
    hash covers the schema), for consumers whose templates must change then; and ``model_artifact``, the
    model, its schema and its compiled form as one ``ModelArtifact`` for ServingStack.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: TrainingConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        retention = RETENTION[config.log_retention_days]
        storage = ModelBucket(
            self,
            "ModelBucket",
            access_log_days=config.log_retention_days,
            destroy=config.model_bucket_removal_policy == "destroy",
        )
        self.model_bucket: s3.IBucket = storage.bucket
        data = TrainingData(
            self,
            "TrainingData",
            bucket=self.model_bucket,
            data_dir=config.training_data_dir,
            channel_files=CHANNEL_FILES,
            schema_file=SCHEMA_FILE,
            baseline_file=BASELINE_FILE,
            log_retention=retention,
        )
        job = TrainingJob(
            self,
            "TrainingJob",
            bucket=self.model_bucket,
            data=data,
            hyperparameters=config.hyperparameters,
            quality_gate=config.quality_gate,
            xgboost_version=config.xgboost_version,
            instance_type=config.instance_type,
            instance_count=config.instance_count,
            use_spot=config.use_spot,
            max_runtime_seconds=config.max_runtime_seconds,
            log_retention=retention,
        )
        self.model_artifact_key = job.model_artifact_key
        self.model_artifact_uri = job.model_artifact_uri
        self.training_job_name = job.training_job_name
        self.validation_rmse = job.validation_rmse
        self.quality_gate_value = job.quality_gate_value
        self.schema_key = job.schema_key
        self.schema_uri = job.schema_uri
        self.model_revision: str = job.inputs_fingerprint
        compiler = ModelCompiler(
            self,
            "ModelCompiler",
            bucket=self.model_bucket,
            model_uri=self.model_artifact_uri,
            schema_uri=self.schema_uri,
            schema_key=data.schema_key,
            data_baseline_key=data.baseline_key,
            validation_key=data.channel_key("validation"),
            metric=config.quality_gate.metric,
            job_outputs=JOB_OUTPUTS,
            repo_root=config.repo_root,
            log_retention=retention,
        )
        self.compiled_model_key = compiler.compiled_key
        self.compiled_model_uri = compiler.compiled_uri
        self.model_sha256 = compiler.source_sha256
        self.compiled_model_sha256 = compiler.compiled_sha256
        self.model_artifact = ModelArtifact(
            model_bucket=self.model_bucket,
            model_key=self.model_artifact_key,
            schema_bucket=self.model_bucket,
            schema_key=self.schema_key,
            version=self.training_job_name,
            revision=self.model_revision,
            compiled_bucket=self.model_bucket,
            compiled_key=self.compiled_model_key,
            expected_bucket=self.model_bucket,
            expected_key=compiler.expected_key,
            model_sha256=self.model_sha256,
            compiled_sha256=self.compiled_model_sha256,
            baseline_key=compiler.baseline_key,
        )
        self._add_outputs(data, config)

    def _add_outputs(self, data: TrainingData, config: TrainingConfig) -> None:
        gate = config.quality_gate
        rule = f"{'>=' if gate.direction == 'higher' else '<='} {gate.threshold:g}"
        outputs = {
            "ModelBucketName": (self.model_bucket.bucket_name, "Bucket holding training data and models"),
            "TrainingDataPrefix": (data.prefix, "Content-addressed prefix of the training channels"),
            "ModelArtifactKey": (self.model_artifact_key, "Key of the trained model.tar.gz"),
            "ModelArtifactUri": (self.model_artifact_uri, "S3 URI of the trained model.tar.gz"),
            "TrainingJobName": (self.training_job_name, "SageMaker training job that produced the model"),
            "ValidationRmse": (self.validation_rmse, "Final validation:rmse, in the target's units (if reported)"),
            "QualityGateValue": (
                self.quality_gate_value,
                f"Final {gate.channel_metric} of the {config.dataset} model (quality gate: {rule})",
            ),
            "SchemaUri": (self.schema_uri, "S3 URI of the schema.json the model was trained with"),
            "CompiledModelUri": (
                self.compiled_model_uri,
                "S3 URI of the model.compiled.npz compiled from the model.tar.gz (checked against its schema)",
            ),
            "ModelSha256": (self.model_sha256, "SHA-256 of the model.tar.gz (MODEL_SHA256 of every backend)"),
            "CompiledModelSha256": (
                self.compiled_model_sha256,
                "SHA-256 of the model.compiled.npz (COMPILED_MODEL_SHA256 of every backend)",
            ),
        }
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)
