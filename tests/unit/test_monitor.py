"""The monitor on captured records: exactly the shifted feature flagged, nothing flagged without a shift, unseen
categories and missing values counted, SageMaker's own records read, and quality metrics as scikit-learn
computes them."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as sk

from inference import Predictor
from inference.model.bundle import ModelBundle
from inference.monitoring import quality
from inference.monitoring.records import UNSEEN, RecordReader, read_capture
from inference.monitoring.report import MIN_ROWS, report_document
from inference.monitoring.stats import WindowStats
from tests.support.datasets import FRAUD, HOUSING, SPECIES, rows_for
from tests.support.monitoring import baseline_for, capture_lines

NOW = dt.datetime(2026, 5, 1, 10, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def fraud(fraud_model: Path) -> tuple[Predictor, ModelBundle]:
    predictor = Predictor(str(fraud_model), "fraud-1")
    return predictor, predictor.bundle


def report_of(predictor: Predictor, rows: np.ndarray, truth: dict[str, np.ndarray] | None = None) -> dict:  # type: ignore[type-arg]
    bundle = predictor.bundle
    stats = WindowStats(baseline_for(bundle, "logloss"), bundle, truth or {})
    for _, line in capture_lines(predictor, bundle.schema, rows, per_request=3):
        stats.add(line)
    return report_document(stats, None, NOW)


def test_a_shifted_feature_is_flagged_and_no_other(fraud: tuple[Predictor, ModelBundle]) -> None:
    predictor, _ = fraud
    rows = rows_for(FRAUD, 900, seed=11)
    age = FRAUD.index["age"]
    rows[:, age] = rows[:, age] + 40  # 18-69 becomes 58-109, still inside the schema's range: answered 200
    report = report_of(predictor, rows)
    assert report["records"]["by_status"] == {"200": 300} and report["rows"] == 900
    assert report["drifted_features"] == ["age"]
    assert report["features"]["age"]["psi"] > 1.0
    assert all(report["features"][name]["psi"] < 0.1 for name in FRAUD.names if name != "age")


def test_a_sample_like_the_baseline_flags_nothing(fraud: tuple[Predictor, ModelBundle]) -> None:
    report = report_of(fraud[0], rows_for(FRAUD, 900, seed=12))
    assert report["drifted_features"] == [] and report["enough_rows"]
    assert report["answers"]["drift"] is False
    assert set(report["features"]) == set(FRAUD.names)


def test_more_missing_values_show_as_a_missing_share_and_in_the_psi(fraud: tuple[Predictor, ModelBundle]) -> None:
    rows = rows_for(FRAUD, 900, seed=13)
    risk = FRAUD.index["risk"]
    rows[: len(rows) // 2, risk] = np.nan  # the spec allows risk to be missing
    feature = report_of(fraud[0], rows)["features"]["risk"]
    assert feature["missing_share"] == pytest.approx(0.5 + 0.5 * 0.1, abs=0.03)  # 10 % were missing already
    assert feature["missing_change"] == pytest.approx(feature["missing_share"] - feature["baseline_missing_share"])
    assert feature["drift"] is True


def test_too_few_rows_flag_nothing_even_when_shifted(fraud: tuple[Predictor, ModelBundle]) -> None:
    rows = rows_for(FRAUD, MIN_ROWS - 1, seed=14)
    rows[:, FRAUD.index["age"]] += 40
    report = report_of(fraud[0], rows)
    assert report["features"]["age"]["psi"] > 1.0 and report["drifted_features"] == []


def sagemaker_record(data: str, encoding: str = "CSV", content_type: str = "text/csv") -> str:
    """A record as SageMaker's own Data Capture writes it: no route, backend or status."""
    return json.dumps({"captureData": {"endpointInput": {"observedContentType": content_type, "mode": "INPUT",
                                                         "data": data, "encoding": encoding},
                                       "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT",
                                                          "data": "0.5", "encoding": "CSV"}},
                       "eventMetadata": {"eventId": "e1", "inferenceTime": "2022-02-14T17:25:49Z"},
                       "eventVersion": "0"})  # fmt: skip


def test_records_written_by_sagemaker_are_read_as_invocations() -> None:
    reader = RecordReader(FRAUD)
    rows = reader.rows(read_capture(sagemaker_record("120.5,2,37,14,0.2\n15,7,,3,\n")))
    assert rows.shape == (2, 5)
    assert rows[1, 1] == UNSEEN and np.isnan(rows[1, 2]) and np.isnan(rows[1, 4])  # code 7 is not a channel
    libsvm = base64.b64encode(b"0:120.5 1:1 3:14\n").decode()
    rows = reader.rows(read_capture(sagemaker_record(libsvm, "BASE64", "text/libsvm")))
    assert rows.tolist()[0][:2] == [120.5, 1.0] and rows[0, 3] == 14


def test_invocations_records_read_categories_by_name_as_the_server_does() -> None:
    """/invocations takes a category's name as well as its code (CSV, JSON Lines); the monitor reads what the server
    read, and an unknown name as unseen, as on /predict, rather than dropping the record as unreadable."""
    reader = RecordReader(FRAUD)
    rows = reader.rows(read_capture(sagemaker_record("120.5,store,37,14,0.2\n15,kiosk,40,3,\n")))
    assert rows[:, FRAUD.index["channel"]].tolist() == [1.0, UNSEEN]
    lines = '[120.5, "phone", 37, 14, 0.2]\n[15, "kiosk", 40, 3, null]\n'
    rows = reader.rows(read_capture(sagemaker_record(lines, "JSON", "application/jsonlines")))
    assert rows[:, FRAUD.index["channel"]].tolist() == [2.0, UNSEEN]


