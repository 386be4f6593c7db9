"""The TrainingJob custom resource's ``is_complete``, Delete, and the Lambda entry points (botocore Stubber)."""

from __future__ import annotations

import re

import pytest

from tests.unit.training_job_stubs import PROPERTIES, completed, described, event, job_lifecycle


def test_delete_keeps_everything_and_calls_nothing(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    delete = event("Delete", PhysicalResourceId="xgboost-old")
    assert index.handle_event(delete, sagemaker) == {"PhysicalResourceId": "xgboost-old"}
    assert index.check_complete(delete, sagemaker) == {"IsComplete": True}


@pytest.mark.parametrize("status", ["InProgress", "Stopping"])
def test_a_running_job_is_not_complete(index, sagemaker, stubber, status) -> None:  # type: ignore[no-untyped-def]
    stubber.add_response("describe_training_job", described("xgboost-a", status), {"TrainingJobName": "xgboost-a"})
    assert index.check_complete(event("Create", PhysicalResourceId="xgboost-a"), sagemaker) == {"IsComplete": False}


def test_a_completed_job_that_passes_the_gate_returns_its_artifact_schema_and_metrics(
    index, sagemaker, stubber
) -> None:  # type: ignore[no-untyped-def]
    response = completed("xgboost-a", {"train:rmse": 0.2, "validation:rmse": 0.4712345678})
    stubber.add_response("describe_training_job", response, {"TrainingJobName": "xgboost-a"})
    assert index.check_complete(event("Update", PhysicalResourceId="xgboost-a"), sagemaker) == {
        "IsComplete": True,
        "Data": {
            "ModelArtifactUri": "s3://models/models/xgboost-a/output/model.tar.gz",
            "ModelArtifactKey": "models/xgboost-a/output/model.tar.gz",
            "TrainingJobName": "xgboost-a",
            "ValidationRmse": "0.471235",
            "QualityGateValue": "0.471235",
            "SchemaUri": "s3://models/data/0123abcd/schema.json",
            "SchemaKey": "data/0123abcd/schema.json",
        },
    }


def test_a_template_from_before_the_gate_still_completes(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    """A rollback sends the previous template's properties: no QualityGate, no SchemaUri."""
    old = {key: value for key, value in PROPERTIES.items() if key not in ("QualityGate", "SchemaUri")}
    response = completed("xgboost-a", {"validation:rmse": 2.5})
    stubber.add_response("describe_training_job", response, {"TrainingJobName": "xgboost-a"})
    data = index.check_complete(event("Update", old, PhysicalResourceId="xgboost-a"), sagemaker)["Data"]
    assert (data["ValidationRmse"], data["QualityGateValue"], "SchemaUri" in data) == ("2.5", "unavailable", False)


@pytest.mark.parametrize(
    ("status", "extra", "message"),
    [
        (
            "Failed",
            {"FailureReason": "AlgorithmError: num_round must be positive", "secondary": "Failed"},
            "training job xgboost-a failed: AlgorithmError: num_round must be positive",
        ),
        (
            "Stopped",
            {"secondary": "MaxRuntimeExceeded"},
            "training job xgboost-a stopped (MaxRuntimeExceeded): SageMaker gave no FailureReason",
        ),
    ],
)
def test_a_failed_or_stopped_job_fails_the_deployment(index, sagemaker, stubber, status, extra, message) -> None:  # type: ignore[no-untyped-def]
    stubber.add_response(
        "describe_training_job", described("xgboost-a", status, **extra), {"TrainingJobName": "xgboost-a"}
    )
    with pytest.raises(job_lifecycle.TrainingJobError) as raised:
        index.check_complete(event("Create", PhysicalResourceId="xgboost-a"), sagemaker)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"RoleArn": ""}, "resource property RoleArn must be a non-empty string, got ''"),
        ({"InstanceCount": "0"}, "resource property InstanceCount must be a positive integer, got '0'"),
        ({"HyperParameters": {"max_depth": "4"}}, "resource property HyperParameters must include num_round"),
        ({"MaxWaitSeconds": "60"}, "resource property MaxWaitSeconds must be at least MaxRuntimeSeconds"),
        (
            {"QualityGate": {"Metric": "validation:rmse", "Threshold": "0.6"}},
            "resource property QualityGate must hold Metric, Threshold and Direction",
        ),
        (
            {"QualityGate": {"Metric": "rmse", "Threshold": "0.6", "Direction": "lower"}},
            "resource property QualityGate.Metric must look like 'validation:rmse', got 'rmse'",
        ),
        (
            {"QualityGate": {"Metric": "validation:rmse", "Threshold": "nan", "Direction": "lower"}},
            "resource property QualityGate.Threshold must be a finite number, got 'nan'",
        ),
        (
            {"QualityGate": {"Metric": "validation:rmse", "Threshold": "0.6", "Direction": "up"}},
            "resource property QualityGate.Direction must be lower or higher, got 'up'",
        ),
        ({"SchemaUri": "s3://models/data/"}, "resource property SchemaUri must be the S3 URI of an object"),
    ],
)
def test_malformed_properties_fail_before_any_call(index, sagemaker, stubber, change, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=re.escape(message)):
        index.handle_event(event("Create", {**PROPERTIES, **change}), sagemaker)


def test_lambda_entry_points_use_one_sagemaker_client(index, sagemaker, stubber, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(index, "_CLIENT", sagemaker)
    stubber.add_response(
        "describe_training_job", described("xgboost-a", "InProgress"), {"TrainingJobName": "xgboost-a"}
    )
    assert index.sagemaker_client() is sagemaker
    assert index.is_complete(event("Create", PhysicalResourceId="xgboost-a"), None) == {"IsComplete": False}
    assert index.on_event(event("Delete", PhysicalResourceId="xgboost-a"), None) == {"PhysicalResourceId": "xgboost-a"}
