"""The one route table: what both adapters match, refuse and answer (the adapters' own tests send real requests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fargate_image.page import PAGE_ASSETS, REPORT_PATH
from fargate_image.server import server_table
from inference import InvalidInput, Predictor
from inference.routes import INTERNAL_ERROR, TABLE, Request, Route, answer


def body(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.body)


V2_ROUTES = {"/v2": ("GET",), "/v2/health/live": ("GET",), "/v2/health/ready": ("GET",),
             "/v2/models/{name}": ("GET",), "/v2/models/{name}/versions/{version}": ("GET",),
             "/v2/models/{name}/ready": ("GET",), "/v2/models/{name}/versions/{version}/ready": ("GET",),
             "/v2/models/{name}/infer": ("POST",), "/v2/models/{name}/versions/{version}/infer": ("POST",)}  # fmt: skip


def test_every_backend_serves_the_same_routes() -> None:
    served = {route.path: route.methods for route in TABLE}
    assert served == {"/predict": ("GET", "POST"), "/explain": ("GET", "POST"), "/invocations": ("POST",),
                      "/endpoints/{name}/invocations": ("POST",), "/ping": ("GET",), **V2_ROUTES}  # fmt: skip


@pytest.mark.parametrize("path", ["/predict", "/lambda/x86/predict", "/fargate/predict", "/prod/lambda/arm64/predict"])
def test_the_lambda_matches_a_route_by_its_last_segments(path: str) -> None:
    found = TABLE.find(path, suffix=True)
    assert found is not None and found.path == "/predict"
    assert TABLE.find(path) is (found if path == "/predict" else None)  # the server: the exact path only


@pytest.mark.parametrize(("path", "template", "params"), [
    ("/endpoints/my-endpoint/invocations", "/endpoints/{name}/invocations", {"name": "my-endpoint"}),
    ("/lambda/x86/endpoints/e/invocations", "/endpoints/{name}/invocations", {"name": "e"}),
    ("/fargate/v2/models/iris/infer", "/v2/models/{name}/infer", {"name": "iris"}),
    ("/v2/models/iris/versions/job-1/ready", "/v2/models/{name}/versions/{version}/ready",
     {"name": "iris", "version": "job-1"}),
    ("/v2/models/predict", "/v2/models/{name}", {"name": "predict"}),  # the longest template first
    ("/lambda/arm64/v2", "/v2", {}),
])  # fmt: skip
def test_templates_match_with_their_parameters_longest_first(path: str, template: str, params: dict) -> None:
    matched = TABLE.match(path, suffix=True)
    assert matched is not None and (matched.route.path, dict(matched.params)) == (template, params)
    exact = TABLE.match(path)
    assert (exact is not None) == (not path.startswith(("/lambda", "/fargate")))


@pytest.mark.parametrize("path", ["/v2/models//infer", "/endpoints/x", "/v2/", "v2"])
def test_an_empty_parameter_or_another_shape_is_no_match(path: str) -> None:
    assert TABLE.match(path) is None and TABLE.match(path, suffix=True) is None


def test_a_path_written_like_its_template_still_gets_its_parameters() -> None:
    matched = TABLE.match("/v2/models/{name}/infer")
    assert matched is not None and dict(matched.params) == {"name": "{name}"}  # then 404: no model is called that


def test_an_unknown_path_is_a_404_that_lists_every_route() -> None:
    refused = TABLE.not_found()
    assert (refused.status, refused.error_code, refused.content_type) == (404, "not_found", "application/json")
    assert body(refused)["error"]["message"] == (
        "no such route: use GET or POST /predict, GET or POST /explain, POST /invocations, "
        "POST /endpoints/{name}/invocations, GET /ping, and the Open Inference Protocol under /v2"
    )
    assert body(TABLE.not_found("/lambda/x86/v2/nowhere")) == {"error": body(refused)["error"]["message"]}


def test_a_wrong_method_is_a_405_with_the_methods_allowed() -> None:
    route = TABLE.find("/invocations")
    assert route is not None
    refused = TABLE.not_allowed(route, "GET")
    assert (refused.status, dict(refused.headers)) == (405, {"allow": "POST"})
    assert body(refused)["error"] == {"code": "method_not_allowed", "message": "GET is not allowed here; use POST"}


def test_the_server_adds_its_pages_and_refuses_the_rest_as_the_table_does() -> None:
    table = server_table()
    assert {route.path for route in table} == {*(route.path for route in TABLE), "/openapi.json", *PAGE_ASSETS,
                                               REPORT_PATH}  # fmt: skip
    assert table.refusal("GET", "/nowhere") == TABLE.not_found()
    assert dict(table.refusal("POST", "/openapi.json").headers) == {"allow": "GET"}


def test_a_client_error_is_its_status_and_json_body_and_anything_else_is_the_adapters(tmp_path: Path) -> None:
    def refuse(predictor: Predictor, request: Request):  # type: ignore[no-untyped-def]
        raise InvalidInput("MedInc must be a number", field="MedInc", row=0)

    request = Request("POST", "/predict", {}, {}, b"")
    refused = answer(Route("/predict", ("POST",), refuse), Predictor(None), request)
    assert (refused.status, refused.error_code, refused.error_field) == (400, "invalid_input", "MedInc")
    assert body(refused) == {"error": {"code": "invalid_input", "message": "MedInc must be a number",
                                       "field": "MedInc", "row": 0}}  # fmt: skip

    def crash(predictor: Predictor, request: Request):  # type: ignore[no-untyped-def]
        raise RuntimeError("internals")

    with pytest.raises(RuntimeError):  # logged by the adapter, which answers INTERNAL_ERROR
        answer(Route("/predict", ("POST",), crash), Predictor(None), request)
    assert body(INTERNAL_ERROR) == {"error": {"code": "internal_error", "message": "internal error"}}
