"""A window of requests counted into CloudWatch embedded metric format (EMF) documents, one per combination of
dimensions; at most ``MAX_VALUES`` values a metric (a uniform sample), every request counted."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from inference.metrics import emf
from inference.metrics.names import (
    ANSWER_DIMENSIONS,
    ERROR_FAMILIES,
    FAMILY_DIMENSIONS,
    LABEL_DIMENSIONS,
    MAX_VALUES,
    NAMESPACE,
    PROCESS_DIMENSIONS,
    REQUEST_DIMENSIONS,
    UNITS,
    Metric,
)
from inference.metrics.names import Dimension as D


def directive(names: Sequence[str], dimensions: list[list[str]]) -> dict[str, Any]:
    return emf.directive(NAMESPACE, {name: UNITS.get(name, "Count") for name in names}, dimensions)


class Sample:
    """At most ``MAX_VALUES`` values, a uniform sample of all that were added (reservoir sampling)."""

    __slots__ = ("seen", "values")

    def __init__(self) -> None:
        self.values: list[float] = []
        self.seen = 0

    def add(self, value: float) -> None:
        self.seen += 1
        if len(self.values) < MAX_VALUES:
            self.values.append(value)
        else:
            import random  # only a full sample needs it: not imported by every cold start

            slot = random.randrange(self.seen)  # noqa: S311 (a statistical sample, not a secret)
            if slot < MAX_VALUES:
                self.values[slot] = value


class Tally:
    """One route of one model version: its counts and latencies."""

    __slots__ = ("errors_4xx", "errors_5xx", "invocations", "model_ms", "overhead_ms", "rows")

    def __init__(self) -> None:
        self.invocations = self.errors_4xx = self.errors_5xx = self.rows = 0
        self.model_ms, self.overhead_ms = Sample(), Sample()


class Window:
    """What a process counted since it last wrote: per route and model version, per error family, and the answers
    of each model version. ``documents`` turns it into EMF documents (one per dimension combination)."""

    def __init__(self) -> None:
        self.tallies: dict[tuple[str, str], Tally] = {}
        self.families: dict[str, int] = {}
        self.values: dict[str, Sample] = {}
        self.labels: dict[tuple[str, str], int] = {}

    def __bool__(self) -> bool:
        return bool(self.tallies or self.families)

    def add(self, route: str, version: str, status: int, rows: int, model_seconds: float, total_seconds: float,
            predictions: Sequence[Any] | None = None) -> None:  # fmt: skip
        """One request: ``model_seconds`` inside the route's operation, ``total_seconds`` in the adapter in all."""
        tally = self.tallies.get((route, version))
        if tally is None:
            tally = self.tallies[route, version] = Tally()
        tally.invocations += 1
        tally.model_ms.add(model_seconds * 1000)
        tally.overhead_ms.add((total_seconds - model_seconds) * 1000)
        if status >= 500:
            tally.errors_5xx += 1
        elif status >= 400:
            tally.errors_4xx += 1
            family = ERROR_FAMILIES.get(status, "other")
            self.families[family] = self.families.get(family, 0) + 1
        else:
            tally.rows += rows
            if predictions:
                self._add_answers(version, predictions)

    def _add_answers(self, version: str, predictions: Sequence[Any]) -> None:
        if isinstance(predictions[0], dict):  # classification: {"label": ..., ...} per row
            for row in predictions:
                key = (version, str(row["label"]))
                self.labels[key] = self.labels.get(key, 0) + 1
            return
        sample = self.values.get(version)
        if sample is None:
            sample = self.values[version] = Sample()
        for value in predictions:
            sample.add(value)

    def documents(self, backend: str, timestamp_ms: int) -> list[dict[str, Any]]:
        return list(self._documents(backend, timestamp_ms))

    def _documents(self, backend: str, timestamp_ms: int) -> Iterator[dict[str, Any]]:
        for (route, version), tally in self.tallies.items():
            members: dict[str, Any] = {Metric.INVOCATIONS: tally.invocations, Metric.ROWS: tally.rows,
                                       Metric.MODEL_LATENCY: _values(tally.model_ms),
                                       Metric.OVERHEAD_LATENCY: _values(tally.overhead_ms)}  # fmt: skip
            if tally.errors_4xx:
                members[Metric.ERRORS_4XX] = tally.errors_4xx
            if tally.errors_5xx:
                members[Metric.ERRORS_5XX] = tally.errors_5xx
            directives = [directive(list(members), REQUEST_DIMENSIONS)]
            values = self.values.pop(version, None)
            if values is not None:
                members[Metric.PREDICTION] = _values(values)
                directives.append(directive([Metric.PREDICTION], ANSWER_DIMENSIONS))
            yield emf.document(timestamp_ms, directives, {D.BACKEND: backend, D.ROUTE: route, D.MODEL_VERSION: version},
                            members)  # fmt: skip
        for family, count in self.families.items():
            yield emf.document(timestamp_ms, [directive([Metric.ERRORS_4XX], FAMILY_DIMENSIONS)],
                            {D.BACKEND: backend, D.ERROR_FAMILY: family}, {Metric.ERRORS_4XX: count})  # fmt: skip
        for (version, label), count in self.labels.items():
            yield emf.document(timestamp_ms, [directive([Metric.PREDICTED_LABEL], LABEL_DIMENSIONS)],
                            {D.BACKEND: backend, D.MODEL_VERSION: version, D.LABEL: label},
                            {Metric.PREDICTED_LABEL: count})  # fmt: skip


def process_document(backend: str, timestamp_ms: int, load_ms: float | None, init_ms: float) -> dict[str, Any]:
    """A cold start: written once per process, when its model has loaded (or failed to)."""
    members: dict[str, Any] = {Metric.COLD_START: 1, Metric.INIT_DURATION: round(init_ms, 3)}
    if load_ms is not None:
        members[Metric.MODEL_LOAD_TIME] = round(load_ms, 3)
    return emf.document(timestamp_ms, [directive(list(members), PROCESS_DIMENSIONS)], {D.BACKEND: backend}, members)


def failed_rows_document(backend: str, version: str, timestamp_ms: int, count: int) -> dict[str, Any]:
    """Batch scoring: the rows a range could not score (its answered rows are the window's ``Rows``)."""
    dimensions = {D.BACKEND: backend, D.MODEL_VERSION: version}
    return emf.document(timestamp_ms, [directive([Metric.FAILED_ROWS], ANSWER_DIMENSIONS)], dimensions,
                        {Metric.FAILED_ROWS: count})  # fmt: skip


def _values(sample: Sample) -> float | list[float]:
    values = sample.values
    return round(values[0], 4) if len(values) == 1 else [round(value, 4) for value in values]
