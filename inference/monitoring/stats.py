"""One window's counts: records by status, backend and model version; every feature's values and the model's
answers counted into the baseline's bins; and the rows that have ground truth.

Rows are gathered into batches of ``BATCH_ROWS`` and counted (and, for answered requests, predicted) a batch at
a time, so memory holds one batch and the counts, whatever the window's size. Inputs of every readable record
are counted (refused requests too: an unknown category is refused where the feature may not be missing); the
answers only for requests the model answered (2xx), predicted again by the served model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np

from inference.errors import InferenceError
from inference.model.bundle import ModelBundle
from inference.monitoring import quality
from inference.monitoring.baseline import Baseline
from inference.monitoring.records import UNSEEN, RecordError, RecordReader, read_capture

BATCH_ROWS = 4096


class WindowStats:
    def __init__(self, baseline: Baseline, bundle: ModelBundle, truth: Mapping[str, np.ndarray]) -> None:
        self.baseline, self.bundle, self.truth = baseline, bundle, truth
        self.reader = RecordReader(bundle.schema)
        self._categorical = np.array([feature.categorical for feature in bundle.schema.features])
        self.features = [np.zeros(len(f.bins.shares), dtype=np.int64) for f in baseline.features]
        self.answers = None if baseline.answers is None else np.zeros(len(baseline.answers.bins.shares), np.int64)
        self.records: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.backends: Counter[str] = Counter()
        self.versions: Counter[str] = Counter()
        self.rows = self.answered_rows = 0
        self._inputs: list[np.ndarray] = []
        self._answered: list[np.ndarray] = []
        self._pending = 0
        self._truth_rows: list[np.ndarray] = []
        self._truth_labels: list[np.ndarray] = []

    def add(self, line: bytes | str) -> None:
        """Count one captured record (one line of a capture file)."""
        self.records["lines"] += 1
        try:
            record = read_capture(line)
        except RecordError:
            self.records["malformed"] += 1
            return
        meta = record.eventMetadata
        self.statuses[meta.status] += 1
        self.backends[meta.backend] += 1
        self.versions[meta.modelVersion or "unknown"] += 1
        if meta.status == 204:  # /invocations with an empty body: no input
            return
        try:
            rows = self.reader.rows(record)
        except (InferenceError, ValueError):
            self.records["unreadable"] += 1
            return
        self._gather(rows, meta.status < 300, meta.eventId)

    def _gather(self, rows: np.ndarray, answered: bool, event_id: str) -> None:
        self.rows += len(rows)
        self._inputs.append(rows)
        if answered:
            served = np.where((rows == UNSEEN) & self._categorical, np.nan, rows)  # an unknown category: served missing
            self._answered.append(served)
            labels = self.truth.get(event_id)
            if labels is not None and len(labels) == len(rows):
                self._truth_rows.append(served)
                self._truth_labels.append(labels)
        self._pending += len(rows)
        if self._pending >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Count the gathered rows (and predict the answered ones)."""
        if self._inputs:
            batch = np.concatenate(self._inputs)
            for column, feature in enumerate(self.baseline.features):
                self.features[column] += feature.bins.count(batch[:, column])
        if self._answered and self.answers is not None and self.baseline.answers is not None:
            answered = np.concatenate(self._answered)
            predicted = quality.scores(self.bundle.ensemble, answered, self.bundle.schema.task)
            self.answers += self.baseline.answers.bins.count(quality.answers(self.bundle.schema, predicted))
            self.answered_rows += len(answered)
        self._inputs, self._answered, self._pending = [], [], 0

    def live_metric(self) -> tuple[float | None, int]:
        """The baseline's metric on the rows that have ground truth, and how many rows that is."""
        if self.baseline.answers is None or not self._truth_rows:
            return None, 0
        rows, labels = np.concatenate(self._truth_rows), np.concatenate(self._truth_labels)
        predicted = quality.scores(self.bundle.ensemble, rows, self.bundle.schema.task)
        return quality.metric(self.baseline.answers.metric, labels, predicted), len(labels)
