"""The model a backend serves and the schema it was trained with: two S3 objects, always handed over together."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3


@dataclass(frozen=True)
class ModelArtifact:
    """``model.tar.gz`` and its sibling ``schema.json`` (SageMaker tars the model itself: the schema cannot go
    inside). Keys and version may be deploy-time tokens; ``revision`` is literal text that changes whenever
    either object does, so a consumer's template changes with them.

    ``environment()`` is what every backend reads; ``grant_read(grantee)`` lets a backend get exactly these
    two objects: no listing, no other keys, no bucket metadata.
    """

    model_bucket: s3.IBucket
    model_key: str
    schema_bucket: s3.IBucket
    schema_key: str
    version: str
    """MODEL_VERSION: the training job's name (or the pinned key's)."""
    revision: str

    @property
    def model_uri(self) -> str:
        return f"s3://{self.model_bucket.bucket_name}/{self.model_key}"

    @property
    def schema_uri(self) -> str:
        return f"s3://{self.schema_bucket.bucket_name}/{self.schema_key}"

    def environment(self) -> dict[str, str]:
        return {
            "MODEL_URI": self.model_uri,
            "SCHEMA_URI": self.schema_uri,
            "MODEL_VERSION": self.version,
            "MODEL_REVISION": self.revision,
        }

    def grant_read(self, grantee: iam.IGrantable) -> None:
        """``s3:GetObject`` on the model object and the schema object, and decrypt where a bucket has a key."""
        model, schema = self.model_bucket, self.schema_bucket
        objects = [model.arn_for_objects(self.model_key), schema.arn_for_objects(self.schema_key)]
        iam.Grant.add_to_principal(grantee=grantee, actions=["s3:GetObject"], resource_arns=objects)
        for bucket in [model] if schema is model else [model, schema]:
            if bucket.encryption_key is not None:
                bucket.encryption_key.grant_decrypt(grantee)


def pinned_revision(model_uri: str, schema_uri: str) -> str:
    """A pinned pair's revision: changes when either URI does (both are literal text)."""
    return hashlib.sha256(f"{model_uri}\n{schema_uri}".encode()).hexdigest()[:16]
