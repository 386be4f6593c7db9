"""The parts of a schema: its features and its target, and which objectives each task may use."""

from __future__ import annotations

from dataclasses import dataclass

from inference.errors import ModelFormatError
from inference.trees.objectives import task_of

ExampleValue = float | str | None
TASKS = ("regression", "binary", "multiclass")
UNKNOWN_CATEGORIES = ("refuse", "missing")
"""What a categorical feature does with a name it does not list (``unknown_categories``)."""
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
    unknown_categories: str = "refuse"
    """``refuse`` (400 naming the feature and its categories) or, opted into for a categorical feature that may be
    missing, ``missing``: a name not in ``categories`` is then read as a missing value."""

    @property
    def categorical(self) -> bool:
        return self.categories is not None

    @property
    def unknown_is_missing(self) -> bool:
        return self.unknown_categories == "missing"

    def describe(self) -> str:
        """``description (unit)``, for documentation and error messages."""
        return f"{self.description} ({self.unit})" if self.unit else self.description

    def range_text(self, limit: int = 20) -> str:
        if self.categories is not None:
            shown = ", ".join(self.categories[:limit])
            return "one of " + (
                shown if len(self.categories) <= limit else f"{shown}, ... ({len(self.categories)} in all)"
            )
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


def check_objective(task: str, objective: str | None, where: str) -> str:
    """The objective for ``task`` (its default when None); refuses one that belongs to another task."""
    if task not in TASKS:
        raise SchemaError(f"{where}.task must be one of {', '.join(TASKS)}, got {task!r}")
    chosen = objective or DEFAULT_OBJECTIVES[task]
    try:
        kind = task_of(chosen)
    except (ValueError, KeyError, ModelFormatError) as error:
        raise SchemaError(f"{where}.objective: {error}") from None
    if kind != task:
        raise SchemaError(f"{where}.objective {chosen!r} is a {kind} objective, but the task is {task!r}")
    return chosen
