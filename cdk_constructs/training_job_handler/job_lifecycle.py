"""Start (or find) the training job for a JobSpec, and report its state the way the Provider framework wants.

Idempotent by name: the same inputs give the same name, so a repeated Create/Update event attaches to the
job that is running or reuses the one that completed, instead of training again. A job with these inputs
that failed or was stopped is retried under ``<name>-r2`` .. ``-r<MAX_ATTEMPTS>``, so redeploying after a
spot interruption or a timeout trains again without renaming anything.

A completed job whose final validation metric misses the quality gate fails the event (so the deployment
fails and ServingStack, which reads TrainingStack's outputs, is not updated). That job stays completed:
a redeploy with the same inputs reuses it and fails the same way, with the same message; a redeploy that
only changes the gate re-judges it without training; new data or hyperparameters train a new job.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import ClientError
from job_gate import JobGate, final_metrics
from job_spec import JobSpec

LOGGER = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
RUNNING = ("InProgress", "Stopping")
VALIDATION_METRIC = "validation:rmse"


class TrainingJobError(RuntimeError):
    """The job failed or was stopped (message carries SageMaker's FailureReason), no attempts remain, or its
    model misses the quality gate (the message names the metric, its value, the threshold and the job)."""


def attempt_names(base_name: str) -> list[str]:
    return [base_name] + [f"{base_name}-r{attempt}" for attempt in range(2, MAX_ATTEMPTS + 1)]


def start_or_reuse(client: Any, spec: JobSpec) -> str:
    """The name of the job for ``spec``: an existing running/completed one, else a newly created one."""
    last_failure = ""
    for name in attempt_names(spec.base_name()):
        job = _describe_if_exists(client, name)
        if job is None:
            _create(client, spec, name)
            return name
        status = job["TrainingJobStatus"]
        if status == "Completed" or status in RUNNING:
            LOGGER.info("reusing training job %s (%s)", name, status)
            return name
        last_failure = _failure(job)
    raise TrainingJobError(
        f"{MAX_ATTEMPTS} training jobs with these exact inputs ended without a model (last: {last_failure}). "
        "Change the data, hyperparameters or instance settings to train again."
    )


def completion(client: Any, name: str, spec: JobSpec | None = None) -> dict[str, Any]:
    """``{"IsComplete": False}`` while running; outputs once completed and past ``spec``'s quality gate.

    Raises ``TrainingJobError`` if the job failed or stopped, or if its final metric is missing or misses
    the gate. The job itself is kept either way, so the same inputs deployed again meet the same verdict.
    """
    job = client.describe_training_job(TrainingJobName=name)
    status = job["TrainingJobStatus"]
    if status in RUNNING:
        return {"IsComplete": False}
    if status != "Completed":
        raise TrainingJobError(_failure(job))
    gate = spec.gate if spec else None
    failure = gate.failure(job) if gate else None
    if failure:
        raise TrainingJobError(failure)
    outputs = job_outputs(job, gate, spec.schema_uri if spec else None)
    if gate is not None:
        LOGGER.info("training job %s passes the quality gate: %s = %s", name, gate.metric, outputs["QualityGateValue"])
    return {"IsComplete": True, "Data": outputs}


def job_outputs(job: dict[str, Any], gate: JobGate | None = None, schema_uri: str | None = None) -> dict[str, str]:
    """The custom resource's attributes (``Fn::GetAtt``) from a completed DescribeTrainingJob response."""
    uri = job["ModelArtifacts"]["S3ModelArtifacts"]
    metrics = final_metrics(job)
    rmse, gate_value = metrics.get(VALIDATION_METRIC), metrics.get(gate.metric) if gate else None
    outputs = {
        "ModelArtifactUri": uri,
        "ModelArtifactKey": _key(uri),
        "TrainingJobName": job["TrainingJobName"],
        "ValidationRmse": "unavailable" if rmse is None else f"{rmse:.6g}",
        "QualityGateValue": "unavailable" if gate_value is None else f"{gate_value:.6g}",
    }
    if schema_uri is not None:
        outputs |= {"SchemaUri": schema_uri, "SchemaKey": _key(schema_uri)}
    return outputs


def _key(uri: str) -> str:
    return uri.removeprefix("s3://").partition("/")[2]


def _failure(job: dict[str, Any]) -> str:
    status, secondary = job["TrainingJobStatus"], job.get("SecondaryStatus", "")
    reason = job.get("FailureReason") or "SageMaker gave no FailureReason"
    detail = f" ({secondary})" if secondary and secondary != status else ""
    return f"training job {job['TrainingJobName']} {status.lower()}{detail}: {reason}"


def _describe_if_exists(client: Any, name: str) -> dict[str, Any] | None:
    try:
        return dict(client.describe_training_job(TrainingJobName=name))
    except ClientError as error:
        message = str(error.response.get("Error", {}).get("Message", "")).lower()
        missing = "not found" in message or "could not find" in message
        if error.response.get("Error", {}).get("Code") == "ValidationException" and missing:
            return None
        raise


def _create(client: Any, spec: JobSpec, name: str) -> None:
    try:
        client.create_training_job(**spec.request(name))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceInUse":
            raise
        LOGGER.info("training job %s was created concurrently; attaching to it", name)
        return
    LOGGER.info("created training job %s", name)
