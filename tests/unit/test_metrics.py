"""The Lambda adapter's metrics: real requests through the handler, every EMF line checked against the published
schema and read back as CloudWatch would extract it."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from inference import Predictor
from inference.metrics.names import MAX_VALUES, Dimension, Metric
from inference.metrics.recorder import Recorder
from inference.metrics.window import Window, process_document
from tests.support import emf
from tests.support.datasets import HOUSING, SPECIES

EVENTS = Path(__file__).resolve().parent.parent / "events"
ROW = dict(zip(HOUSING.names, [8.3252, 41.0, 6.984127, 1.02381, 322.0, 2.555556, 37.88, -122.23], strict=True))
BACKEND = "lambda-arm64"


def http_event(path: str, body: object, method: str = "POST") -> dict[str, Any]:
    event = json.loads((EVENTS / "http_api_v2_post_named.json").read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["body"] = body if isinstance(body, str) else json.dumps(body)
    return event


class Written(list[dict[str, Any]]):
    def __call__(self, document: dict[str, Any]) -> None:
        self.append(json.loads(json.dumps(document)))  # what a JSON line carries


def answer_all(adapter: ModuleType, predictor: Predictor, events: list[Any], flush_seconds: float = 0.0) -> Written:
    written = Written()
    recorder = Recorder(BACKEND, flush_seconds, lambda: predictor.model_version)
    for event in events:
        adapter.handle(event, None, predictor, recorder=recorder, write=written)
    for document in recorder.drain():
        written(document)
    return written


@pytest.fixture(scope="module")
def housing(model_tarball: Path) -> Predictor:
    return Predictor.from_env({"MODEL_URI": str(model_tarball), "MODEL_VERSION": "v7"})


def test_each_route_and_outcome_is_counted_with_its_dimensions(adapter: ModuleType, housing: Predictor) -> None:
    events = [http_event("/lambda/arm64/predict", {"instances": [ROW, ROW]}),
              http_event("/predict", {"instances": [{**ROW, "MedInc": -1}]}),
              http_event("/explain", {"instances": [ROW]}),
              http_event("/nowhere", ""),
              http_event("/ping", "", "GET"),
              {"instances": [ROW]}]  # fmt: skip
    metrics = emf.extracted(answer_all(adapter, housing, events))
    version = {Dimension.BACKEND: BACKEND, Dimension.MODEL_VERSION: "v7"}
    assert emf.total(metrics, Metric.INVOCATIONS, **version) == 5  # /ping is not an invocation
    assert emf.total(metrics, Metric.INVOCATIONS, **version, Route="/predict") == 2
    assert emf.total(metrics, Metric.ROWS, **version, Route="/predict") == 2
    assert emf.total(metrics, Metric.ERRORS_4XX, **version) == 2  # the out-of-range row and the unknown path
    assert emf.total(metrics, Metric.ERRORS_4XX, Backend=BACKEND, ErrorFamily="invalid_input") == 1
    assert emf.total(metrics, Metric.ERRORS_4XX, Backend=BACKEND, ErrorFamily="route") == 1
    assert emf.total(metrics, Metric.INVOCATIONS, **version, Route="direct") == 1
    assert not [m for m in metrics if m.name == Metric.ERRORS_5XX]  # only what happened is written
    latencies = [m for m in metrics if m.name == Metric.MODEL_LATENCY and dict(m.dimensions).get("Route")]
    assert {dict(m.dimensions)["Route"] for m in latencies} == {"/predict", "/explain", "unknown", "direct"}
    assert all(m.unit == "Milliseconds" and min(m.values) >= 0 for m in latencies)


def test_regression_answers_are_summarized_in_the_answer_unit(adapter: ModuleType, housing: Predictor) -> None:
    answered = adapter.handle(http_event("/predict", {"instances": [ROW]}), None, housing)
    (value,) = json.loads(answered["body"])["predictions"]
    metrics = emf.extracted(answer_all(adapter, housing, [http_event("/predict", {"instances": [ROW]})]))
    (prediction,) = [m for m in metrics if m.name == Metric.PREDICTION]
    assert prediction.values == (pytest.approx(value, abs=1e-4),)
    assert dict(prediction.dimensions) == {"Backend": BACKEND, "ModelVersion": "v7"}


def test_classification_answers_are_counted_per_label(adapter: ModuleType, species_model: Path) -> None:
    predictor = Predictor.from_env({"MODEL_URI": str(species_model), "MODEL_VERSION": "s1"})
    rows = [dict(zip(SPECIES.names, values, strict=True)) for values in ([5.9, 3.0, "loam", 1.8], [1, 19, "peat", 190])]
    body = {"instances": rows}
    answered = json.loads(adapter.handle(http_event("/predict", body), None, predictor)["body"])
    invocation = http_event("/invocations", "5.9,3.0,2,1.8\n")  # SageMaker's CSV: a category by its code
    invocation["headers"]["content-type"] = "text/csv"
    metrics = emf.extracted(answer_all(adapter, predictor, [http_event("/predict", body), invocation]))
    labels = [row["label"] for row in answered["predictions"]] + [answered["predictions"][0]["label"]]
    for label in set(labels):
        assert emf.total(metrics, Metric.PREDICTED_LABEL, Backend=BACKEND, ModelVersion="s1", Label=label) == (
            labels.count(label)
        )
    assert sum(m.values[0] for m in metrics if m.name == Metric.PREDICTED_LABEL) == len(labels)


def test_a_window_writes_at_most_a_hundred_values_a_metric_but_counts_everything() -> None:
    recorder = Recorder(BACKEND, 3600.0, lambda: "v1")
    for i in range(MAX_VALUES * 3):
        assert not recorder.record(("/predict", 200, 1, 0.001 * (i + 1), 0.002 * (i + 1), [float(i)]), 1.0)
    metrics = emf.extracted(recorder.drain())
    assert emf.total(metrics, Metric.INVOCATIONS, Backend=BACKEND, ModelVersion="v1") == MAX_VALUES * 3
    for name in (Metric.MODEL_LATENCY, Metric.OVERHEAD_LATENCY, Metric.PREDICTION):
        (sampled,) = [m for m in metrics if m.name == name and len(m.dimensions) == 2]
        assert len(sampled.values) == MAX_VALUES and len(set(sampled.values)) == MAX_VALUES  # drawn from all
    assert recorder.drain() == []


def test_the_recorder_says_when_its_requests_are_due() -> None:
    recorder = Recorder(BACKEND, 1.0, lambda: None)
    assert not recorder.record(("/predict", 503, 0, 0.0, 0.0, None), 10.0)
    assert not recorder.record(("/predict", 503, 0, 0.0, 0.0, None), 10.5)
    assert recorder.record(("/predict", 503, 0, 0.0, 0.0, None), 11.0)
    (document,) = recorder.drain()
    assert (document["ModelVersion"], document[Metric.ERRORS_5XX]) == ("none", 3)


def test_cold_start_document() -> None:
    metrics = emf.check(process_document(BACKEND, 1_700_000_000_000, 8.5, 210.0))
    assert {(m.name, m.values) for m in metrics} == {(Metric.COLD_START, (1,)), (Metric.MODEL_LOAD_TIME, (8.5,)),
                                                     (Metric.INIT_DURATION, (210.0,))}  # fmt: skip
    assert not [m.name for m in emf.check(process_document(BACKEND, 1, None, 5.0)) if m.name == Metric.MODEL_LOAD_TIME]


def test_the_schema_refuses_what_cloudwatch_would_drop() -> None:
    good = Window()
    good.add("/predict", "v", 200, 1, 0.001, 0.002, [1.0])
    (document,) = good.documents(BACKEND, 1)
    for broken in ({**document, "_aws": {**document["_aws"], "Timestamp": "now"}},
                   {**document, "Backend": 3}, {**document, Metric.INVOCATIONS: [1] * 101}):  # fmt: skip
        with pytest.raises(AssertionError):
            emf.check(broken)
