"""Both adapters answer the same request with the same status and the same body, byte for byte.

The HTTP server runs as a real subprocess; the Lambda handler gets the HTTP API 2.0 event API Gateway would
send for the same request. Both load the same model file, so even ``model_version`` must match.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from inference import Predictor
from inference.protocols.limits import MAX_BODY_BYTES, MAX_ROWS
from tests.integration.conftest import RunningServer, launch_server
from tests.support.datasets import HOUSING

ROW = [8.3252, 41.0, 6.984127, 1.02381, 322.0, 2.555556, 37.88, -122.23]
NAMED = dict(zip(HOUSING.names, ROW, strict=True))
CSV = ",".join(map(str, ROW))
JSON = {"content-type": "application/json"}
CSV_TYPE = {"content-type": "text/csv"}
QUERY = urllib.parse.urlencode(NAMED)

REQUESTS = {  # method, path and query, body, headers
    "named": ("POST", "/predict", json.dumps({"instances": [NAMED, NAMED]}), JSON),
    "ordered": ("POST", "/predict", json.dumps({"instances": [ROW]}), JSON),
    "csv": ("POST", "/predict", f"{CSV}\n{CSV}\n", CSV_TYPE),
    "query": ("GET", f"/predict?{QUERY}", None, {}),
    "seeds_pred_x_csv": ("POST", "/predict", json.dumps({"pred_x_csv": CSV}), JSON),
    "ping": ("GET", "/ping", None, {}),
    "400_out_of_range": ("POST", "/predict", json.dumps({"instances": [{**NAMED, "AveOccup": -1}]}), JSON),
    "400_csv_text": ("POST", "/predict", CSV.replace("322.0", "many"), CSV_TYPE),
    "400_malformed_json": ("POST", "/predict", "{", JSON),
    "400_duplicate_query": ("GET", f"/predict?{QUERY}&Population=3", None, {}),
    "400_blank_query": ("GET", f"/predict?{QUERY.replace('MedInc=8.3252', 'MedInc=')}", None, {}),
    "413_too_many_rows": ("POST", "/predict", json.dumps({"instances": [ROW] * (MAX_ROWS + 1)}), JSON),
    "413_body_too_large": ("POST", "/predict", " " * (MAX_BODY_BYTES + 1), JSON),
    "415_media_type": ("POST", "/predict", CSV, {"content-type": "application/x-www-form-urlencoded"}),
    "404_not_found": ("GET", "/model", None, {}),
    "404_trailing_slash": ("GET", f"/predict/?{QUERY}", None, {}),
    "405_wrong_method": ("DELETE", "/predict", None, {}),
    "explain_named": ("POST", "/explain", json.dumps({"instances": [NAMED, NAMED]}), JSON),
    "explain_csv": ("POST", "/explain", f"{CSV}\n", CSV_TYPE),
    "explain_query": ("GET", f"/explain?{QUERY}", None, {}),
    "400_explain_out_of_range": ("POST", "/explain", json.dumps({"instances": [{**NAMED, "AveOccup": -1}]}), JSON),
    "405_explain_method": ("PUT", "/explain", None, {}),
}


def http_api_event(method: str, target: str, body: str | None, headers: dict[str, str]) -> dict[str, Any]:
    """The HTTP API (payload 2.0) event for a request, with the body base64-encoded as for binary media."""
    path, _, query = target.partition("?")
    event: dict[str, Any] = {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {"http": {"method": method, "path": path}},
        "isBase64Encoded": body is not None,
    }
    if body is not None:
        event["body"] = base64.b64encode(body.encode()).decode()
    return event


def both_answers(server: RunningServer, adapter: ModuleType, predictor: Predictor, request: tuple[Any, ...]):  # type: ignore[no-untyped-def]
    http_reply = server.request(*request)
    response = adapter.handle(http_api_event(*request), None, predictor)
    assert http_reply.headers.get("content-type") == response["headers"].get("content-type")
    assert http_reply.headers.get("allow") == response["headers"].get("allow")
    return (http_reply.status, http_reply.body.decode()), (response["statusCode"], response["body"])


@pytest.fixture(scope="module")
def predictor(model_tarball: Path) -> Predictor:
    return Predictor.from_env({"MODEL_URI": str(model_tarball)})


@pytest.mark.parametrize("name", REQUESTS)
def test_both_adapters_give_the_same_answer(http_server, lambda_adapter, predictor, name):
    fargate, lambda_ = both_answers(http_server, lambda_adapter, predictor, REQUESTS[name])
    assert fargate == lambda_
    assert fargate[0] == (int(name[:3]) if name[0].isdigit() else 200)


def test_both_adapters_give_the_same_503_without_a_model(start_server, lambda_adapter, tmp_path):
    environ = {"MODEL_URI": str(tmp_path / "missing.tar.gz")}
    server, predictor = start_server(environ), Predictor.from_env(environ)
    for request in (REQUESTS["csv"], REQUESTS["query"], REQUESTS["ping"]):
        fargate, lambda_ = both_answers(server, lambda_adapter, predictor, request)
        assert fargate == lambda_
        assert fargate[0] == 503


CLASSIFIER_REQUESTS = {
    "named": ("POST", "/predict", json.dumps({"instances": [{"amount": 99.5, "channel": "phone", "hour": 2}]}), JSON),
    "csv_missing": ("POST", "/predict", "99.5,phone,,2,\n10,web,40,12,0.9\n", CSV_TYPE),
    "query": ("GET", "/predict?amount=99.5&channel=store&hour=20&risk=0.7", None, {}),
    "explain": ("POST", "/explain", json.dumps({"instances": [[99.5, "store", None, 2, 0.1]]}), JSON),
    "400_unknown_category": ("GET", "/predict?amount=1&channel=fax&hour=2", None, {}),
    "ping": ("GET", "/ping", None, {}),
}


@pytest.fixture(scope="module")
def fraud_server(fraud_model: Path, tmp_path_factory) -> Iterator[RunningServer]:
    server = launch_server({"MODEL_URI": str(fraud_model)}, tmp_path_factory.mktemp("fraud-parity"))
    yield server
    server.stop()


@pytest.mark.parametrize("name", CLASSIFIER_REQUESTS)
def test_both_adapters_give_the_same_answer_for_a_classifier(fraud_server, lambda_adapter, fraud_model, name):
    predictor = Predictor.from_env({"MODEL_URI": str(fraud_model)})
    fargate, lambda_ = both_answers(fraud_server, lambda_adapter, predictor, CLASSIFIER_REQUESTS[name])
    assert fargate == lambda_
    assert fargate[0] == (int(name[:3]) if name[0].isdigit() else 200)


INVOCATIONS = {  # body, headers, query
    "csv_default": (f"{CSV}\n{CSV}\n", CSV_TYPE, ""),
    "csv_to_json": (f"{CSV}\n", {**CSV_TYPE, "accept": "application/json"}, ""),
    "libsvm_to_jsonlines": ("0:8.3252 1:41 2:6.98 3:1.02 4:322 5:2.55 6:37.88 7:-122.23\n",
                            {"content-type": "text/libsvm", "accept": "application/jsonlines"}, ""),
    "selected_keys": (f"{CSV}\n", {**CSV_TYPE, "accept": "application/json"}, "output=predicted_score"),
    "204_empty": ("", CSV_TYPE, ""),
    "400_out_of_range": (CSV.replace("37.88", "99"), CSV_TYPE, ""),
    "406_accept": (f"{CSV}\n", {**CSV_TYPE, "accept": "application/x-recordio-protobuf"}, ""),
    "415_protobuf": ("x", {"content-type": "application/x-recordio-protobuf"}, ""),
}  # fmt: skip


@pytest.mark.parametrize("name", INVOCATIONS)
def test_both_adapters_answer_invocations_alike(http_server, lambda_adapter, predictor, name) -> None:
    body, headers, query = INVOCATIONS[name]
    target = f"/invocations?{query}" if query else "/invocations"
    reply = http_server.request("POST", target, body, headers)
    response = lambda_adapter.handle(http_api_event("POST", target, body, headers), None, predictor)
    assert (reply.status, reply.body.decode()) == (response["statusCode"], response["body"])
    assert reply.headers.get("content-type") == response["headers"].get("content-type")
    assert reply.status == (int(name[:3]) if name[0].isdigit() else 200)
