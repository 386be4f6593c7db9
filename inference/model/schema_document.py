"""Parse and validate a schema document (``schema.json``, or a dataset spec's features and target).

Every check names the key it failed on as a path (``features[2].minimum``), prefixed with where the
document came from, so a person editing a spec or reading a 503 knows exactly what to fix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from inference.model.schema_parts import UNKNOWN_CATEGORIES, ExampleValue, Feature, SchemaError, Target, check_objective

_FEATURE_KEYS = {"name", "description", "unit", "minimum", "maximum", "missing", "categories", "unknown_categories"}
_TARGET_KEYS = {"name", "task", "objective", "description", "labels", "unit", "scale", "decimals", "column"}
MAX_FEATURES = 10_000
MAX_CATEGORIES = 10_000
MAX_SCALE = 1e12
"""Answers are model output x scale: a larger scale would only turn finite outputs into infinite answers."""


class SchemaParts(NamedTuple):
    """What ``Schema`` is built from (``Schema.from_document``)."""

    name: str
    features: tuple[Feature, ...]
    target: Target
    example: dict[str, ExampleValue]
    data: dict[str, Any]


def parse_schema(document: object, origin: str) -> SchemaParts:
    root = _table(document, origin, "the schema")
    name = _text(root, "name", origin)
    target = parse_target(root.get("target"), f"{origin}: target")
    features = parse_features(root.get("features"), f"{origin}: features")
    example = _example(root.get("example", {}), features, f"{origin}: example")
    data = root.get("data", {})
    return SchemaParts(name, features, target, example, data if isinstance(data, dict) else {})


def parse_target(value: object, where: str) -> Target:
    table = _table(value, where, "a table")
    _no_unknown(table, _TARGET_KEYS, where)
    task = _text(table, "task", where)
    objective = check_objective(task, _optional_text(table, "objective", where), where)
    name = _optional_text(table, "name", where) or _text(table, "column", where)
    description = _optional_text(table, "description", where) or ""
    if task == "regression":
        for key in ("labels",):
            if key in table:
                raise SchemaError(f"{where}.{key} is only for classification tasks")
        scale = _number(table, "scale", where, default=1.0)
        if scale is None or not 0 < abs(scale) <= MAX_SCALE:
            raise SchemaError(f"{where}.scale must be a non-zero number of magnitude at most {MAX_SCALE:g}")
        decimals = table.get("decimals")
        if decimals is not None and (type(decimals) is not int or not 0 <= decimals <= 12):
            raise SchemaError(f"{where}.decimals must be an integer from 0 to 12, got {decimals!r}")
        unit = _optional_text(table, "unit", where) or ""
        return Target(name, task, objective, description, (), unit, scale, decimals)
    for key in ("unit", "scale", "decimals"):
        if key in table:
            raise SchemaError(f"{where}.{key} is only for regression; classification answers labels")
    labels = _names(table.get("labels"), f"{where}.labels", "class labels", minimum=2)
    if task == "binary" and len(labels) != 2:
        raise SchemaError(f"{where}.labels must hold exactly 2 labels for a binary task, got {len(labels)}")
    if task == "multiclass" and len(labels) < 3:
        raise SchemaError(f"{where}.labels must hold at least 3 labels for a multiclass task (2 is binary)")
    return Target(name, task, objective, description, labels)


def parse_features(value: object, where: str) -> tuple[Feature, ...]:
    if not isinstance(value, list) or not value:
        raise SchemaError(f"{where} must be a non-empty list of features")
    if len(value) > MAX_FEATURES:
        raise SchemaError(f"{where} has {len(value)} features; at most {MAX_FEATURES} are supported")
    features = tuple(_feature(item, f"{where}[{i}]") for i, item in enumerate(value))
    seen: set[str] = set()
    for i, feature in enumerate(features):
        if feature.name in seen:
            raise SchemaError(f"{where}[{i}].name {feature.name!r} appears twice")
        seen.add(feature.name)
    return features


def _feature(value: object, where: str) -> Feature:
    table = _table(value, where, "a table")
    _no_unknown(table, _FEATURE_KEYS, where)
    name = _text(table, "name", where)
    where = f"{where} ({name})"
    missing = table.get("missing", False)
    if type(missing) is not bool:
        raise SchemaError(f"{where}.missing must be true or false, got {missing!r}")
    description, unit = _optional_text(table, "description", where) or "", _optional_text(table, "unit", where) or ""
    unknown = _unknown_categories(table, missing, where)
    if "categories" in table:
        if "minimum" in table or "maximum" in table:
            raise SchemaError(f"{where}: a categorical feature takes no minimum or maximum")
        categories = _names(table["categories"], f"{where}.categories", "category names", minimum=1)
        return Feature(name, description, unit, None, None, missing, categories, unknown)
    minimum, maximum = _number(table, "minimum", where), _number(table, "maximum", where)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise SchemaError(f"{where}: minimum {minimum:g} is greater than maximum {maximum:g}")
    return Feature(name, description, unit, minimum, maximum, missing, None)


def _unknown_categories(table: Mapping[str, Any], missing: bool, where: str) -> str:
    """``refuse`` (the default), or ``missing``: only for a categorical feature that may be missing."""
    value = table.get("unknown_categories", "refuse")
    if value not in UNKNOWN_CATEGORIES:
        raise SchemaError(f'{where}.unknown_categories must be "refuse" or "missing", got {value!r}')
    if value == "missing" and ("categories" not in table or not missing):
        raise SchemaError(f'{where}.unknown_categories = "missing" needs categories and missing = true: an unknown '
                          "name is then read as a missing value")  # fmt: skip
    return str(value)


def _example(value: object, features: tuple[Feature, ...], where: str) -> dict[str, float | str | None]:
    table = _table(value, where, "a table of feature -> value")
    by_name = {f.name: f for f in features}
    unknown = [key for key in table if key not in by_name]
    if unknown:
        raise SchemaError(f"{where}.{unknown[0]} is not a feature")
    example: dict[str, float | str | None] = {}
    for name, item in table.items():
        feature = by_name[name]
        if feature.categories is not None:
            if item not in feature.categories:
                raise SchemaError(f"{where}.{name} must be one of its categories, got {item!r}")
            example[name] = str(item)
        elif type(item) in (int, float) and math.isfinite(item) and _within(feature, float(item)):
            example[name] = float(item)
        else:
            raise SchemaError(f"{where}.{name} must be a finite number {feature.range_text()}, got {item!r}")
    missing = [f.name for f in features if not f.missing and f.name not in example]
    if example and missing:
        raise SchemaError(f"{where} leaves out {missing[0]}, which may not be missing")
    return example


def _within(feature: Feature, value: float) -> bool:
    low, high = feature.minimum, feature.maximum
    return (low is None or value >= low) and (high is None or value <= high)


def _table(value: object, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise SchemaError(f"{where} must be {what}, got {type(value).__name__}")
    return value


def _no_unknown(table: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise SchemaError(f"{where}.{unknown[0]} is not a known key (known: {', '.join(sorted(known))})")


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SchemaError(f"{where}.{key} must be a non-empty string, got {value!r}")
    return value


def _optional_text(table: Mapping[str, Any], key: str, where: str) -> str | None:
    """A string that may be absent (None, or "" as ``to_document`` writes an empty description)."""
    return None if table.get(key) in (None, "") else _text(table, key, where)


def _number(table: Mapping[str, Any], key: str, where: str, default: float | None = None) -> float | None:
    value = table.get(key)
    if value is None:
        return default
    if type(value) not in (int, float) or not math.isfinite(value):
        raise SchemaError(f"{where}.{key} must be a finite number, got {value!r}")
    return float(value)


def _names(value: object, where: str, what: str, *, minimum: int) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) < minimum or len(value) > MAX_CATEGORIES:
        raise SchemaError(f"{where} must be a list of {minimum} to {MAX_CATEGORIES} {what}, got {value!r}")
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise SchemaError(f"{where} must hold non-empty strings")
    if len(set(value)) != len(value):
        duplicate = next(item for i, item in enumerate(value) if item in value[:i])
        raise SchemaError(f"{where}: {duplicate!r} appears twice")
    return tuple(value)
