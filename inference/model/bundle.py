"""A model and its schema, fetched together and checked against each other before anything is served.

The schema is ``SCHEMA_URI`` or ``schema.json`` beside the model (SageMaker tars the model itself); the model
its compiled form when one is named or sits beside a local tarball, else the tarball compiled now. A pair
that disagrees, or an archive that is not the tarball's, is refused: a 503 that says why, never a guess.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inference.errors import ModelFormatError, ModelUnavailable, json_refusal
from inference.model import artifact, compiled
from inference.model.columns import Columns
from inference.model.schema import Schema, SchemaError
from inference.settings import DEFAULT_S3, NO_DIGESTS, Digests, Env, S3Settings
from inference.trees.forest import Forest

if TYPE_CHECKING:
    from inference.explain.shap import TreeExplainer

SCHEMA_NAME = "schema.json"
TARBALL_NAME = "model.tar.gz"
NO_COMPILED = "none"
"""``compiled_uri`` (``COMPILED_MODEL_URI``) that serves ``model.tar.gz`` even with a compiled form beside it."""
logger = logging.getLogger("inference")


def default_schema_uri(model_uri: str) -> str:
    """``schema.json`` in the model's directory (a local path or an S3 prefix)."""
    return _sibling(model_uri, SCHEMA_NAME)


def _sibling(uri: str, name: str) -> str:
    return posixpath.join(posixpath.dirname(uri), name) if "/" in uri else name


@dataclass(frozen=True)
class ModelBundle:
    ensemble: Forest
    schema: Schema
    columns: Columns
    version: str
    read_document: Callable[[], dict[str, Any]] = field(repr=False, compare=False, default=dict)
    """Returns the parsed model document: kept from loading a tarball, fetched on first use otherwise."""
    _explainer: list[TreeExplainer] = field(repr=False, compare=False, default_factory=list)
    _lock: threading.Lock = field(repr=False, compare=False, default_factory=threading.Lock)
    _document: list[dict[str, Any]] = field(repr=False, compare=False, default_factory=list)
    _document_lock: threading.Lock = field(repr=False, compare=False, default_factory=threading.Lock)

    @property
    def document(self) -> dict[str, Any]:
        """The parsed model document, for the explainer; ``ModelUnavailable`` (503) when it cannot be read."""
        with self._document_lock:
            if not self._document:
                try:
                    self._document.append(self.read_document())
                except ModelFormatError as error:
                    raise ModelUnavailable(f"explanations need the model document, which could not be read: "
                                           f"{error}") from None  # fmt: skip
            return self._document[0]

    @property
    def explainer(self) -> TreeExplainer:
        """Exact TreeSHAP for this model, built once on first use (plain predictions never pay for it)."""
        with self._lock:
            if not self._explainer:
                from inference.explain.shap import TreeExplainer

                self._explainer.append(TreeExplainer.from_document(self.document, self.ensemble.base_margin))
            return self._explainer[0]

    @classmethod
    def load(cls, model_uri: str, version: str | None = None, *, schema_uri: str | None = None,
             compiled_uri: str | None = None, s3: S3Settings = DEFAULT_S3,
             digests: Digests = NO_DIGESTS) -> ModelBundle:  # fmt: skip
        served = load_forest(model_uri, compiled_uri, s3=s3, digests=digests)
        schema = load_schema(schema_uri or default_schema_uri(model_uri), explicit=schema_uri is not None, s3=s3)
        check_agreement(served.forest, schema)
        if served.feature_names is not None and served.feature_names != schema.names:
            raise ModelFormatError(f"the compiled model was built for the features {', '.join(served.feature_names)}"
                                   f" but its schema {schema.name!r} has {_names(schema)}; serve the schema it was "
                                   "compiled with, or compile it again with this one")  # fmt: skip
        return cls(served.forest, schema, Columns(schema), version or served.version, served.read_document)


@dataclass(frozen=True)
class ServedModel:
    forest: Forest
    version: str
    read_document: Callable[[], dict[str, Any]]
    feature_names: tuple[str, ...] | None = None


def load_forest(model_uri: str, compiled_uri: str | None = None, *, s3: S3Settings = DEFAULT_S3,
                digests: Digests = NO_DIGESTS) -> ServedModel:  # fmt: skip
    """The compiled form when one is named (``COMPILED_MODEL_URI``) or, for a local model, beside the tarball;
    else the tarball, compiled now. Each object is checked against the deployment's ``digests`` first."""
    tarball = _sibling(model_uri, TARBALL_NAME) if model_uri.endswith(".npz") else model_uri
    if compiled_uri == NO_COMPILED:
        return from_tarball(tarball, s3=s3, sha256=digests.model)
    named = compiled_uri or (model_uri if model_uri.endswith(".npz") else None)
    if named is None and model_uri.startswith("s3://"):
        # In S3 only a named compiled form is read: looking for a sibling would cost every cold start one more
        # request (and, for a role that may read exactly the model and its schema, an AccessDenied).
        return from_tarball(tarball, s3=s3, sha256=digests.model)
    uri = named or _sibling(model_uri, compiled.COMPILED_NAME)
    try:
        fetched = _fetch_compiled(uri, s3)
    except ModelFormatError as error:
        if named:
            raise
        logger.info("no compiled model beside the tarball (%s): compiling %s", error, tarball)
        return from_tarball(tarball, s3=s3, sha256=digests.model)
    return from_compiled(fetched, uri, tarball, s3=s3, digests=digests)


