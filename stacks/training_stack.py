"""TrainingStack: the model bucket, the training data in it, and the training job that writes the model."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_constructs.model_bucket import ModelBucket
from cdk_constructs.training_data import TrainingData
from cdk_constructs.training_job import TrainingJob
from stacks.config import TrainingConfig
from stacks.config_training import CHANNEL_FILES
from stacks.retention import RETENTION


class TrainingStack(Stack):
    """Deploying it uploads the data, trains on SageMaker and waits for the model.

    Exposes ``model_bucket`` and, as deploy-time tokens, ``model_artifact_key``, ``model_artifact_uri``,
    ``training_job_name`` and ``validation_rmse`` (also stack outputs), and ``model_revision``: a synth-time
    string that changes exactly when a new model is trained, for consumers whose templates must change then.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: TrainingConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        retention = RETENTION[config.log_retention_days]
        storage = ModelBucket(self, "ModelBucket", destroy=config.model_bucket_removal_policy == "destroy")
        self.model_bucket: s3.IBucket = storage.bucket
        data = TrainingData(
            self,
            "TrainingData",
            bucket=self.model_bucket,
            data_dir=config.training_data_dir,
            channel_files=CHANNEL_FILES,
            log_retention=retention,
        )
        job = TrainingJob(
            self,
            "TrainingJob",
            bucket=self.model_bucket,
            data=data,
            hyperparameters=config.hyperparameters,
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
        self.model_revision: str = job.inputs_fingerprint
        self._add_outputs(data)

    def _add_outputs(self, data: TrainingData) -> None:
        outputs = {
            "ModelBucketName": (self.model_bucket.bucket_name, "Bucket holding training data and models"),
            "TrainingDataPrefix": (data.prefix, "Content-addressed prefix of the training channels"),
            "ModelArtifactKey": (self.model_artifact_key, "Key of the trained model.tar.gz"),
            "ModelArtifactUri": (self.model_artifact_uri, "S3 URI of the trained model.tar.gz"),
            "TrainingJobName": (self.training_job_name, "SageMaker training job that produced the model"),
            "ValidationRmse": (self.validation_rmse, "Final validation:rmse (units of 100,000 USD)"),
        }
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)
