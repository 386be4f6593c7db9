"""Lambda entry points of the TrainingJob custom resource (Provider framework ``onEvent``/``isComplete``).

Create/Update start (or reuse) the training job and answer with its name as the physical ID; Delete keeps
everything (models stay in the bucket) and calls nothing. ``is_complete`` polls until the job completes
and returns its outputs, or raises with the job's FailureReason (or the quality gate's verdict) so the
deployment fails with it.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import boto3
from job_lifecycle import completion, start_or_reuse
from job_spec import JobSpec

logging.getLogger().setLevel(os.environ.get("LOG_LEVEL", "INFO"))
LOGGER = logging.getLogger(__name__)
_CLIENT: Any = None


def sagemaker_client() -> Any:
    """One client per execution environment, created on first use."""
    global _CLIENT
    if _CLIENT is None:
        _CLIENT = boto3.client("sagemaker")
    return _CLIENT


def handle_event(event: dict[str, Any], client: Any) -> dict[str, Any]:
    request_type = event["RequestType"]
    if request_type == "Delete":
        LOGGER.info("delete %s: nothing to do, models are kept", event.get("PhysicalResourceId"))
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    if request_type not in ("Create", "Update"):
        raise ValueError(f"unknown RequestType {request_type!r}")
    spec = JobSpec.from_properties(event["ResourceProperties"])
    return {"PhysicalResourceId": start_or_reuse(client, spec)}


def check_complete(event: dict[str, Any], client: Any) -> dict[str, Any]:
    if event["RequestType"] == "Delete":
        return {"IsComplete": True}
    spec = JobSpec.from_properties(event["ResourceProperties"])
    return dict(completion(client, event["PhysicalResourceId"], spec))


def on_event(event: dict[str, Any], _context: object) -> dict[str, Any]:
    return handle_event(event, sagemaker_client())


def is_complete(event: dict[str, Any], _context: object) -> dict[str, Any]:
    return check_complete(event, sagemaker_client())
