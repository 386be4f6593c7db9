"""A pinned model: ``modelArtifactUri``, ``modelSchemaUri`` and ``compiledModelUri`` as S3 object locations, and the
digests the backends check them against."""

from __future__ import annotations

from dataclasses import dataclass

from stacks import config_values as values
from stacks.config_values import ConfigError

_SAGEMAKER_OUTPUT_SUFFIX = "/output/model.tar.gz"
MODEL_EXAMPLE = "s3://my-bucket/models/<training-job>/output/model.tar.gz"
SCHEMA_EXAMPLE = "s3://my-bucket/data/<hash>/schema.json"
COMPILED_EXAMPLE = "s3://my-bucket/models/<training-job>/output/model.compiled.npz"


@dataclass(frozen=True)
class S3ObjectLocation:
    bucket_name: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket_name}/{self.key}"


@dataclass(frozen=True)
class ModelArtifactLocation(S3ObjectLocation):
    """An existing model in S3, and the schema it was trained with, to serve instead of what TrainingStack
    trains (pin or roll back)."""

    version: str
    """``<training-job>`` for SageMaker's ``models/<training-job>/output/model.tar.gz``, else the key."""
    schema: S3ObjectLocation
    compiled: S3ObjectLocation | None = None
    """``compiledModelUri``: the model's compiled form (``model.compiled.npz``) to serve; None serves the tarball."""
    sha256: str | None = None
    """``modelArtifactSha256``: the tarball's SHA-256, which the backends check it (and the compiled form's
    source) against; None: not checked."""
    compiled_sha256: str | None = None
    """``compiledModelSha256``: the compiled form's SHA-256, checked by the backends; None: not checked."""


def model_version_from_key(key: str) -> str:
    """``models/<job>/output/model.tar.gz`` -> ``<job>``; any other key -> the key itself."""
    if key.endswith(_SAGEMAKER_OUTPUT_SUFFIX) and key.count("/") >= 2:
        return key[: -len(_SAGEMAKER_OUTPUT_SUFFIX)].rsplit("/", 1)[-1]
    return key


def pinned_model(model_uri: object, schema_uri: object, compiled_uri: object = None, model_sha256: object = None,
                 compiled_sha256: object = None) -> ModelArtifactLocation | None:  # fmt: skip
    """``modelArtifactUri`` and ``modelSchemaUri`` together, or neither: a model is never served without its schema.
    ``compiledModelUri`` may name the pinned model's compiled form; without it the tarball is served. The
    digests (``modelArtifactSha256``, ``compiledModelSha256``) go with the objects they are the digests of."""
    model = values.s3_object("modelArtifactUri", model_uri, example=MODEL_EXAMPLE)
    schema = values.s3_object("modelSchemaUri", schema_uri, example=SCHEMA_EXAMPLE)
    compiled = values.s3_object("compiledModelUri", compiled_uri, example=COMPILED_EXAMPLE)
    digests = (_digest("modelArtifactSha256", model_sha256, "modelArtifactUri", model),
               _digest("compiledModelSha256", compiled_sha256, "compiledModelUri", compiled))  # fmt: skip
    if model is None and schema is not None:
        raise ConfigError(
            "context key 'modelSchemaUri' is only used with 'modelArtifactUri' (a pinned model); unset it to "
            f"serve the model TrainingStack trains, got {schema_uri!r}"
        )
    if model is None and compiled is not None:
        raise ConfigError(
            "context key 'compiledModelUri' is only used with 'modelArtifactUri' (a pinned model); unset it to "
            f"serve the model TrainingStack trains, which TrainingStack compiles itself, got {compiled_uri!r}"
        )
    if model is None:
        return None
    if schema is None:
        raise ConfigError(
            "context key 'modelSchemaUri' must be set when 'modelArtifactUri' pins a model: the S3 URI of the "
            f"schema.json the model was trained with, like {SCHEMA_EXAMPLE!r} (TrainingStack's SchemaUri output)"
        )
    if compiled is not None and not compiled[1].endswith(".npz"):
        raise ConfigError(
            "context key 'compiledModelUri' must name the compiled form of the pinned model, a .npz that "
            f"`python -m inference.model.compile` writes, like {COMPILED_EXAMPLE!r} (TrainingStack's "
            f"CompiledModelUri output), got {compiled_uri!r}"
        )
    bucket, key = model
    return ModelArtifactLocation(
        bucket,
        key,
        model_version_from_key(key),
        S3ObjectLocation(*schema),
        None if compiled is None else S3ObjectLocation(*compiled),
        *digests,
    )


def _digest(key: str, value: object, owner: str, location: object) -> str | None:
    digest = values.sha256(key, value)
    if digest is not None and location is None:
        raise ConfigError(f"context key {key!r} is the SHA-256 of the object {owner!r} names: set both or neither, "
                          f"got {key}={digest!r} without {owner}")  # fmt: skip
    return digest
