"""The served OpenAPI document is valid, matches the feature schema, and describes what the server really does."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from inference.schema import FEATURES, MAX_ROWS


@pytest.fixture(scope="module")
def spec(http_server) -> dict[str, Any]:
    reply = http_server.request("GET", "/openapi.json")
    assert reply.status == 200
    return reply.json()


def assert_matches(spec: dict[str, Any], schema_name: str, document: Any) -> None:
    """Validate a real response against one of the spec's component schemas ($refs resolved in the spec)."""
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    errors = [error.message for error in Draft202012Validator(root).iter_errors(document)]
    assert not errors, errors


def test_spec_is_valid_openapi_3_1(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == {"/predict", "/invocations", "/ping"}


def test_query_parameters_are_the_features_with_their_ranges(spec):
    parameters = spec["paths"]["/predict"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == [f.name for f in FEATURES]
    assert [(p["schema"]["minimum"], p["schema"]["maximum"]) for p in parameters] == [
        (f.minimum, f.maximum) for f in FEATURES
    ]
    assert all(p["required"] and p["in"] == "query" for p in parameters)


def test_every_body_example_is_accepted_and_the_answer_matches_the_response_schema(spec, http_server):
    content = spec["paths"]["/predict"]["post"]["requestBody"]["content"]
    bodies = [("text/csv", content["text/csv"]["example"])]
    bodies += [("application/json", json.dumps(e["value"])) for e in content["application/json"]["examples"].values()]
    assert len(bodies) == 4
    for media_type, body in bodies:
        reply = http_server.request("POST", "/predict", body, {"content-type": media_type})
        assert reply.status == 200, (media_type, body, reply.body)
        assert_matches(spec, "PredictResponse", reply.json())


def test_query_example_is_accepted_and_each_range_is_enforced(spec, http_server):
    parameters = spec["paths"]["/predict"]["get"]["parameters"]
    example = {p["name"]: p["example"] for p in parameters}
    assert_matches(
        spec, "PredictResponse", http_server.request("GET", f"/predict?{urllib.parse.urlencode(example)}").json()
    )
    for parameter in parameters:
        too_high = {**example, parameter["name"]: parameter["schema"]["maximum"] + 1}
        reply = http_server.request("GET", f"/predict?{urllib.parse.urlencode(too_high)}")
        assert (reply.status, reply.json()["error"]["field"]) == (400, parameter["name"])
        assert_matches(spec, "ErrorBody", reply.json())


def test_batch_limit_and_health_match_the_spec(spec, http_server):
    instances = spec["components"]["schemas"]["PredictRequest"]["oneOf"][0]["properties"]["instances"]
    assert instances["maxItems"] == MAX_ROWS
    assert_matches(spec, "Health", http_server.request("GET", "/ping").json())
    assert_matches(spec, "ErrorBody", http_server.request("POST", "/predict", "{").json())


def test_docs_page_lists_every_feature_and_allows_no_scripts(http_server):
    reply = http_server.request("GET", "/docs")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in reply.headers["content-security-policy"]
    page = reply.body.decode()
    assert all(f.name in page and f.unit in page for f in FEATURES)
    assert "<script" not in page