def test_unseen_categories_are_counted_whether_refused_or_served_missing(fraud: tuple[Predictor, ModelBundle]) -> None:
    predictor, bundle = fraud
    reader = RecordReader(FRAUD)
    lines = dict(capture_lines(predictor, FRAUD, rows_for(FRAUD, 4, seed=15), per_request=4))
    record = json.loads(next(iter(lines.values())))
    document = json.loads(record["captureData"]["endpointInput"]["data"])
    document["instances"][0]["channel"] = "kiosk"  # channel may not be missing: refused with 400
    record["captureData"]["endpointInput"]["data"] = json.dumps(document)
    rows = reader.rows(read_capture(json.dumps(record)))
    assert rows[0, FRAUD.index["channel"]] == UNSEEN
    stats = WindowStats(baseline_for(bundle, "logloss"), bundle, {})
    stats.add(json.dumps(record | {"eventMetadata": record["eventMetadata"] | {"status": 400}}))
    report = report_document(stats, None, NOW)
    assert report["features"]["channel"]["unseen_share"] == pytest.approx(0.25)
    assert report["answered_rows"] == 0  # a refused request has no answers to count


def test_ground_truth_joined_on_event_id_gives_the_live_metric(fraud: tuple[Predictor, ModelBundle]) -> None:
    predictor, bundle = fraud
    rows = rows_for(FRAUD, 300, seed=16)
    lines = list(capture_lines(predictor, FRAUD, rows, per_request=3))
    labels = (np.arange(300) % 2).astype(float)
    truth = {event_id: labels[i * 3 : i * 3 + 3] for i, (event_id, _) in enumerate(lines[:50])}  # half the events
    stats = WindowStats(baseline_for(bundle, "logloss"), bundle, truth)
    for _, line in lines:
        stats.add(line)
    live, joined = stats.live_metric()
    probabilities = quality.scores(bundle.ensemble, rows[:150], "binary")
    assert joined == 150
    assert live == pytest.approx(sk.log_loss(labels[:150], probabilities[:, 1], labels=[0, 1]))


@pytest.mark.parametrize("name", ["rmse", "mae", "mape"])
def test_regression_metrics_match_scikit_learn(name: str) -> None:
    rng = np.random.default_rng(5)
    y, p = rng.uniform(1, 5, 200), rng.uniform(1, 5, 200)
    expected = {"rmse": np.sqrt(sk.mean_squared_error(y, p)), "mae": sk.mean_absolute_error(y, p),
                "mape": sk.mean_absolute_percentage_error(y, p)}[name]  # fmt: skip
    assert quality.metric(name, y, p) == pytest.approx(expected)


def test_classification_metrics_match_scikit_learn() -> None:
    rng = np.random.default_rng(6)
    y = rng.integers(0, 2, 300).astype(float)
    positive = np.clip(0.3 * y + rng.uniform(0, 0.7, 300), 0, 1)
    p = np.column_stack([1 - positive, positive])
    assert quality.metric("auc", y, p) == pytest.approx(sk.roc_auc_score(y, positive))
    assert quality.metric("aucpr", y, p) == pytest.approx(sk.average_precision_score(y, positive))
    assert quality.metric("logloss", y, p) == pytest.approx(sk.log_loss(y, positive))
    assert quality.metric("error", y, p) == pytest.approx(np.mean((positive > 0.5) != y))
    three = rng.dirichlet([1, 1, 1], 300)
    classes = rng.integers(0, 3, 300).astype(float)
    assert quality.metric("mlogloss", classes, three) == pytest.approx(sk.log_loss(classes, three))
    assert quality.metric("merror", classes, three) == pytest.approx(np.mean(three.argmax(axis=1) != classes))
    assert quality.metric("auc", np.zeros(3), p[:3]) is None  # one class: AUC is undefined
    assert quality.metric("rmse", np.array([]), np.array([])) is None


@pytest.mark.parametrize(("schema", "kind"), [(HOUSING, "value"), (FRAUD, "probability"), (SPECIES, "class")])
def test_the_answers_distribution_is_of_the_right_kind(schema, kind, model_tarball, fraud_model, species_model) -> None:  # type: ignore[no-untyped-def]
    model = {"california_housing": model_tarball, "card_fraud": fraud_model, "species": species_model}[schema.name]
    bundle = ModelBundle.load(str(model))
    metric = {"value": "rmse", "probability": "auc", "class": "merror"}[kind]
    answers = baseline_for(bundle, metric).answers
    assert answers is not None and answers.kind == kind and answers.validation is not None
    assert (answers.bins.categories is not None) == (kind == "class")


def test_a_window_without_rows_publishes_no_metric_and_one_with_rows_publishes_each(
    fraud: tuple[Predictor, ModelBundle],
) -> None:
    from inference.monitoring.run import metric_lines

    predictor, bundle = fraud
    empty = report_document(WindowStats(baseline_for(bundle, "logloss"), bundle, {}), None, NOW)
    assert metric_lines(empty) == []  # an idle model costs no custom metric
    lines = [json.loads(line) for line in metric_lines(report_of(predictor, rows_for(FRAUD, 300, seed=17)))]
    assert {line.get("Feature") for line in lines} == {None, *FRAUD.names}
    assert all(line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "XgboostServerless/Monitoring" for line in lines)
