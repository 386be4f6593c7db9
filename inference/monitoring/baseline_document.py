"""Reading ``baseline.json`` back: every key checked, a ``BaselineError`` naming the first bad one."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

from inference.monitoring.baseline import (
    BASELINE_FORMAT,
    AnswerBaseline,
    Baseline,
    BaselineError,
    Bins,
    FeatureBaseline,
)

ANSWER_KINDS = ("value", "probability", "class")
T = TypeVar("T")


def parse_baseline(text: str | bytes, origin: str = "baseline") -> Baseline:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise BaselineError(f"{origin} is not JSON: {error}") from None
    return baseline_of(document, origin)


def baseline_of(document: object, origin: str = "baseline") -> Baseline:
    top = _object(document, origin)
    if top.get("format") != BASELINE_FORMAT:
        raise BaselineError(f"{origin}.format must be {BASELINE_FORMAT}, got {top.get('format')!r}")
    features = _list(top.get("features"), f"{origin}.features")
    answers = top.get("answers")
    return Baseline(
        dataset=_text(top.get("dataset"), f"{origin}.dataset"),
        rows=_count(top.get("rows"), f"{origin}.rows"),
        features=tuple(_feature(item, f"{origin}.features[{i}]") for i, item in enumerate(features)),
        answers=None if answers is None else _answers(answers, f"{origin}.answers"),
    )


def _feature(item: object, where: str) -> FeatureBaseline:
    document = _object(item, where)
    return FeatureBaseline(_text(document.get("name"), f"{where}.name"), _bins(document, where),
                           number(document.get("threshold"), f"{where}.threshold", positive=True))  # fmt: skip


def _answers(item: object, where: str) -> AnswerBaseline:
    document = _object(item, where)
    kind = document.get("kind")
    if kind not in ANSWER_KINDS:
        raise BaselineError(f"{where}.kind must be one of {', '.join(ANSWER_KINDS)}, got {kind!r}")
    return AnswerBaseline(kind, _bins(document, where), _text(document.get("metric"), f"{where}.metric"),
                          _optionalnumber(document.get("validation"), f"{where}.validation"),
                          _count(document.get("rows"), f"{where}.rows"),
                          number(document.get("threshold"), f"{where}.threshold", positive=True))  # fmt: skip


def _bins(document: dict[str, Any], where: str) -> Bins:
    edges, categories = document.get("edges"), document.get("categories")
    if (edges is None) == (categories is None):
        raise BaselineError(f"{where} must have either edges (numeric) or categories (categorical)")
    shares = _each(document.get("shares"), f"{where}.shares", number)
    missing = number(document.get("missing"), f"{where}.missing")
    if edges is not None:
        bounds = tuple(_each(edges, f"{where}.edges", number))
        if list(bounds) != sorted(set(bounds)):
            raise BaselineError(f"{where}.edges must ascend strictly")
        expected = len(bounds) + 1
    else:
        names = tuple(_each(categories, f"{where}.categories", _text))
        expected = len(names)
    if len(shares) != expected:
        raise BaselineError(f"{where}.shares must have {expected} values (one per bin), got {len(shares)}")
    if any(not 0 <= share <= 1 for share in [*shares, missing]) or abs(sum(shares) + missing - 1) > 1e-3:
        raise BaselineError(f"{where}.shares and missing must be shares from 0 to 1 that add up to 1")
    return Bins((*shares, missing, 0.0), None if edges is None else bounds, None if categories is None else names)


def _each(value: object, where: str, parse: Callable[[object, str], T]) -> list[T]:
    return [parse(item, f"{where}[{i}]") for i, item in enumerate(_list(value, where))]


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BaselineError(f"{where} must be an object, got {type(value).__name__}")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise BaselineError(f"{where} must be a list, got {type(value).__name__}")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise BaselineError(f"{where} must be a non-empty string, got {value!r}")
    return value


def number(value: object, where: str, *, positive: bool = False) -> float:
    number = float(value) if type(value) in (int, float) else math.nan  # type: ignore[arg-type]
    if not math.isfinite(number) or (positive and number <= 0):
        raise BaselineError(f"{where} must be a finite{' positive' if positive else ''} number, got {value!r}")
    return number


def _optionalnumber(value: object, where: str) -> float | None:
    return None if value is None else number(value, where)


def _count(value: object, where: str) -> int:
    if type(value) is not int or value < 0:
        raise BaselineError(f"{where} must be a whole number from 0, got {value!r}")
    return value
