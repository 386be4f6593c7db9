"""CloudWatch embedded metric format (EMF) documents checked as CloudWatch Logs would extract them: the published
JSON schema (``emf_schema.json``, its source named in its ``$comment``) plus the specification's rules the schema
leaves out (targets present, numbers or at most 100 numbers, string dimensions, at most 100 metrics)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from jsonschema import Draft7Validator

SCHEMA = json.loads((Path(__file__).with_name("emf_schema.json")).read_text())
VALIDATOR = Draft7Validator(SCHEMA)


class Extracted(NamedTuple):
    """One metric as CloudWatch would store a value of it: namespace, name, dimensions (name -> value)."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    unit: str
    values: tuple[float, ...]


def check(document: dict[str, Any]) -> list[Extracted]:
    """Raise AssertionError unless ``document`` is a valid EMF document; the metrics it yields."""
    errors = [error.message for error in VALIDATOR.iter_errors(document)]
    assert not errors, errors
    extracted = []
    for directive in document["_aws"]["CloudWatchMetrics"]:
        assert len(directive["Metrics"]) <= 100
        for dimension_set in directive["Dimensions"]:
            for key in dimension_set:
                assert isinstance(document.get(key), str), f"dimension {key!r} is not a string member"
        for definition in directive["Metrics"]:
            value = document[definition["Name"]]
            values = tuple(value) if isinstance(value, list) else (value,)
            assert 1 <= len(values) <= 100, definition["Name"]
            assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in values), definition["Name"]
            for dimension_set in directive["Dimensions"]:
                dimensions = tuple((key, document[key]) for key in dimension_set)
                extracted.append(Extracted(directive["Namespace"], definition["Name"], dimensions,
                                           definition.get("Unit", "None"), values))  # fmt: skip
    return extracted


def lines_of(text: str) -> list[dict[str, Any]]:
    """Every JSON line of ``text`` that is an EMF document (others are plain log lines)."""
    documents = []
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


def extracted(documents: Iterable[dict[str, Any]]) -> list[Extracted]:
    return [metric for document in documents for metric in check(document)]


def total(metrics: Iterable[Extracted], name: str, **dimensions: str) -> float:
    """The sum of every value of ``name`` whose dimensions are exactly ``dimensions``."""
    wanted = set(dimensions.items())
    return sum(sum(m.values) for m in metrics if m.name == name and set(m.dimensions) == wanted)
