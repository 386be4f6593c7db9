"""Captured records made the way the adapters make them (real answers from a Predictor), and baselines."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import numpy as np

from inference import Predictor
from inference.capture import Capture
from inference.capture_sinks import StreamSink
from inference.model.bundle import ModelBundle
from inference.model.schema import Schema
from inference.monitoring.baseline import Baseline, feature_baseline
from inference.monitoring.model_baseline import model_baseline
from inference.routes import TABLE, Request, answer
from tests.support.datasets import labels_for, rows_for


def named(schema: Schema, row: np.ndarray) -> dict[str, object]:
    """A row (codes, NaN missing) as our API's named instance: category names, missing features left out."""
    instance: dict[str, object] = {}
    for feature, value in zip(schema.features, row.tolist(), strict=True):
        if not math.isnan(value):
            instance[feature.name] = feature.categories[int(value)] if feature.categories else value
    return instance


def capture_lines(predictor: Predictor, schema: Schema, rows: np.ndarray, *, backend: str = "lambda-arm64",
                  per_request: int = 1) -> Iterator[tuple[str, str]]:  # fmt: skip
    """(eventId, record line) per request of ``per_request`` rows, each answered by ``predictor`` on /predict."""
    capture = Capture(StreamSink(None, backend), backend=backend)  # type: ignore[arg-type]
    route = TABLE.find("/predict")
    assert route is not None
    for start in range(0, len(rows), per_request):
        body = json.dumps({"instances": [named(schema, row) for row in rows[start : start + per_request]]})
        request = Request("POST", "/predict", {}, {"content-type": "application/json"}, body.encode())
        event_id = f"{backend}-{start}"
        line = capture.line("api", "/predict", request, answer(route, predictor, request), predictor.model_version,
                            event_id)  # fmt: skip
        yield event_id, line


def validation_csv(schema: Schema, rows: np.ndarray) -> str:
    labels = labels_for(schema, rows)
    table = np.column_stack([labels, rows])
    return "".join(",".join("" if math.isnan(v) else repr(float(v)) for v in row) + "\n" for row in table)


def baseline_for(bundle: ModelBundle, metric: str, seed: int = 0) -> Baseline:
    """The whole baseline of ``bundle``: training rows drawn with ``seed``, validation rows with ``seed + 1``."""
    schema = bundle.schema
    data = feature_baseline(schema, rows_for(schema, 3000, seed))
    return model_baseline(bundle, data, validation_csv(schema, rows_for(schema, 800, seed + 1)), metric)
