"""The schema of a served model: its features in model order, its target and task, read from ``schema.json``.

Data preparation derives the schema from a dataset spec (``datasets/*.toml``) and from the data itself, and
writes it beside the training channels; serving reads it beside the model. Nothing here knows a data set:
the schema is data. ``Schema.from_document`` validates a document and refuses a damaged one with a
``SchemaError`` naming the key, so a schema that cannot be trusted is never served.

Values are raw and human-meaningful: tree models need no scaling. A categorical feature is sent by its
category name and reaches the model as the name's index in ``categories`` (the encoding training used);
a missing value (where the feature allows it) reaches the model as NaN, XGBoost's "missing".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from inference.errors import ModelFormatError

SCHEMA_FORMAT = 1
"""Version of the schema document; bump when its meaning changes."""
MAX_ROWS = 1000
"""Most rows one request may carry; more is answered with 413."""
MAX_BODY_BYTES = 1024 * 1024
"""Largest request body accepted (1 MiB); larger is answered with 413."""

ExampleValue = float | str | None
TASKS = ("regression", "binary", "multiclass")
DEFAULT_OBJECTIVES = {"regression": "reg:squarederror", "binary": "binary:logistic", "multiclass": "multi:softprob"}
"""The objective a spec gets when it names none: the built-in algorithm's usual choice per task."""


class SchemaError(ValueError):
    """A schema document (or a spec it came from) is invalid; the message names the key."""


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    description: str = ""
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    missing: bool = False
    """Whether a value may be missing (JSON null, an absent optional key, an empty CSV field)."""
    categories: tuple[str, ...] | None = None
    """Category names of a categorical feature; the model sees a name's index in this tuple."""

    @property
    def categorical(self) -> bool:
        return self.categories is not None

    def describe(self) -> str:
        """``description (unit)``, for documentation and error messages."""
        return f"{self.description} ({self.unit})" if self.unit else self.description

    def range_text(self) -> str:
        if self.categories is not None:
            return "one of " + ", ".join(self.categories)
        low = "-inf" if self.minimum is None else f"{self.minimum:g}"
        high = "inf" if self.maximum is None else f"{self.maximum:g}"
        return f"between {low} and {high}"


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    task: str
    objective: str
    description: str = ""
    labels: tuple[str, ...] = ()
    """Class names in class-index order (classification); empty for regression."""
    unit: str = ""
    scale: float = 1.0
    """Regression answers are ``model output x scale`` in ``unit`` (California: 100,000 -> USD)."""
    decimals: int | None = None
    """Regression answers are rounded to this many decimals (None: not rounded)."""


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
        from inference.model.schema_document import parse_schema

        return parse_schema(document, origin)


def _feature_document(feature: Feature) -> dict[str, Any]:
    document: dict[str, Any] = {"name": feature.name, "description": feature.description, "unit": feature.unit,
                                "missing": feature.missing}  # fmt: skip
    if feature.categories is not None:
        document["categories"] = list(feature.categories)
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


def check_objective(task: str, objective: str | None, where: str) -> str:
    """The objective for ``task`` (its default when None); refuses one that belongs to another task."""
    if task not in TASKS:
        raise SchemaError(f"{where}.task must be one of {', '.join(TASKS)}, got {task!r}")
    from inference.trees.objectives import task_of

    chosen = objective or DEFAULT_OBJECTIVES[task]
    try:
        kind = task_of(chosen)
    except (ValueError, KeyError, ModelFormatError) as error:
        raise SchemaError(f"{where}.objective: {error}") from None
    if kind != task:
        raise SchemaError(f"{where}.objective {chosen!r} is a {kind} objective, but the task is {task!r}")
    return chosen
