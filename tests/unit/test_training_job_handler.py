"""The TrainingJob custom resource's ``on_event`` (Create/Update) against botocore's Stubber.

Stubber checks every request against the SageMaker API model and the exact parameters expected here,
and fails on any call that was not expected (so "no call" is asserted too).
"""

from __future__ import annotations

import copy
import re

import pytest
from botocore.exceptions import ClientError

from tests.unit.training_job_stubs import (
    NOT_FOUND,
    PROPERTIES,
    base_name,
    described,
    event,
    expected_create_request,
    job_lifecycle,
)


def test_job_name_is_a_stable_hash_of_the_inputs() -> None:
    assert re.fullmatch(r"xgboost-[0-9a-f]{32}", base_name())
    assert base_name(copy.deepcopy(PROPERTIES)) == base_name()
    changed = copy.deepcopy(PROPERTIES)
    changed["HyperParameters"]["max_depth"] = "5"
    assert base_name(changed) != base_name()
    assert base_name({**PROPERTIES, "ServiceToken": "arn:aws:lambda:us-east-1:1:function:other"}) == base_name()


@pytest.mark.parametrize(
    "missing_message", ["Requested resource not found.", "Could not find training job 'xgboost-x'."]
)
def test_create_starts_the_job_with_the_exact_request(index, sagemaker, stubber, missing_message) -> None:  # type: ignore[no-untyped-def]
    name = base_name()
    stubber.add_client_error(
        "describe_training_job", "ValidationException", missing_message, expected_params={"TrainingJobName": name}
    )
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}"
    stubber.add_response("create_training_job", {"TrainingJobArn": arn}, expected_create_request(name))
    assert index.handle_event(event("Create"), sagemaker) == {"PhysicalResourceId": name}


def test_on_demand_jobs_send_no_max_wait(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    properties = {**PROPERTIES, "UseSpot": "false"}
    name = base_name(properties)
    stubber.add_client_error("describe_training_job", expected_params={"TrainingJobName": name}, **NOT_FOUND)
    stubber.add_response(
        "create_training_job",
        {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:1:training-job/x"},
        expected_create_request(name, spot=False),
    )
    assert index.handle_event(event("Update", properties), sagemaker) == {"PhysicalResourceId": name}


@pytest.mark.parametrize("status", ["Completed", "InProgress", "Stopping"])
def test_an_existing_running_or_completed_job_is_reused(index, sagemaker, stubber, status) -> None:  # type: ignore[no-untyped-def]
    name = base_name()
    stubber.add_response("describe_training_job", described(name, status), {"TrainingJobName": name})
    assert index.handle_event(event("Create"), sagemaker) == {"PhysicalResourceId": name}


def test_after_a_failed_job_the_next_attempt_name_is_created(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    name = base_name()
    stubber.add_response(
        "describe_training_job", described(name, "Failed", FailureReason="spot capacity"), {"TrainingJobName": name}
    )
    stubber.add_client_error("describe_training_job", expected_params={"TrainingJobName": f"{name}-r2"}, **NOT_FOUND)
    stubber.add_response(
        "create_training_job",
        {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:1:training-job/x"},
        expected_create_request(f"{name}-r2"),
    )
    assert index.handle_event(event("Create"), sagemaker) == {"PhysicalResourceId": f"{name}-r2"}


def test_when_every_attempt_failed_the_event_fails_with_the_last_reason(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    names = job_lifecycle.attempt_names(base_name())
    for name in names:
        stubber.add_response(
            "describe_training_job",
            described(name, "Stopped", secondary="MaxWaitTimeExceeded"),
            {"TrainingJobName": name},
        )
    with pytest.raises(job_lifecycle.TrainingJobError) as raised:
        index.handle_event(event("Create"), sagemaker)
    assert str(raised.value) == (
        f"5 training jobs with these exact inputs ended without a model (last: training job {names[-1]} stopped "
        "(MaxWaitTimeExceeded): SageMaker gave no FailureReason). Change the data, hyperparameters or instance "
        "settings to train again."
    )


def test_a_concurrently_created_job_is_attached_to(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    name = base_name()
    stubber.add_client_error("describe_training_job", expected_params={"TrainingJobName": name}, **NOT_FOUND)
    stubber.add_client_error(
        "create_training_job",
        service_error_code="ResourceInUse",
        service_message="Training job already exists",
        expected_params=expected_create_request(name),
    )
    assert index.handle_event(event("Create"), sagemaker) == {"PhysicalResourceId": name}


def test_other_describe_errors_are_not_mistaken_for_a_missing_job(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    stubber.add_client_error("describe_training_job", service_error_code="AccessDeniedException", http_status_code=403)
    with pytest.raises(ClientError, match="AccessDeniedException"):
        index.handle_event(event("Create"), sagemaker)
