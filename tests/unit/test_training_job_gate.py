"""The quality gate in the TrainingJob custom resource's ``is_complete`` (botocore Stubber).

A completed job whose final validation metric is missing or misses the threshold fails the event, so the
deployment fails (and ServingStack, which reads TrainingStack's outputs, is not updated).
"""

from __future__ import annotations

import math

import pytest

from tests.unit.training_job_stubs import PROPERTIES, base_name, completed, event, job_lifecycle, with_gate

NEXT_STEP = (
    "Improve the data or the hyperparameters in the dataset spec (or relax its [training.quality_gate] if the "
    "threshold is stricter than the task needs), then deploy again. Deploying the same inputs again reuses this "
    "job and fails the same way."
)


def _judge(index, sagemaker, stubber, properties, metrics):  # type: ignore[no-untyped-def]
    stubber.add_response("describe_training_job", completed("xgboost-a", metrics), {"TrainingJobName": "xgboost-a"})
    return index.check_complete(event("Update", properties, PhysicalResourceId="xgboost-a"), sagemaker)


def _refusal(index, sagemaker, stubber, properties, metrics) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(job_lifecycle.TrainingJobError) as raised:
        _judge(index, sagemaker, stubber, properties, metrics)
    return str(raised.value)


@pytest.mark.parametrize(
    ("gate", "value"),
    [
        (("validation:rmse", "0.6", "lower"), 0.6),  # the threshold itself passes
        (("validation:rmse", "0.6", "lower"), 0.41),
        (("validation:auc", "0.95", "higher"), 0.95),
        (("validation:auc", "0.95", "higher"), 0.993),
        (("validation:mlogloss", "0.4", "lower"), 0.0712),
    ],
)
def test_a_model_that_reaches_the_threshold_passes(index, sagemaker, stubber, gate, value) -> None:  # type: ignore[no-untyped-def]
    result = _judge(index, sagemaker, stubber, with_gate(*gate), {"train:x": 0.0, gate[0]: value})
    assert result["IsComplete"] is True
    assert result["Data"]["QualityGateValue"] == f"{value:.6g}"


def test_a_regression_model_that_misses_fails_with_metric_value_threshold_and_job(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    message = _refusal(index, sagemaker, stubber, PROPERTIES, {"train:rmse": 0.3, "validation:rmse": 0.7512})
    assert message == (
        "training job xgboost-a completed but its model misses the quality gate: validation:rmse = 0.7512, which "
        "must be <= 0.6. The model is not served. " + NEXT_STEP
    )


def test_a_classifier_whose_auc_is_too_low_fails(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    properties = with_gate("validation:auc", "0.95", "higher")
    message = _refusal(index, sagemaker, stubber, properties, {"validation:auc": 0.9123, "validation:logloss": 0.2})
    assert message == (
        "training job xgboost-a completed but its model misses the quality gate: validation:auc = 0.9123, which "
        "must be >= 0.95. The model is not served. " + NEXT_STEP
    )


def test_a_metric_that_is_not_a_number_misses(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    message = _refusal(index, sagemaker, stubber, PROPERTIES, {"validation:rmse": math.nan})
    assert "validation:rmse = nan, which must be <= 0.6" in message


def test_a_missing_metric_fails_and_says_which_metrics_were_reported(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    properties = with_gate("validation:mlogloss", "0.4", "lower")
    message = _refusal(index, sagemaker, stubber, properties, {"validation:merror": 0.1, "train:merror": 0.05})
    assert message == (
        "training job xgboost-a completed but reported no validation:mlogloss (it reported: train:merror, "
        "validation:merror), so the quality gate (validation:mlogloss <= 0.4) cannot be checked and its model is "
        "not served. Make sure eval_metric in the hyperparameters includes mlogloss, then deploy again."
    )


def test_a_job_that_reported_no_metrics_at_all_fails(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    assert "(it reported: none)" in _refusal(index, sagemaker, stubber, PROPERTIES, {})


def test_a_redeploy_with_the_same_inputs_reuses_the_job_and_fails_the_same_way(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    name, metrics = base_name(), {"validation:rmse": 0.9}
    messages = []
    for _ in range(2):
        stubber.add_response("describe_training_job", completed(name, metrics), {"TrainingJobName": name})
        assert index.handle_event(event("Update"), sagemaker) == {"PhysicalResourceId": name}  # no new job
        stubber.add_response("describe_training_job", completed(name, metrics), {"TrainingJobName": name})
        with pytest.raises(job_lifecycle.TrainingJobError) as raised:
            index.check_complete(event("Update", PhysicalResourceId=name), sagemaker)
        messages.append(str(raised.value))
    assert messages[0] == messages[1] and f"training job {name} completed but its model misses" in messages[0]


def test_changing_only_the_gate_rejudges_the_same_job(index, sagemaker, stubber) -> None:  # type: ignore[no-untyped-def]
    relaxed = with_gate("validation:rmse", "1.0", "lower")
    assert base_name(relaxed) == base_name()
    assert _judge(index, sagemaker, stubber, relaxed, {"validation:rmse": 0.9})["Data"]["QualityGateValue"] == "0.9"
