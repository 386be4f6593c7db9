"""The served OpenAPI document is valid, matches the loaded schema, and describes what the server really does.

Checked for the regression fixture (California's features) and for a binary schema with a categorical
feature and optional features, each served by the real server over loopback.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from inference.model.schema import Schema
from inference.protocols.limits import MAX_ROWS
from tests.integration.conftest import RunningServer, launch_server
from tests.support.datasets import FRAUD, HOUSING


@pytest.fixture(scope="module", params=["housing", "fraud"])
def served(request, model_tarball: Path, fraud_model: Path, tmp_path_factory) -> Iterator[tuple[Schema, RunningServer]]:
    schema, model = (HOUSING, model_tarball) if request.param == "housing" else (FRAUD, fraud_model)
    server = launch_server({"MODEL_URI": str(model)}, tmp_path_factory.mktemp("openapi"))
    yield schema, server
    assert server.stop() == 0, server.logs()


@pytest.fixture(scope="module")
def spec(served) -> dict[str, Any]:
    reply = served[1].request("GET", "/openapi.json")
    assert reply.status == 200
    return reply.json()


def assert_matches(spec: dict[str, Any], schema_name: str, document: Any) -> None:
    """Validate a real response against one of the spec's component schemas ($refs resolved in the spec)."""
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    errors = [error.message for error in Draft202012Validator(root).iter_errors(document)]
    assert not errors, errors


def test_spec_is_valid_openapi_3_1(spec, served):
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert {"/predict", "/invocations", "/ping"} <= set(spec["paths"])
    assert spec["info"]["title"].endswith(served[0].name)


def test_query_parameters_are_the_features_with_their_ranges(spec, served):
    schema = served[0]
    parameters = spec["paths"]["/predict"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == list(schema.names)
    for parameter, feature in zip(parameters, schema.features, strict=True):
        assert parameter["required"] is not feature.missing
        if feature.categories is not None:
            assert parameter["schema"]["enum"] == list(feature.categories)
        else:
            limits = (parameter["schema"]["minimum"], parameter["schema"]["maximum"])
            assert limits == (feature.minimum, feature.maximum)


def test_every_body_example_is_accepted_and_the_answer_matches_the_response_schema(spec, served):
    content = spec["paths"]["/predict"]["post"]["requestBody"]["content"]
    bodies = [("text/csv", content["text/csv"]["example"])]
    bodies += [("application/json", json.dumps(e["value"])) for e in content["application/json"]["examples"].values()]
    assert len(bodies) == 4
    for media_type, body in bodies:
        reply = served[1].request("POST", "/predict", body, {"content-type": media_type})
        assert reply.status == 200, (media_type, body, reply.body)
        assert_matches(spec, "PredictResponse", reply.json())


def test_query_example_is_accepted_and_each_range_is_enforced(spec, served):
    parameters = spec["paths"]["/predict"]["get"]["parameters"]
    example = {p["name"]: p["example"] for p in parameters}
    reply = served[1].request("GET", f"/predict?{urllib.parse.urlencode(example)}")
    assert_matches(spec, "PredictResponse", reply.json())
    for parameter in parameters:
        wrong = parameter["schema"]["maximum"] + 1 if "maximum" in parameter["schema"] else "no-such-category"
        reply = served[1].request("GET", f"/predict?{urllib.parse.urlencode({**example, parameter['name']: wrong})}")
        assert (reply.status, reply.json()["error"]["field"]) == (400, parameter["name"])
        assert_matches(spec, "ErrorBody", reply.json())


def test_optional_features_may_be_left_out_or_null(spec, served):
    schema, server = served
    optional = [f.name for f in schema.features if f.missing]
    if not optional:
        pytest.skip(f"{schema.name} has no optional feature")
    row = {name: value for name, value in schema.example.items() if name not in optional[:1]}
    row[optional[-1]] = None
    reply = server.request("POST", "/predict", json.dumps({"instances": [row]}), {"content-type": "application/json"})
    assert reply.status == 200, reply.body
    assert_matches(spec, "NamedRow", row)
    assert_matches(spec, "PredictResponse", reply.json())


def test_batch_limit_and_health_match_the_spec(spec, served):
    instances = spec["components"]["schemas"]["PredictRequest"]["oneOf"][0]["properties"]["instances"]
    assert f"at most {MAX_ROWS} rows" in instances["description"] and "maxItems" not in instances  # a 413, not a 400
    assert "more than 1000 rows" in spec["paths"]["/predict"]["post"]["responses"]["413"]["description"]
    assert_matches(spec, "Health", served[1].request("GET", "/ping").json())
    assert_matches(spec, "ErrorBody", served[1].request("POST", "/predict", "{").json())


def test_explain_answers_match_their_schema_and_invocations_is_described(spec, served):
    schema, server = served
    example = {name: value for name, value in schema.example.items() if value is not None}
    body = json.dumps({"instances": [example]})
    reply = server.request("POST", "/explain", body, {"content-type": "application/json"})
    assert reply.status == 200, reply.body
    assert_matches(spec, "ExplainResponse", reply.json())
    operation = spec["paths"]["/invocations"]["post"]
    assert set(operation["requestBody"]["content"]) == {"text/csv", "application/jsonlines"}  # libsvm: README
    assert {"200", "204", "406", "413", "415"} <= set(operation["responses"])


def test_every_example_in_the_document_is_answered_2xx(spec, served):
    """Each body example (every operation, every media type) and each operation's query example, sent as is."""
    sent = 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
                examples = [e["value"] for e in content.get("examples", {}).values()]
                examples += [content["example"]] if "example" in content else []
                for example in examples:
                    body = example if isinstance(example, str) else json.dumps(example)
                    reply = served[1].request(method.upper(), path, body, {"content-type": media_type})
                    assert 200 <= reply.status < 300, (path, media_type, example, reply.body)
                    sent += 1
            query = {p["name"]: p["example"] for p in operation.get("parameters", []) if "example" in p}
            if query:
                reply = served[1].request(method.upper(), f"{path}?{urllib.parse.urlencode(query)}")
                assert 200 <= reply.status < 300, (path, query, reply.body)
                sent += 1
    assert sent >= 10
