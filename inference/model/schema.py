"""The schema of a served model: its features in model order, its target and task, read from ``schema.json``.

Nothing here knows a data set: the schema is data, validated by ``Schema.from_document`` (a ``SchemaError``
names the bad key). Values are raw; a category is sent by name and reaches the model as its index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from inference.model.schema_document import parse_schema
from inference.model.schema_parts import (
    DEFAULT_OBJECTIVES,
    TASKS,
    ExampleValue,
    Feature,
    SchemaError,
    Target,
    check_objective,
)

__all__ = ["DEFAULT_OBJECTIVES", "SCHEMA_FORMAT", "TASKS", "ExampleValue", "Feature", "Schema", "SchemaError", "Target",
           "check_objective"]  # fmt: skip

SCHEMA_FORMAT = 1
"""Version of the schema document; bump when its meaning changes."""


@dataclass(frozen=True)
class Schema:
    name: str
    features: tuple[Feature, ...]
    target: Target
    example: Mapping[str, ExampleValue] = field(default_factory=dict)
    """One valid row (raw values, category names): what the docs, the page and the tools send."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """Where the training data came from (rows, sha256): provenance, not used for serving."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(f.name for f in self.features))
        object.__setattr__(self, "index", MappingProxyType({f.name: i for i, f in enumerate(self.features)}))

    names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    @property
    def task(self) -> str:
        return self.target.task

    @property
    def num_classes(self) -> int:
        return len(self.target.labels)

    def example_values(self) -> list[ExampleValue]:
        return [self.example.get(name) for name in self.names]

    def to_document(self) -> dict[str, Any]:
        return {"format": SCHEMA_FORMAT, "name": self.name, "target": _target_document(self.target),
                "features": [_feature_document(f) for f in self.features], "example": dict(self.example),
                "data": dict(self.data)}  # fmt: skip

    @classmethod
    def from_document(cls, document: object, *, origin: str = "schema") -> Schema:
        """A validated Schema; ``SchemaError`` names the first bad key (prefixed with ``origin``)."""
        return cls(*parse_schema(document, origin))


def _feature_document(feature: Feature) -> dict[str, Any]:
    document: dict[str, Any] = {"name": feature.name, "description": feature.description, "unit": feature.unit,
                                "missing": feature.missing}  # fmt: skip
    if feature.categories is not None:
        document["categories"] = list(feature.categories)
        if feature.unknown_is_missing:  # written only when opted into: readers before this key refuse it (503)
            document["unknown_categories"] = feature.unknown_categories
    else:
        document |= {"minimum": feature.minimum, "maximum": feature.maximum}
    return document


def _target_document(target: Target) -> dict[str, Any]:
    document: dict[str, Any] = {"name": target.name, "task": target.task, "objective": target.objective,
                                "description": target.description}  # fmt: skip
    if target.task == "regression":
        document |= {"unit": target.unit, "scale": target.scale, "decimals": target.decimals}
    else:
        document["labels"] = list(target.labels)
    return document
