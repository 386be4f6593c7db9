"""The server's metrics: CloudWatch EMF lines every few seconds (``inference.metrics``, what the alarms read) and
``GET /metrics`` in Prometheus's text format (prometheus-client), for people who run the image elsewhere.

With ``PROMETHEUS_MULTIPROC_DIR`` set (the image sets it; ``serve.py`` empties it before the workers start) every
worker writes its counts there and ``/metrics`` adds up all workers, whichever one answers the scrape.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from inference import Predictor
from inference.metrics.emf import write_line
from inference.metrics.names import ERROR_FAMILIES, NO_VERSION, UNMEASURED
from inference.metrics.recorder import Recorder
from inference.settings import Settings

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
PROMETHEUS_TYPE = CONTENT_TYPE_LATEST


class PrometheusMetrics:
    """The same measures as the EMF documents, as Prometheus counters and histograms (seconds, by route)."""

    def __init__(self, multiprocess_dir: str | None) -> None:
        self.registry = CollectorRegistry()
        self._multiprocess = multiprocess_dir is not None
        labels = ("route", "status", "error_family", "model_version")
        registry = self.registry
        self.requests = Counter("xgboost_requests", "Requests answered", labels, registry=registry)
        self.rows = Counter("xgboost_rows", "Rows answered (2xx)", ("route", "model_version"), registry=registry)
        self.model_latency = Histogram("xgboost_model_latency_seconds", "Time in the route's operation", ("route",),
                                       buckets=LATENCY_BUCKETS, registry=registry)  # fmt: skip
        self.overhead_latency = Histogram("xgboost_overhead_latency_seconds", "Time in the server around it",
                                          ("route",), buckets=LATENCY_BUCKETS, registry=registry)  # fmt: skip
        self.labels = Counter("xgboost_predicted_labels", "Rows answered each label", ("model_version", "label"),
                              registry=registry)  # fmt: skip
        self.model_load = Gauge("xgboost_model_load_seconds", "Time the worker took to load its model",
                                multiprocess_mode="max", registry=registry)  # fmt: skip

    def observe(self, route: str, version: str, status: int, rows: int, model_seconds: float, total_seconds: float,
                predictions: Sequence[Any] | None) -> None:  # fmt: skip
        family = ERROR_FAMILIES.get(status, "other") if 400 <= status < 500 else ""
        self.requests.labels(route, f"{status // 100}xx", family, version).inc()
        self.model_latency.labels(route).observe(model_seconds)
        self.overhead_latency.labels(route).observe(total_seconds - model_seconds)
        if status < 400:
            self.rows.labels(route, version).inc(rows)
            if predictions and isinstance(predictions[0], dict):
                for row in predictions:
                    self.labels.labels(version, str(row["label"])).inc()

    def page(self) -> bytes:
        if not self._multiprocess:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


class ServerMetrics:
    """One per worker: ``observe`` each answered request (under a lock: the writer thread drains meanwhile)."""

    def __init__(self, settings: Settings, predictor: Predictor, write: Callable[[dict[str, Any]], None] = write_line,
                 started: float | None = None) -> None:  # fmt: skip
        self.prometheus = PrometheusMetrics(settings.prometheus_multiproc_dir)
        self._predictor, self._write, self._lock = predictor, write, threading.Lock()
        if predictor.load_seconds is not None:
            self.prometheus.model_load.set(predictor.load_seconds)
        self.recorder: Recorder | None = None
        if settings.metrics == "emf":
            version = self.version
            self.recorder = Recorder((settings.backend_name or "local"), settings.metrics_flush_seconds, version)
            write(
                self.recorder.cold_start(predictor.load_seconds, time.perf_counter() - (started or time.perf_counter()))
            )
            threading.Thread(target=self._write_every, args=(settings.metrics_flush_seconds,), daemon=True,
                             name="metrics-writer").start()  # fmt: skip
            atexit.register(self.flush)

    def version(self) -> str:
        return self._predictor.model_version or NO_VERSION

    def observe(self, route: str, status: int, rows: int, model_seconds: float, total_seconds: float,
                predictions: Sequence[Any] | None) -> None:  # fmt: skip
        if route in UNMEASURED:
            return
        self.prometheus.observe(route, self.version(), status, rows, model_seconds, total_seconds, predictions)
        if self.recorder is not None:
            with self._lock:
                self.recorder.record((route, status, rows, model_seconds, total_seconds, predictions), 0.0)

    def flush(self) -> None:
        """Write what was counted since the last time (every few seconds, and at exit)."""
        if self.recorder is None:
            return
        with self._lock:
            documents = self.recorder.drain()
        for document in documents:
            self._write(document)

    def _write_every(self, seconds: float) -> None:
        while True:
            time.sleep(seconds)
            self.flush()
