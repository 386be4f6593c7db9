"""Events, responses and the exact requests for the TrainingJob custom resource handler tests."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

HANDLER_DIR = Path(__file__).resolve().parents[2] / "cdk_constructs" / "training_job_handler"
sys.path.insert(0, str(HANDLER_DIR))  # the Lambda zip's root: handler modules import each other by bare name
try:
    job_lifecycle = importlib.import_module("job_lifecycle")
    job_spec = importlib.import_module("job_spec")
finally:
    sys.path.remove(str(HANDLER_DIR))

PROPERTIES: dict[str, Any] = {
    "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:framework-onEvent",
    "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.2-0",
    "RoleArn": "arn:aws:iam::123456789012:role/TrainingRole",
    "Channels": {"validation": "s3://models/data/0123abcd/validation/", "train": "s3://models/data/0123abcd/train/"},
    "OutputUri": "s3://models/models/",
    "HyperParameters": {"num_round": "20", "max_depth": "4"},
    "InstanceType": "ml.m5.large",
    "InstanceCount": "1",
    "UseSpot": "true",
    "MaxRuntimeSeconds": "1800",
    "MaxWaitSeconds": "3000",
    "QualityGate": {"Metric": "validation:rmse", "Threshold": "0.6", "Direction": "lower"},
    "SchemaUri": "s3://models/data/0123abcd/schema.json",
}
"""What TrainingJob sends (the gate and the schema are properties, but not part of the CreateTrainingJob request)."""
NOT_FOUND = {"service_error_code": "ValidationException", "service_message": "Requested resource not found."}


def expected_create_request(name: str, *, spot: bool = True) -> dict[str, Any]:
    """CreateTrainingJob exactly as it must be sent for PROPERTIES (written out, not computed)."""

    def channel(channel_name: str) -> dict[str, Any]:
        uri = f"s3://models/data/0123abcd/{channel_name}/"
        s3 = {"S3DataType": "S3Prefix", "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}
        return {
            "ChannelName": channel_name,
            "ContentType": "text/csv",
            "CompressionType": "None",
            "DataSource": {"S3DataSource": s3},
        }

    stopping = {"MaxRuntimeInSeconds": 1800, **({"MaxWaitTimeInSeconds": 3000} if spot else {})}
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": PROPERTIES["TrainingImage"], "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::123456789012:role/TrainingRole",
        "InputDataConfig": [channel("train"), channel("validation")],
        "OutputDataConfig": {"S3OutputPath": "s3://models/models/"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": stopping,
        "HyperParameters": {"max_depth": "4", "num_round": "20"},
        "EnableManagedSpotTraining": spot,
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
    }


def with_gate(metric: str, threshold: str, direction: str) -> dict[str, Any]:
    return {**PROPERTIES, "QualityGate": {"Metric": metric, "Threshold": threshold, "Direction": direction}}


def completed(name: str, metrics: dict[str, float]) -> dict[str, Any]:
    """A DescribeTrainingJob response of a completed job that reported ``metrics`` (name -> final value)."""
    final = [{"MetricName": metric, "Value": value} for metric, value in metrics.items()]
    return described(name, "Completed", artifact=f"s3://models/models/{name}/output/model.tar.gz",
                     FinalMetricDataList=final)  # fmt: skip


def described(name: str, status: str, **extra: Any) -> dict[str, Any]:
    """A DescribeTrainingJob response (valid against the API model)."""
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "ModelArtifacts": {"S3ModelArtifacts": extra.pop("artifact", "")},
        "TrainingJobStatus": status,
        "SecondaryStatus": extra.pop("secondary", status),
        "AlgorithmSpecification": {"TrainingInputMode": "File"},
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
        "CreationTime": datetime(2025, 1, 1, tzinfo=UTC),
        **extra,
    }


def load_index() -> ModuleType:
    """``index.py`` (the Lambda entry points) under a name no other test module uses."""
    spec = importlib.util.spec_from_file_location("training_job_handler_index", HANDLER_DIR / "index.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(request_type: str, properties: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"RequestType": request_type, "ResourceProperties": properties or PROPERTIES, **extra}


def base_name(properties: dict[str, Any] = PROPERTIES) -> str:
    return job_spec.JobSpec.from_properties(properties).base_name()
