"""A model and its schema, fetched together and checked against each other before anything is served.

The schema (``schema.json``) is a sibling of the model: SageMaker's built-in algorithm tars the model
itself, so nothing of ours can go inside ``model.tar.gz``. ``SCHEMA_URI`` says where it is; without it,
the schema is looked for beside the model (``<model dir>/schema.json``). A pair that disagrees (feature
count, objective, class count) is refused with a message that says which, so the service answers 503
instead of answering with the wrong meaning.
"""

from __future__ import annotations

import json
import posixpath
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from inference import artifact
from inference.columns import Columns
from inference.errors import ModelFormatError
from inference.schema import Schema, SchemaError
from inference.trees import TreeEnsemble, compile_model

if TYPE_CHECKING:
    from inference.explain import TreeExplainer

SCHEMA_NAME = "schema.json"


def default_schema_uri(model_uri: str) -> str:
    """``schema.json`` in the model's directory (a local path or an S3 prefix)."""
    return posixpath.join(posixpath.dirname(model_uri), SCHEMA_NAME) if "/" in model_uri else SCHEMA_NAME


@dataclass(frozen=True)
class ModelBundle:
    ensemble: TreeEnsemble
    schema: Schema
    columns: Columns
    version: str
    document: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)
    """The parsed model document, kept for the explainer, which is built from it on the first explanation."""
    _explainer: list[TreeExplainer] = field(repr=False, compare=False, default_factory=list)
    _lock: threading.Lock = field(repr=False, compare=False, default_factory=threading.Lock)

    @property
    def explainer(self) -> TreeExplainer:
        """Exact TreeSHAP for this model, built once on first use (plain predictions never pay for it)."""
        with self._lock:
            if not self._explainer:
                from inference.explain import TreeExplainer

                self._explainer.append(TreeExplainer.from_document(self.document, self.ensemble.base_margin))
            return self._explainer[0]

    @classmethod
    def load(cls, model_uri: str, version: str | None = None, *, schema_uri: str | None = None) -> ModelBundle:
        fetched = artifact.fetch(model_uri)
        document = artifact.model_document(fetched.data)
        ensemble = compile_model(document)
        schema = load_schema(schema_uri or default_schema_uri(model_uri), explicit=schema_uri is not None)
        check_agreement(ensemble, schema)
        return cls(ensemble, schema, Columns(schema), version or fetched.version, document)


def load_schema(uri: str, *, explicit: bool) -> Schema:
    try:
        data = artifact.fetch(uri, max_bytes=artifact.MAX_SCHEMA_BYTES, what="schema file").data
    except ModelFormatError as error:
        hint = "" if explicit else " (SCHEMA_URI is not set, so it was looked for beside the model)"
        raise ModelFormatError(f"the model's schema could not be read: {error}{hint}") from None
    try:
        return Schema.from_document(json.loads(data), origin=uri)
    except (ValueError, RecursionError) as error:  # SchemaError is a ValueError; so are JSON errors
        reason = error if isinstance(error, SchemaError) else f"{uri}: not valid JSON ({error})"
        raise ModelFormatError(f"the model's schema is invalid: {reason}") from None


def check_agreement(ensemble: TreeEnsemble, schema: Schema) -> None:
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
