"""The schemas the fuzzers run against, each with the session fixture that builds its model (schema beside it).

- ``housing``: regression, California's features, answers in USD (what existing clients send);
- ``fraud``: binary, a categorical feature (``channel``) and optional features (``age``, ``risk``);
- ``species``: 3 classes (``multi:softprob``), a categorical feature and an optional one;
- ``open`` (decoders only, no model): features without a bound or with one bound, an optional categorical
  feature whose names look like numbers and keywords, a partial example row.
Each transport runs its property tests once per schema in its list; a schema costs a model load (Lambda) or
a server (HTTP), so the HTTP and schemathesis runs take the two that cover both answer shapes.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from inference.model.columns import Columns
from inference.model.schema import Schema
from tests.support.datasets import FRAUD, HOUSING, SPECIES

if TYPE_CHECKING:
    from tests.integration.conftest import RunningServer


class Fuzzed:
    """A schema under fuzzing (not a dataclass: Hypothesis would print every field of its schema)."""

    def __init__(self, name: str, schema: Schema, model_fixture: str) -> None:
        self.name, self.schema = name, schema
        self.model_fixture = model_fixture
        """The session fixture (tests/conftest.py) giving ``model.tar.gz`` with this ``schema.json`` beside it."""

    @cached_property
    def columns(self) -> Columns:
        """The decoders' view of the schema, built once."""
        return Columns(self.schema)

    def __repr__(self) -> str:  # what Hypothesis and pytest print for a failing case
        return self.name


OPEN = Schema.from_document({
    "format": 1, "name": "open_ranges",
    "target": {"name": "y", "task": "regression", "objective": "reg:squarederror"},
    "features": [
        {"name": "x", "description": "no bounds"},
        {"name": "low", "minimum": 0, "missing": True, "description": "a minimum only"},
        {"name": "level", "categories": ["1", "0", "n/a", "NaN", "true"], "missing": True},
        {"name": "high", "maximum": -1, "description": "a maximum only"},
    ],
    "example": {"x": 0.5, "level": "n/a", "high": -5.0},
})  # fmt: skip


class FuzzedServer:
    """A real HTTP server (``python -m fargate_image.serve``) serving one fuzzed schema's model."""

    def __init__(self, fuzzed: Fuzzed, running: RunningServer, model: Path) -> None:
        self.fuzzed, self.running, self.model = fuzzed, running, model

    def __repr__(self) -> str:
        return f"<HTTP server serving {self.fuzzed.name} on port {self.running.port}>"


FUZZED = {
    "housing": Fuzzed("housing", HOUSING, "model_tarball"),
    "fraud": Fuzzed("fraud", FRAUD, "fraud_model"),
    "species": Fuzzed("species", SPECIES, "species_model"),
    "open": Fuzzed("open", OPEN, ""),
}
DECODER_SCHEMAS = ("housing", "fraud", "species")
UNSERVED_SCHEMAS = ("open",)
"""Schemas without a model: the request decoders' own fuzzers run them too (``DECODER_SCHEMAS + UNSERVED_SCHEMAS``)."""
LAMBDA_SCHEMAS = ("housing", "fraud", "species")
HTTP_SCHEMAS = ("housing", "fraud")
ARTIFACT_SCHEMAS = ("housing", "fraud")


def each(names: tuple[str, ...]) -> pytest.MarkDecorator:
    """Parametrize a test's ``fuzzed`` argument over the schemas ``names``."""
    return pytest.mark.parametrize("fuzzed", [FUZZED[name] for name in names], ids=list(names))


def fixture_params(names: tuple[str, ...]) -> dict[str, list[Fuzzed] | list[str]]:
    """``pytest.fixture(**fixture_params(names))``: a fixture built once per schema (``request.param``)."""
    return {"params": [FUZZED[name] for name in names], "ids": list(names)}
