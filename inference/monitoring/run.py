"""One monitor run: read a window's captured records and the ground truth uploaded for them, compare them with
the served model's baseline, write ``report.json`` and ``report.html``, and publish the metrics.

Used by the scheduled job on AWS (``lambda_image/monitor_handler.py``) and by ``make monitor`` locally
(``scripts/monitor.py``). Metrics are embedded-metric lines (``inference.metrics.emf``): per feature ``FeaturePsi``
(dimension ``Feature``), and ``DriftedFeatures``, ``AnswerPsi``, ``MonitoredRows`` and, with ground truth,
``LiveMetric``; the alarm watches ``DriftedFeatures``.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from inference.errors import ModelFormatError
from inference.metrics.emf import emf_line
from inference.model.artifact import MAX_SCHEMA_BYTES, fetch
from inference.model.bundle import ModelBundle
from inference.monitoring.baseline import BASELINE_NAME, Baseline, BaselineError
from inference.monitoring.baseline_document import parse_baseline
from inference.monitoring.page import render
from inference.monitoring.records import RecordError, RecordReader, read_ground_truth
from inference.monitoring.report import report_document
from inference.monitoring.stats import WindowStats
from inference.monitoring.store import HOUR_FORMAT, Store, Window
from inference.settings import Env, Settings

GROUND_TRUTH_HOURS_AFTER = 7 * 24
"""Ground truth uploaded up to a week after a window (and before the run) joins that window's records."""


@dataclass(frozen=True)
class Sources:
    capture: Store
    ground_truth: Store | None
    reports: Store
    folders: tuple[str, ...]
    """Where under ``reports`` each report goes: ``("<window>/", "latest/")`` on AWS, ``("",)`` locally."""


def lines(store: Store, prefixes: list[str] | None, under: str = "") -> Iterator[bytes]:
    """The non-blank lines of every object under ``<under><prefix>/`` (every object when ``prefixes`` is None)."""
    for prefix in prefixes if prefixes is not None else [""]:
        for key in store.keys(f"{under}{prefix}/" if prefix else under):
            yield from (line for line in store.read(key).splitlines() if line.strip())


def ground_truth(store: Store | None, reader: RecordReader, window: Window | None, now: dt.datetime) -> dict[str, Any]:
    """eventId -> labels, from the hours between the window's start and now (or every hour)."""
    if store is None:
        return {}
    hours = None
    if window is not None:
        count = min(int((now - window.start).total_seconds() // 3600) + 1, window.hours + GROUND_TRUTH_HOURS_AFTER)
        hours = [(window.start + dt.timedelta(hours=h)).strftime(HOUR_FORMAT) for h in range(max(count, 0))]
    labels: dict[str, np.ndarray] = {}
    for line in lines(store, hours):
        try:
            record = read_ground_truth(line)
            labels[record.eventMetadata.eventId] = reader.labels(record)
        except (*RecordError, ValueError):
            continue  # a malformed ground-truth line joins nothing
    return labels


def load_subject(settings: Settings) -> tuple[ModelBundle, Baseline]:
    """The served model (``MODEL_URI``, ``SCHEMA_URI``, ``COMPILED_MODEL_URI``) and its baseline (``BASELINE_URI``,
    else ``baseline.json`` beside the model); ``ModelFormatError`` or ``BaselineError`` say what is wrong."""
    if not settings.model_uri:
        raise ModelFormatError(f"{Env.MODEL_URI} is not set: the monitor compares with the served model")
    bundle = ModelBundle.load(settings.model_uri, settings.model_version, schema_uri=settings.schema_uri,
                              compiled_uri=settings.compiled_model_uri, s3=settings.s3)  # fmt: skip
    uri = settings.monitor.baseline_uri or posixpath.join(posixpath.dirname(settings.model_uri), BASELINE_NAME)
    baseline = parse_baseline(fetch(uri, max_bytes=MAX_SCHEMA_BYTES, what="baseline", s3=settings.s3).data, uri)
    baseline.check_schema(bundle.schema)
    if baseline.answers is None:
        raise BaselineError(f"{uri} has no answers: it is the data's baseline; use the one written beside the model")
    return bundle, baseline


def monitor(bundle: ModelBundle, baseline: Baseline, sources: Sources, window: Window | None,
            now: dt.datetime) -> tuple[dict[str, Any], list[str]]:  # fmt: skip
    """Read, count, write the report into each folder; returns the report document and where it went."""
    baseline.check_schema(bundle.schema)
    truth = ground_truth(sources.ground_truth, RecordReader(bundle.schema), window, now)
    stats = WindowStats(baseline, bundle, truth)
    prefixes = None if window is None else window.prefixes()
    for backend in sources.capture.children():
        for line in lines(sources.capture, prefixes, f"{backend}/"):
            stats.add(line)
    document = report_document(stats, window, now)
    page, text = render(document).encode(), (json.dumps(document, indent=2) + "\n").encode()
    written = []
    for folder in sources.folders:
        written.append(sources.reports.write(f"{folder}report.json", text, "application/json"))
        written.append(sources.reports.write(f"{folder}report.html", page, "text/html; charset=utf-8"))
    return document, written


def metric_lines(document: dict[str, Any], timestamp: float | None = None) -> list[str]:
    """The report's metrics as embedded-metric lines; none for a window without rows (an idle model publishes
    nothing, so its metrics cost nothing, and the alarms treat the gap as not breaching)."""
    if not document["rows"]:
        return []
    summary = {"DriftedFeatures": float(len(document["drifted_features"])), "MonitoredRows": float(document["rows"])}
    answers, quality = document["answers"], document["quality"]
    if answers is not None and answers["psi"] is not None:
        summary["AnswerPsi"] = answers["psi"]
    found = [emf_line(summary, timestamp=timestamp)]
    for name, feature in document["features"].items():
        if feature["psi"] is not None:
            found.append(emf_line({"FeaturePsi": feature["psi"]}, dimensions={"Feature": name}, timestamp=timestamp))
    if quality is not None and quality["live"] is not None:
        found.append(emf_line({"LiveMetric": quality["live"]}, dimensions={"Metric": quality["metric"]},
                              timestamp=timestamp))  # fmt: skip
    return found
