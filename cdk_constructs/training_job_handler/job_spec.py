"""The TrainingJob custom resource's properties, typed, and the CreateTrainingJob request they describe.

The job name is ``xgboost-`` plus a hash of the complete request, so the same inputs always map to the
same job name (see ``job_lifecycle`` for how that makes events idempotent). The quality gate and the
schema's URI are properties but not part of the request: changing the gate alone re-judges the same job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from job_gate import JobGate

NAME_PREFIX = "xgboost-"
VOLUME_SIZE_GB = 30


def _text(props: Mapping[str, Any], name: str) -> str:
    value = props.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"resource property {name} must be a non-empty string, got {value!r}")
    return value


def _whole(props: Mapping[str, Any], name: str) -> int:
    text = _text(props, name)
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"resource property {name} must be a positive integer, got {text!r}")
    return int(text)


@dataclass(frozen=True)
class JobSpec:
    """The custom resource properties, typed (CloudFormation delivers every scalar as a string)."""

    image: str
    role_arn: str
    channels: dict[str, str]
    output_uri: str
    hyperparameters: dict[str, str]
    instance_type: str
    instance_count: int
    use_spot: bool
    max_runtime_seconds: int
    max_wait_seconds: int
    gate: JobGate | None = None
    """None for a template from before the gate existed (a rollback to it must still succeed)."""
    schema_uri: str | None = None
    """``s3://bucket/data/<hash>/schema.json``: uploaded beside the channels, echoed as an attribute."""

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> JobSpec:
        channels, hyperparameters = props.get("Channels"), props.get("HyperParameters")
        if not isinstance(channels, dict) or not channels:
            raise ValueError(f"resource property Channels must map channel names to S3 URIs, got {channels!r}")
        if not isinstance(hyperparameters, dict) or "num_round" not in hyperparameters:
            raise ValueError(f"resource property HyperParameters must include num_round, got {hyperparameters!r}")
        spec = cls(
            image=_text(props, "TrainingImage"),
            role_arn=_text(props, "RoleArn"),
            channels={str(k): str(v) for k, v in channels.items()},
            output_uri=_text(props, "OutputUri"),
            hyperparameters={str(k): str(v) for k, v in hyperparameters.items()},
            instance_type=_text(props, "InstanceType"),
            instance_count=_whole(props, "InstanceCount"),
            use_spot=_text(props, "UseSpot") == "true",
            max_runtime_seconds=_whole(props, "MaxRuntimeSeconds"),
            max_wait_seconds=_whole(props, "MaxWaitSeconds"),
            gate=JobGate.from_property(props.get("QualityGate")),
            schema_uri=_schema_uri(props.get("SchemaUri")),
        )
        if spec.use_spot and spec.max_wait_seconds < spec.max_runtime_seconds:
            raise ValueError("resource property MaxWaitSeconds must be at least MaxRuntimeSeconds")
        return spec

    def request(self, name: str) -> dict[str, Any]:
        """CreateTrainingJob parameters: File-mode CSV channels, managed spot when asked, isolated network."""
        stopping: dict[str, int] = {"MaxRuntimeInSeconds": self.max_runtime_seconds}
        if self.use_spot:
            stopping["MaxWaitTimeInSeconds"] = self.max_wait_seconds
        return {
            "TrainingJobName": name,
            "AlgorithmSpecification": {"TrainingImage": self.image, "TrainingInputMode": "File"},
            "RoleArn": self.role_arn,
            "InputDataConfig": [_channel(channel, uri) for channel, uri in sorted(self.channels.items())],
            "OutputDataConfig": {"S3OutputPath": self.output_uri},
            "ResourceConfig": {
                "InstanceType": self.instance_type,
                "InstanceCount": self.instance_count,
                "VolumeSizeInGB": VOLUME_SIZE_GB,
            },
            "StoppingCondition": stopping,
            "HyperParameters": dict(sorted(self.hyperparameters.items())),
            "EnableManagedSpotTraining": self.use_spot,
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
        }

    def base_name(self) -> str:
        canonical = json.dumps(self.request(""), sort_keys=True, separators=(",", ":"))
        return NAME_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _schema_uri(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith("s3://") or value.endswith("/"):
        raise ValueError(f"resource property SchemaUri must be the S3 URI of an object, got {value!r}")
    return value


def _channel(name: str, uri: str) -> dict[str, Any]:
    return {
        "ChannelName": name,
        "ContentType": "text/csv",
        "CompressionType": "None",
        "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}
        },
    }
