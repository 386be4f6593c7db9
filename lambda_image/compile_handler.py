"""The Lambda image's second command: compile a trained ``model.tar.gz`` into ``model.compiled.npz``, and write
its whole ``baseline.json`` beside it.

``CMD ["compile_handler.custom_resource_handler"]`` is TrainingStack's step after the training job (a
CloudFormation custom resource, the Provider framework's ``onEvent``); ``compile_handler.lambda_handler`` the
same step as a plain function. The work is ``inference.model.compile``'s and
``inference.monitoring.model_baseline``'s (the data's baseline plus the model's answers on the validation
channel: this step is the one on AWS that holds the trained model). The role needs s3:GetObject on the tarball,
the schema, the data's baseline and the validation channel, and s3:PutObject on the archive and the baseline.
"""

from __future__ import annotations

import logging
from typing import Any

from inference.errors import ModelFormatError
from inference.expected import write_expected
from inference.model.compile import compile_uri
from inference.monitoring.model_baseline import write_model_baseline

LOGGER = logging.getLogger("inference.compile_handler")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Compile the tarball an event names (a step after the training job); errors propagate, failing the step."""
    written = compile_uri(str(event["model_uri"]), event.get("out_uri"), event.get("schema_uri"))
    expected = write_expected(str(event["model_uri"]), event.get("schema_uri"))
    return {"compiled_uri": written.uri, "source_sha256": written.source_sha256, "compiled_sha256": written.sha256,
            "expected_uri": expected}  # fmt: skip


def custom_resource_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Provider framework's ``onEvent``. Create/Update compile ``ResourceProperties.ModelUri``, checked
    against ``SchemaUri``, into ``model.compiled.npz`` beside it, and answer the archive's URI as the physical
    ID, with ``Data`` ``CompiledUri``, ``CompiledKey``, ``SourceSha256`` (the tarball's SHA-256) and
    ``CompiledSha256`` (the archive's), which the backends check what they read against; and writes the model's
    expected answers beside it (``inference.expected``: ``ExpectedUri``, ``ExpectedKey``), which the pre-traffic
    hooks compare new Lambda versions with. Delete does nothing: the bucket keeps its objects. A model that cannot
    be compiled raises, failing the deployment with why."""
    request_type = event.get("RequestType")
    if request_type == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    if request_type not in ("Create", "Update"):
        raise ValueError(f"unknown RequestType {request_type!r}")
    properties = event.get("ResourceProperties") or {}
    model_uri, schema_uri = _property(properties, "ModelUri"), _property(properties, "SchemaUri")
    try:
        written = compile_uri(model_uri, None, schema_uri)
        expected = write_expected(model_uri, schema_uri)
    except ModelFormatError as error:
        raise ModelFormatError(f"{model_uri} cannot be compiled, so it is not served: {error}") from error
    LOGGER.info("compiled %s (sha256 %s) into %s (sha256 %s); expected answers in %s", model_uri,
                written.source_sha256, written.uri, written.sha256, expected)  # fmt: skip
    data = {"CompiledUri": written.uri, "CompiledKey": _key(written.uri), "SourceSha256": written.source_sha256,
            "CompiledSha256": written.sha256, "ExpectedUri": expected, "ExpectedKey": _key(expected)}  # fmt: skip
    if "DataBaselineUri" in properties:
        baseline = write_model_baseline(
            model_uri=model_uri, schema_uri=schema_uri, compiled_uri=written.uri,
            data_baseline_uri=_property(properties, "DataBaselineUri"),
            validation_uri=_property(properties, "ValidationUri"), metric=_property(properties, "Metric"),
        )  # fmt: skip
        LOGGER.info("wrote the baseline of %s into %s", model_uri, baseline)
        data |= {"BaselineUri": baseline, "BaselineKey": _key(baseline)}
    return {"PhysicalResourceId": written.uri, "Data": data}


def _key(uri: str) -> str:
    return uri.removeprefix("s3://").partition("/")[2]


def _property(properties: dict[str, Any], name: str) -> str:
    value = properties.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"resource property {name} must be a non-empty string, got {value!r}")
    return value
