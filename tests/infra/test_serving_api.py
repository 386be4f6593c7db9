"""ServingStack's HTTP API: routes, backends, IAM auth (and its opt-out), throttling, access logs, outputs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from inference.routes import SHARED
from scripts.predict import ROUTE_PATHS
from stacks.serving_stack import PREDICT_PATHS
from tests.infra.serving_app import Synthesized, render

OPERATIONS = tuple(route.path.lstrip("/") for route in SHARED if route.path != "/ping")
"""Every route of the table but the health check, which is each backend's own (the ALB's target health)."""
LAMBDA_PREFIXES = {"": "arm64", "/lambda/x86": "x86_64", "/lambda/arm64": "arm64"}
LAMBDA_PATHS = {f"{prefix}/{operation}": arch for prefix, arch in LAMBDA_PREFIXES.items() for operation in OPERATIONS}
ALL_PATHS = {*LAMBDA_PATHS, *(f"/fargate/{operation}" for operation in OPERATIONS)}
URL_OUTPUTS = {"PredictUrl": "/predict", "LambdaX86PredictUrl": "/lambda/x86/predict",
               "LambdaArm64PredictUrl": "/lambda/arm64/predict", "FargatePredictUrl": "/fargate/predict",
               "ExplainUrl": "/explain", "InvocationsUrl": "/invocations"}  # fmt: skip


METHODS = {route.path.lstrip("/"): route.methods for route in SHARED if route.path != "/ping"}
"""The methods the route table allows each operation (/invocations: POST alone): a route for another method would
only carry requests to a 405."""


def route_keys(prefixes: set[str]) -> set[str]:
    """Each operation under each prefix, with the methods its route takes."""
    return {f"{method} {prefix}/{operation}" for prefix in prefixes for operation, methods in METHODS.items()
            for method in methods}  # fmt: skip


def routes(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """Route key (``POST /predict``) -> route properties."""
    return {
        r["Properties"]["RouteKey"]: r["Properties"] for r in synthesized.resources("AWS::ApiGatewayV2::Route").values()
    }


def integration_of(synthesized: Synthesized, route: dict[str, Any]) -> dict[str, Any]:
    target = route["Target"]["Fn::Join"][1][1]["Ref"]
    return synthesized.resources("AWS::ApiGatewayV2::Integration")[target]["Properties"]


def test_the_client_and_the_stack_agree_on_paths() -> None:
    assert ROUTE_PATHS == PREDICT_PATHS


def test_each_path_takes_the_methods_its_route_allows_each_signed_with_iam(default: Synthesized) -> None:
    found = routes(default)
    assert set(found) == route_keys({*LAMBDA_PREFIXES, "/fargate"})
    assert "GET /fargate/invocations" not in found and "GET /invocations" not in found
    assert set(PREDICT_PATHS.values()) < ALL_PATHS
    assert {route["AuthorizationType"] for route in found.values()} == {"AWS_IAM"}


def test_opting_out_of_auth_opens_every_route_and_drops_fargate(open_lambda_only: Synthesized) -> None:
    found = routes(open_lambda_only)
    assert set(found) == route_keys(set(LAMBDA_PREFIXES))
    assert {route["AuthorizationType"] for route in found.values()} == {"NONE"}


def test_lambda_paths_reach_their_function(default: Synthesized) -> None:
    functions = default.resources("AWS::Lambda::Function")
    for key, route in routes(default).items():
        path = key.split(" ", 1)[1]
        if path in LAMBDA_PATHS:
            integration = integration_of(default, route)
            assert (integration["IntegrationType"], integration["PayloadFormatVersion"]) == ("AWS_PROXY", "2.0")
            alias = default.resources("AWS::Lambda::Alias")[integration["IntegrationUri"]["Ref"]]["Properties"]
            assert alias["Name"] == "live"  # the API invokes the alias CodeDeploy moves, never $LATEST
            function = functions[alias["FunctionName"]["Ref"]]["Properties"]
            assert function["Architectures"] == [LAMBDA_PATHS[path]]


def test_the_api_serves_the_route_table_boto3_and_the_open_inference_protocol() -> None:
    assert {"endpoints/{name}/invocations", "v2/models/{name}/infer", "v2/health/ready", "v2"} < set(OPERATIONS)


FARGATE_PATHS = {"predict": "/predict", "endpoints/{name}/invocations": "/endpoints/${request.path.name}/invocations",
                 "v2/models/{name}/versions/{version}/infer":
                     "/v2/models/${request.path.name}/versions/${request.path.version}/infer"}  # fmt: skip


@pytest.mark.parametrize("operation", OPERATIONS)
def test_fargate_paths_go_through_the_vpc_link_to_the_alb_as_their_operation(default: Synthesized, operation) -> None:
    for method in METHODS[operation]:
        integration = integration_of(default, routes(default)[f"{method} /fargate/{operation}"])
        assert (integration["IntegrationType"], integration["ConnectionType"]) == ("HTTP_PROXY", "VPC_LINK")
        assert integration["ConnectionId"]["Ref"] in default.resources("AWS::ApiGatewayV2::VpcLink")
        assert integration["IntegrationUri"]["Ref"] in default.resources("AWS::ElasticLoadBalancingV2::Listener")
        path = FARGATE_PATHS.get(operation, re.sub(r"\{(\w+)\}", r"${request.path.\1}", f"/{operation}"))
        assert integration["RequestParameters"] == {"overwrite:path": path}


@pytest.mark.parametrize(("variant", "rate", "burst"), [("default", 50, 100), ("open_lambda_only", 5, 10)])
def test_stage_throttles_and_writes_json_access_logs(variant: str, rate: int, burst: int, request) -> None:  # type: ignore[no-untyped-def]
    synthesized: Synthesized = request.getfixturevalue(variant)
    [stage] = synthesized.resources("AWS::ApiGatewayV2::Stage").values()
    properties = stage["Properties"]
    assert (properties["StageName"], properties["AutoDeploy"]) == ("$default", True)
    assert properties["DefaultRouteSettings"] == {"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}
    access_log = json.loads(properties["AccessLogSettings"]["Format"])
    assert {"requestId", "routeKey", "status", "userArn", "integrationLatency"} <= set(access_log)
    assert all(value.startswith("$context.") for value in access_log.values())
    log_group = properties["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    assert synthesized.resources("AWS::Logs::LogGroup")[log_group]["Properties"]["RetentionInDays"] > 0


def test_every_url_is_an_output(default: Synthesized, open_lambda_only: Synthesized) -> None:
    outputs = default.json()["Outputs"]
    api_url = render(outputs["ApiUrl"]["Value"])
    assert api_url.startswith("https://${") and ".execute-api.${AWS::Region}.${AWS::URLSuffix}/" in api_url
    for name, path in URL_OUTPUTS.items():
        assert render(outputs[name]["Value"]) == api_url + path.lstrip("/")
    assert {"ModelUri", "ModelVersion"} <= set(outputs)
    assert "FargatePredictUrl" not in open_lambda_only.json()["Outputs"]
