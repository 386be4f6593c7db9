"""The Lambda image's third command: CodeDeploy's pre-traffic hook (``CMD ["pre_traffic_handler.handler"]``).

CodeDeploy calls it with ``DeploymentId`` and ``LifecycleEventHookExecutionId`` before any traffic moves to the
new version (``CHECKED_FUNCTION``, a version ARN). It asks that version what ``pre_traffic.check`` asks, with the
expected answers at ``EXPECTED_ANSWERS_URI``, and reports Succeeded or Failed with
``PutLifecycleEventHookExecutionStatus``: a Failed stops the deployment and the alias stays where it was.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from inference.logs import JsonLogFormatter
from inference.model.artifact import MAX_SCHEMA_BYTES, fetch
from inference.pre_traffic import Invoke, check
from inference.settings import Settings

LOGGER = logging.getLogger("inference.pre_traffic_hook")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import boto3  # the Lambda runtime's own

    settings = Settings.from_environ()
    _configure_logging(settings.log_level)
    target = settings.checked_function
    lambda_client = boto3.client("lambda")

    def invoke(request: dict[str, Any]) -> dict[str, Any]:
        reply = lambda_client.invoke(FunctionName=target, Payload=json.dumps(request).encode())
        payload = json.loads(reply["Payload"].read())
        if reply.get("FunctionError"):
            raise RuntimeError(f"{reply['FunctionError']}: {str(payload)[:300]}")
        return dict(payload)

    return hook(event, boto3.client("codedeploy"), invoke, settings.expected_answers_uri, target)


def hook(event: dict[str, Any], codedeploy: Any, invoke: Invoke, expected_uri: str | None, target: str | None,
         read: Callable[[str], bytes] | None = None) -> dict[str, Any]:  # fmt: skip
    """Check ``target`` through ``invoke`` and report to ``codedeploy``; answers what was reported."""
    try:
        if not target:
            raise ValueError("CHECKED_FUNCTION is not set: there is no version to check")
        expected = None if expected_uri is None else json.loads((read or _read)(expected_uri))
        missed = check(invoke, expected)
    except Exception as error:  # nothing to compare with is a failure too, never a pass
        missed = [f"the check could not run: {type(error).__name__}: {error}"]
    status = "Failed" if missed else "Succeeded"
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    unchecked = "no model.expected.json: only /ping and a malformed body were checked" if expected_uri is None else None
    LOGGER.log(logging.ERROR if missed else logging.INFO, "pre-traffic check %s", status.lower(),
               extra={"target": target, "misses": missed, "note": unchecked})  # fmt: skip
    return {"status": status, "misses": missed}


def _read(uri: str) -> bytes:
    return fetch(uri, max_bytes=MAX_SCHEMA_BYTES, what="expected answers").data


def _configure_logging(level: str) -> None:
    package_logger = logging.getLogger("inference")
    if not any(isinstance(h.formatter, JsonLogFormatter) for h in package_logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonLogFormatter())
        package_logger.handlers[:] = [handler]
        package_logger.propagate = False
    package_logger.setLevel(level)
