"""How SageMaker Runtime answers ``InvokeEndpoint`` when the container answers an error, so that boto3 raises
``ModelError`` with the original status and message, as it does against a real endpoint.

botocore's ``sagemaker-runtime`` service model (rest-json): ``ModelError`` is status 424, named by the
``x-amzn-ErrorType`` header; its members are ``Message``, ``OriginalStatusCode``, ``OriginalMessage`` and
``LogStreamArn``. The message is SageMaker's own sentence around the container's body. ``LogStreamArn`` is left
out: the log lines are the function's or the task's own (CloudWatch, by request id).
"""

from __future__ import annotations

from typing import Any

MODEL_ERROR_STATUS = 424
ERROR_TYPE_HEADER = "x-amzn-errortype"


def model_error_body(status: int, original: str) -> dict[str, Any]:
    """The body of a 424 ``ModelError`` for a container answer of ``status`` with the body ``original``."""
    kind = "client" if status < 500 else "server"
    message = f'Received {kind} error ({status}) from primary with message "{original}". See the logs of the ' \
              "function or task that answered for more information."  # fmt: skip
    return {"ErrorCode": f"{kind.upper()}_ERROR_FROM_MODEL", "Message": message, "OriginalMessage": original,
            "OriginalStatusCode": status}  # fmt: skip
