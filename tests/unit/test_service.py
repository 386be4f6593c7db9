"""The Predictor: answers in USD with the model version, and never guesses without a model."""

from __future__ import annotations

import json
import shutil
import threading
import time

import numpy as np
import pytest

from inference import ModelUnavailable, Predictor
from inference.errors import InvalidInput
from tests.support.datasets import HOUSING
from tests.support.models import write_schema
from tests.support.requests import CSV_LINE, ORDERED, ROW


@pytest.fixture
def predictor(model_tarball) -> Predictor:
    return Predictor.from_env({"MODEL_URI": str(model_tarball), "MODEL_VERSION": "job-42"})


def test_prediction_is_in_usd_with_version_and_count(predictor, booster) -> None:
    answer = predictor.predict(json.dumps({"instances": [ROW, ORDERED]}), "application/json")
    expected = float(booster.inplace_predict(np.array([ORDERED], dtype=np.float32))[0]) * 100_000
    assert answer["unit"] == "USD"
    assert answer["model_version"] == "job-42"
    assert answer["count"] == 2
    assert answer["predictions"][0] == answer["predictions"][1]
    assert answer["predictions"][0] == pytest.approx(expected, abs=1.0)


def test_every_entry_point_gives_the_same_answer(predictor) -> None:
    by_body = predictor.predict(CSV_LINE, "text/csv")
    by_query = predictor.predict_query({k: [str(v)] for k, v in ROW.items()})
    by_payload = predictor.predict_payload({"instances": [ROW]})
    assert by_body == by_query == by_payload


def test_health_reports_the_loaded_model(predictor) -> None:
    status, body = predictor.health()
    assert status == 200
    assert body == {
        "status": "ok",
        "model_version": "job-42",
        "trees": 20,
        "dataset": "california_housing",
        "task": "regression",
        "features": list(ROW),
    }


def test_missing_model_uri_is_unavailable_not_a_crash() -> None:
    predictor = Predictor.from_env({})
    assert not predictor.ready
    message = "the model is not loaded: MODEL_URI is not set and /opt/ml/model holds no xgboost-model"
    unavailable = {"code": "model_unavailable", "message": message}
    assert predictor.health() == (503, {"error": unavailable})
    with pytest.raises(ModelUnavailable, match="MODEL_URI is not set"):
        predictor.predict(CSV_LINE, "text/csv")


def test_broken_model_is_refused_and_never_predicts(tmp_path) -> None:
    (tmp_path / "model.tar.gz").write_bytes(b"\x1f\x8b\x08broken")
    predictor = Predictor.from_env({"MODEL_URI": str(tmp_path / "model.tar.gz")})
    assert predictor.health()[0] == 503
    assert "truncated or corrupt" in (predictor.load_error or "")
    with pytest.raises(ModelUnavailable):
        predictor.predict_payload({"instances": [ROW]})


def _wait_until_ready(predictor: Predictor, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while predictor.health()[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_model_that_appears_later_is_loaded_on_retry(tmp_path, model_tarball) -> None:
    target = tmp_path / "model.tar.gz"
    predictor = Predictor(str(target), retry_seconds=0)
    assert predictor.health()[0] == 503
    shutil.copy(model_tarball, target)
    write_schema(HOUSING, tmp_path)
    _wait_until_ready(predictor)
    assert predictor.health()[0] == 200
    assert predictor.predict(CSV_LINE, "text/csv")["count"] == 1


def test_a_slow_reload_never_holds_a_request(tmp_path, model_tarball, monkeypatch) -> None:
    from inference import service

    predictor = Predictor(str(tmp_path / "model.tar.gz"), retry_seconds=0)
    shutil.copy(model_tarball, tmp_path / "model.tar.gz")
    write_schema(HOUSING, tmp_path)
    release = threading.Event()
    slow_load = service.LoadedModel.load
    loads: list[str] = []

    def blocked_load(*args, **kwargs):  # type: ignore[no-untyped-def]
        loads.append(threading.current_thread().name)
        assert release.wait(30), "never released"
        return slow_load(*args, **kwargs)

    monkeypatch.setattr(service.LoadedModel, "load", blocked_load)
    assert predictor.health()[0] == 503  # answered while the load is held: the request did not wait for it
    assert predictor.health()[0] == 503  # and is not started twice
    assert not release.is_set()  # so both answers came while the load was blocked, whatever the clock says
    for _ in range(100):
        if loads:
            break
        time.sleep(0.01)
    assert loads == ["model-reload"]  # the one load runs in the background thread, not the request's
    release.set()
    _wait_until_ready(predictor)
    assert predictor.ready


def test_retries_are_rate_limited(tmp_path, model_tarball) -> None:
    target = tmp_path / "model.tar.gz"
    predictor = Predictor(str(target), retry_seconds=3600)
    shutil.copy(model_tarball, target)
    write_schema(HOUSING, tmp_path)
    assert predictor.health()[0] == 503


def test_client_errors_pass_through_when_the_model_is_ready(predictor) -> None:
    with pytest.raises(InvalidInput) as caught:
        predictor.predict_payload({"instances": [{**ROW, "Latitude": 99}]})
    assert (caught.value.field, caught.value.row) == ("Latitude", 0)
