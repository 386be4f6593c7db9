"""The model a backend serves and the schema it was trained with: two S3 objects, always handed over together,
and optionally the model's compiled form (``model.compiled.npz``), a third."""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from inference.monitoring.baseline import BASELINE_NAME
from inference.settings import Env


@dataclass(frozen=True)
class ModelArtifact:
    """``model.tar.gz`` and its sibling ``schema.json`` (SageMaker tars the model itself: the schema cannot go
    inside), and the compiled form when there is one. Keys and version may be deploy-time tokens;
    ``revision`` is literal text that changes whenever any of the objects does, so a consumer's template
    changes with them.

    ``environment()`` is what every backend reads (``COMPILED_MODEL_URI`` only with a compiled form; without
    one the backends serve the tarball; ``MODEL_SHA256``/``COMPILED_MODEL_SHA256`` when known, which the
    backends check each object against); ``grant_read(grantee)`` lets a backend get exactly these objects: no
    listing, no other keys, no bucket metadata.
    """

    model_bucket: s3.IBucket
    model_key: str
    schema_bucket: s3.IBucket
    schema_key: str
    version: str
    """MODEL_VERSION: the training job's name (or the pinned key's)."""
    revision: str
    compiled_bucket: s3.IBucket | None = None
    compiled_key: str | None = None
    """The compiled form of ``model_key`` (``inference.model.compile``), or None to serve the tarball."""
    expected_bucket: s3.IBucket | None = None
    expected_key: str | None = None
    """``model.expected.json``: the answers the model must give to its schema's example (``inference.expected``),
    written beside the compiled form; the pre-traffic hook compares a new version's answers with it."""
    model_sha256: str | None = None
    """SHA-256 of ``model.tar.gz`` (``MODEL_SHA256``): the backends refuse a tarball, or a compiled form built
    from one, with other bytes. None: not checked."""
    compiled_sha256: str | None = None
    """SHA-256 of the compiled form (``COMPILED_MODEL_SHA256``): the backends refuse an archive with other bytes."""
    baseline_key: str | None = None
    """The model's ``baseline.json`` in ``model_bucket`` (what the monitor compares with); None: beside the model."""

    def __post_init__(self) -> None:
        if (self.compiled_bucket is None) != (self.compiled_key is None):
            raise ValueError("compiled_bucket and compiled_key go together: give both or neither")
        if (self.expected_bucket is None) != (self.expected_key is None):
            raise ValueError("expected_bucket and expected_key go together: give both or neither")
        if self.compiled_sha256 is not None and self.compiled_key is None:
            raise ValueError("compiled_sha256 is the digest of a compiled form: give compiled_bucket and compiled_key")

    @property
    def model_uri(self) -> str:
        return f"s3://{self.model_bucket.bucket_name}/{self.model_key}"

    @property
    def schema_uri(self) -> str:
        return f"s3://{self.schema_bucket.bucket_name}/{self.schema_key}"

    @property
    def compiled_uri(self) -> str | None:
        if self.compiled_bucket is None:
            return None
        return f"s3://{self.compiled_bucket.bucket_name}/{self.compiled_key}"

    @property
    def baseline_uri(self) -> str:
        return f"s3://{self.model_bucket.bucket_name}/{self.baseline_object}"

    @property
    def baseline_object(self) -> str:
        return self.baseline_key or posixpath.join(posixpath.dirname(self.model_key), BASELINE_NAME)

    def environment(self) -> dict[str, str]:
        environment = {
            Env.MODEL_URI: self.model_uri,
            Env.SCHEMA_URI: self.schema_uri,
            Env.MODEL_VERSION: self.version,
            Env.MODEL_REVISION: self.revision,
        }
        if self.compiled_uri is not None:
            environment[Env.COMPILED_MODEL_URI] = self.compiled_uri
        digests = {Env.MODEL_SHA256: self.model_sha256, Env.COMPILED_MODEL_SHA256: self.compiled_sha256}
        return environment | {name: digest for name, digest in digests.items() if digest is not None}

    def object_arns(self) -> list[str]:
        """The ARNs of the model, schema (and compiled) objects: what a backend reads, and nothing else."""
        return [bucket.arn_for_objects(key) for bucket, key in self._objects()]

    @property
    def expected_uri(self) -> str | None:
        if self.expected_bucket is None:
            return None
        return f"s3://{self.expected_bucket.bucket_name}/{self.expected_key}"

    def expected_environment(self) -> dict[str, str]:
        """What the pre-traffic hook reads: ``EXPECTED_ANSWERS_URI`` when the model has expected answers."""
        uri = self.expected_uri
        return {} if uri is None else {Env.EXPECTED_ANSWERS_URI: uri}

    def grant_read_expected(self, grantee: iam.IGrantable) -> None:
        """``s3:GetObject`` on ``model.expected.json`` (nothing when there is none)."""
        if self.expected_bucket is None or self.expected_key is None:
            return
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["s3:GetObject"],
            resource_arns=[self.expected_bucket.arn_for_objects(self.expected_key)],
        )
        if self.expected_bucket.encryption_key is not None:
            self.expected_bucket.encryption_key.grant_decrypt(grantee)

    def grant_read(self, grantee: iam.IGrantable) -> None:
        """``s3:GetObject`` on the model, schema (and compiled) objects, and decrypt where a bucket has a key."""
        iam.Grant.add_to_principal(grantee=grantee, actions=["s3:GetObject"], resource_arns=self.object_arns())
        for bucket in dict.fromkeys(bucket for bucket, _ in self._objects()):  # each bucket once, in order
            if bucket.encryption_key is not None:
                bucket.encryption_key.grant_decrypt(grantee)

    def _objects(self) -> list[tuple[s3.IBucket, str]]:
        objects = [(self.model_bucket, self.model_key), (self.schema_bucket, self.schema_key)]
        if self.compiled_bucket is not None and self.compiled_key is not None:
            objects.append((self.compiled_bucket, self.compiled_key))
        return objects

    def grant_read_baseline(self, grantee: iam.IGrantable) -> None:
        """``s3:GetObject`` on the baseline object, and nothing else (the monitor's, not the backends')."""
        iam.Grant.add_to_principal(grantee=grantee, actions=["s3:GetObject"],
                                   resource_arns=[self.model_bucket.arn_for_objects(self.baseline_object)])  # fmt: skip
        if self.model_bucket.encryption_key is not None:
            self.model_bucket.encryption_key.grant_decrypt(grantee)


def pinned_revision(model_uri: str, schema_uri: str, compiled_uri: str | None = None) -> str:
    """A pinned set's revision: changes when any URI does (all are literal text). Without a compiled form it
    is the pair's revision alone, as it was before compiled forms existed (so a pinned pair is not rolled out
    again for nothing)."""
    text = f"{model_uri}\n{schema_uri}" + ("" if compiled_uri is None else f"\n{compiled_uri}")
    return hashlib.sha256(text.encode()).hexdigest()[:16]
