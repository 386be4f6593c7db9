"""``make rollback`` (scripts/rollback.py) against CloudFormation, Lambda and ECS stubbed with botocore's Stubber:
exactly these calls, with exactly these parameters, in this order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from scripts.rollback import NothingToRollBack, main, rollback

STACK = "ServingStack"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:ServingStack-LambdaArm64Function-AbC"
SERVICE = "arn:aws:ecs:us-east-1:123456789012:service/ServingStack-Cluster-X/ServingStack-Service-Y"
TASKS = "arn:aws:ecs:us-east-1:123456789012:task-definition/ServingStackFargateTaskDefinition"


def client(name: str) -> Any:
    return botocore.session.get_session().create_client(
        name, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


@pytest.fixture
def stubbed() -> Iterator[tuple[tuple[Any, Any, Any], tuple[Stubber, Stubber, Stubber]]]:
    clients = (client("cloudformation"), client("lambda"), client("ecs"))
    stubbers = tuple(Stubber(c) for c in clients)
    for stubber in stubbers:
        stubber.activate()
    yield clients, stubbers  # type: ignore[misc]
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def resources(cloudformation: Stubber, *types: str) -> None:
    summaries = [
        {
            "LogicalResourceId": "Bucket",
            "ResourceType": "AWS::S3::Bucket",
            "PhysicalResourceId": "b",
            "LastUpdatedTimestamp": "2026-12-01T00:00:00Z",
            "ResourceStatus": "UPDATE_COMPLETE",
        }
    ]
    physical = {"AWS::Lambda::Alias": f"{FUNCTION}:live", "AWS::ECS::Service": SERVICE}
    summaries += [{**summaries[0], "ResourceType": t, "PhysicalResourceId": physical[t]} for t in types]
    cloudformation.add_response("list_stack_resources", {"StackResourceSummaries": summaries}, {"StackName": STACK})


def alias_plan(lambda_: Stubber, current: str, versions: list[str], target: str) -> None:
    lambda_.add_response(
        "get_alias", {"FunctionVersion": current, "Name": "live"}, {"FunctionName": FUNCTION, "Name": "live"}
    )
    if versions:
        listed = {"Versions": [{"Version": v} for v in versions]}
        lambda_.add_response("list_versions_by_function", listed, {"FunctionName": FUNCTION})
    configuration = {"Environment": {"Variables": {"MODEL_VERSION": f"xgboost-job-{target}"}}}
    lambda_.add_response("get_function_configuration", configuration, {"FunctionName": FUNCTION, "Qualifier": target})


def service_plan(ecs: Stubber, revisions: list[int], current: int) -> None:
    cluster = "ServingStack-Cluster-X"
    ecs.add_response(
        "describe_services",
        {"services": [{"serviceName": "ServingStack-Service-Y", "taskDefinition": f"{TASKS}:{current}"}]},
        {"cluster": cluster, "services": [SERVICE]},
    )
    family = TASKS.rsplit("/", 1)[1]
    ecs.add_response(
        "list_task_definitions",
        {"taskDefinitionArns": [f"{TASKS}:{r}" for r in revisions]},
        {"familyPrefix": family, "status": "ACTIVE", "sort": "DESC"},
    )
    earlier = max(r for r in revisions if r < current)
    definition = {
        "containerDefinitions": [
            {"name": "Server", "environment": [{"name": "MODEL_VERSION", "value": f"xgboost-job-{earlier}"}]}
        ]
    }
    ecs.add_response(
        "describe_task_definition", {"taskDefinition": definition}, {"taskDefinition": f"{TASKS}:{earlier}"}
    )


def test_every_alias_and_the_service_go_back_one_step(stubbed) -> None:  # type: ignore[no-untyped-def]
    (cloudformation, lambda_client, ecs), (cf_stub, lambda_stub, ecs_stub) = stubbed
    resources(cf_stub, "AWS::Lambda::Alias", "AWS::ECS::Service")
    alias_plan(lambda_stub, "7", ["$LATEST", "3", "5", "6", "7"], "6")
    service_plan(ecs_stub, [12, 11, 9], 12)
    lambda_stub.add_response(
        "update_alias",
        {"FunctionVersion": "6"},
        {
            "FunctionName": FUNCTION,
            "Name": "live",
            "FunctionVersion": "6",
            "RoutingConfig": {"AdditionalVersionWeights": {}},
        },
    )
    ecs_stub.add_response(
        "update_service",
        {"service": {"taskDefinition": f"{TASKS}:11"}},
        {"cluster": "ServingStack-Cluster-X", "service": SERVICE, "taskDefinition": f"{TASKS.rsplit('/', 1)[1]}:11"},
    )
    steps = rollback(cloudformation, lambda_client, ecs, STACK)
    assert [str(step) for step in steps] == [
        "ServingStack-LambdaArm64Function-AbC:live: version 7 -> version 6 (MODEL_VERSION xgboost-job-6)",
        "ServingStack-Service-Y: ServingStackFargateTaskDefinition:12 -> ServingStackFargateTaskDefinition:11 "
        "(MODEL_VERSION xgboost-job-11)",
    ]


def test_a_dry_run_changes_nothing_and_a_version_can_be_named(stubbed) -> None:  # type: ignore[no-untyped-def]
    (cloudformation, lambda_client, ecs), (cf_stub, lambda_stub, _) = stubbed
    resources(cf_stub, "AWS::Lambda::Alias")
    alias_plan(lambda_stub, "7", [], "3")  # --to-version: no listing
    [step] = rollback(cloudformation, lambda_client, ecs, STACK, to_version="3", dry_run=True)
    assert (step.current, step.target, step.model_version) == ("version 7", "version 3", "xgboost-job-3")


def test_a_first_deploy_has_nothing_to_roll_back_to(stubbed) -> None:  # type: ignore[no-untyped-def]
    (cloudformation, lambda_client, ecs), (cf_stub, lambda_stub, _) = stubbed
    resources(cf_stub, "AWS::Lambda::Alias")
    lambda_stub.add_response("get_alias", {"FunctionVersion": "1"}, {"FunctionName": FUNCTION, "Name": "live"})
    lambda_stub.add_response(
        "list_versions_by_function",
        {"Versions": [{"Version": "$LATEST"}, {"Version": "1"}]},
        {"FunctionName": FUNCTION},
    )
    with pytest.raises(NothingToRollBack, match="has no version before 1"):
        rollback(cloudformation, lambda_client, ecs, STACK)


def test_the_command_says_what_it_did_and_exits_by_outcome(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import scripts.rollback as module

    monkeypatch.setattr(module, "rollback", lambda *a, **k: (_ for _ in ()).throw(NothingToRollBack("x has none")))
    assert main(["--dry-run", "--region", "us-east-1"]) == 1
    assert "nothing to roll back to: x has none" in capsys.readouterr().err