def _fetch_compiled(uri: str, s3: S3Settings) -> artifact.Artifact:
    """The archive's bytes; a local one is read as it is (its version is its source's digest, not its own)."""
    path = Path(uri)
    if uri.startswith("s3://") or not path.is_file() or path.stat().st_size > compiled.MAX_COMPILED_BYTES:
        return artifact.fetch(uri, max_bytes=compiled.MAX_COMPILED_BYTES, what="compiled model", s3=s3)  # says why
    return artifact.Artifact(path.read_bytes(), "sha256:")


def from_tarball(uri: str, *, s3: S3Settings = DEFAULT_S3, sha256: str | None = None) -> ServedModel:
    """Compile the tarball now: read and unpacked once, its trees decoded as columns (``inference.trees.scan``)
    and laid out as perfect trees directly; the document is kept for the explainer. With ``sha256`` (the
    deployment's ``MODEL_SHA256``), a tarball with other bytes is refused before it is unpacked."""
    from inference.trees.ensemble import compile_forest  # not imported when a compiled form is served

    fetched = artifact.fetch(uri, s3=s3)
    _check_digest(fetched.data, sha256, f"{uri} is not the model this deployment serves", Env.MODEL_SHA256)
    document = artifact.model_document(fetched.data, tree_columns=True)
    return ServedModel(compile_forest(document), fetched.version, lambda: document)


def from_compiled(fetched: artifact.Artifact, origin: str, tarball: str, *, s3: S3Settings = DEFAULT_S3,
                  digests: Digests = NO_DIGESTS) -> ServedModel:  # fmt: skip
    """Serve a verified archive: the deployment's digest of its bytes and of its source, when given, must match;
    a local tarball beside it must be the one it was compiled from."""
    _check_digest(fetched.data, digests.compiled, f"{origin} is not the compiled model this deployment serves",
                  Env.COMPILED_MODEL_SHA256)  # fmt: skip
    model = compiled.from_bytes(fetched.data, origin)
    if digests.model is not None and model.source_sha256 != digests.model:
        raise ModelFormatError(f"{origin} was compiled from another model than the one this deployment serves "
                               f"(its source's SHA-256 differs from {Env.MODEL_SHA256})")  # fmt: skip
    local = Path(tarball) if not tarball.startswith("s3://") else None
    if local is not None and local.is_file() and compiled.fingerprint_file(local) != model.source_fingerprint:
        raise ModelFormatError(f"{origin} was compiled from another model than {tarball}: compile it again "
                               f"(python -m inference.model.compile {tarball})")  # fmt: skip
    digest = model.source_sha256
    version = f"sha256:{digest[:16]}" if fetched.version.startswith("sha256:") else fetched.version
    return ServedModel(model.forest, version, lambda: read_source_document(tarball, digest, s3=s3),
                       model.feature_names)  # fmt: skip


def _check_digest(data: bytes, expected: str | None, refusal: str, variable: str) -> None:
    if expected is not None and _sha256(data) != expected:
        raise ModelFormatError(f"{refusal}: its SHA-256 differs from {variable} (replaced or damaged in storage?)")


def read_source_document(tarball: str, sha256: str, *, s3: S3Settings = DEFAULT_S3) -> dict[str, Any]:
    """The document of the tarball a compiled model came from, refused if the tarball is another one."""
    fetched = artifact.fetch(tarball, s3=s3)
    if _sha256(fetched.data) != sha256:
        raise ModelFormatError(f"{tarball} is not the model the compiled form was built from (sha256 differs)")
    return artifact.model_document(fetched.data)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_schema(uri: str, *, explicit: bool, s3: S3Settings = DEFAULT_S3) -> Schema:
    try:
        data = artifact.fetch(uri, max_bytes=artifact.MAX_SCHEMA_BYTES, what="schema file", s3=s3).data
    except ModelFormatError as error:
        hint = "" if explicit else " (SCHEMA_URI is not set, so it was looked for beside the model)"
        raise ModelFormatError(f"the model's schema could not be read: {error}{hint}") from None
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise ModelFormatError(
            f"the model's schema is invalid: {uri}: not valid JSON ({json_refusal(error)})"
        ) from None
    try:
        return Schema.from_document(document, origin=uri)
    except (ValueError, RecursionError) as error:  # SchemaError names the key; anything else gets our words
        reason = error if isinstance(error, SchemaError) else f"{uri}: a value in it cannot be read"
        raise ModelFormatError(f"the model's schema is invalid: {reason}") from None


def check_agreement(ensemble: Forest, schema: Schema) -> None:
    """Refuse a model that was not trained for this schema."""
    features = len(schema.features)
    if ensemble.num_features != features:
        raise ModelFormatError(f"the model takes {ensemble.num_features} features but its schema {schema.name!r} has "
                               f"{features} ({_names(schema)}); was it trained on this data set?")  # fmt: skip
    if ensemble.objective != schema.target.objective:
        raise ModelFormatError(f"the model's objective is {ensemble.objective!r} but its schema {schema.name!r} "
                               f"says {schema.target.objective!r}; serve the schema it was trained with")  # fmt: skip
    if schema.task == "multiclass" and ensemble.num_groups != schema.num_classes:
        raise ModelFormatError(f"the model has {ensemble.num_groups} classes but its schema {schema.name!r} labels "
                               f"{schema.num_classes} ({', '.join(schema.target.labels)})")  # fmt: skip


def _names(schema: Schema, limit: int = 10) -> str:
    names = schema.names
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
