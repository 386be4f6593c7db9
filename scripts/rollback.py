"""Roll every backend of a deployed ServingStack back to what it served before, in seconds, without a rebuild.

    python -m scripts.rollback [--stack ServingStack] [--to-version N] [--dry-run]     (make rollback)

Each Lambda's ``live`` alias goes back to the version before the one it points at (every deploy publishes a
version and keeps the earlier ones), all of its traffic at once; the Fargate service goes back to the task
definition revision before its current one (ECS replaces the tasks with its circuit breaker and deployment
alarms watching). Nothing is rebuilt or redeployed: the images and model files of those versions are still
there. CloudFormation then reports drift on the aliases and the service (README, "Operating it"). Exit status
0 when done, 1 when there is nothing to roll back to, 2 for an AWS error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

ALIAS = "live"


@dataclass(frozen=True)
class Step:
    resource: str
    current: str
    target: str
    model_version: str | None

    def __str__(self) -> str:
        model = f" (MODEL_VERSION {self.model_version})" if self.model_version else ""
        return f"{self.resource}: {self.current} -> {self.target}{model}"


def rollback(
    cloudformation: Any,
    lambda_client: Any,
    ecs: Any,
    stack: str,
    *,
    to_version: str | None = None,
    dry_run: bool = False,
) -> list[Step]:
    """Plan (and unless ``dry_run``, make) the rollback of every alias and ECS service of ``stack``."""
    resources = _resources(cloudformation, stack)
    steps = [_alias_step(lambda_client, arn, to_version) for arn in resources.get("AWS::Lambda::Alias", [])]
    steps += [_service_step(ecs, arn) for arn in resources.get("AWS::ECS::Service", [])]
    if not dry_run:
        for step, apply in zip(steps, _appliers(lambda_client, ecs, resources), strict=True):
            apply(step)
    return steps


def _resources(cloudformation: Any, stack: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        for summary in page["StackResourceSummaries"]:
            if summary["ResourceType"] in ("AWS::Lambda::Alias", "AWS::ECS::Service"):
                found.setdefault(summary["ResourceType"], []).append(summary["PhysicalResourceId"])
    return found


def _alias_step(lambda_client: Any, alias_arn: str, to_version: str | None) -> Step:
    function = alias_arn.rsplit(":", 1)[0]
    current = lambda_client.get_alias(FunctionName=function, Name=ALIAS)["FunctionVersion"]
    target = to_version or _previous_version(lambda_client, function, current)
    configuration = lambda_client.get_function_configuration(FunctionName=function, Qualifier=target)
    model = configuration.get("Environment", {}).get("Variables", {}).get("MODEL_VERSION")
    return Step(f"{function.rsplit(':', 1)[1]}:{ALIAS}", f"version {current}", f"version {target}", model)


def _previous_version(lambda_client: Any, function: str, current: str) -> str:
    numbers = [
        int(v["Version"])
        for page in lambda_client.get_paginator("list_versions_by_function").paginate(FunctionName=function)
        for v in page["Versions"]
        if v["Version"].isdigit()
    ]
    earlier = [number for number in numbers if number < int(current)]
    if not earlier:
        raise NothingToRollBack(f"{function} has no version before {current}")
    return str(max(earlier))


def _service_step(ecs: Any, service_arn: str) -> Step:
    cluster = service_arn.split("/")[-2]
    [service] = ecs.describe_services(cluster=cluster, services=[service_arn])["services"]
    current = service["taskDefinition"]
    family, revision = current.rsplit("/", 1)[1].rsplit(":", 1)
    listed = ecs.list_task_definitions(familyPrefix=family, status="ACTIVE", sort="DESC")["taskDefinitionArns"]
    earlier = [arn for arn in listed if int(arn.rsplit(":", 1)[1]) < int(revision)]
    if not earlier:
        raise NothingToRollBack(f"{family} has no active revision before {revision}")
    definition = ecs.describe_task_definition(taskDefinition=earlier[0])["taskDefinition"]
    model = next(
        (
            e["value"]
            for e in definition["containerDefinitions"][0].get("environment", [])
            if e["name"] == "MODEL_VERSION"
        ),
        None,
    )
    return Step(service["serviceName"], f"{family}:{revision}", earlier[0].rsplit("/", 1)[1], model)


def _appliers(lambda_client: Any, ecs: Any, resources: dict[str, list[str]]) -> list[Any]:
    appliers: list[Any] = []
    for alias_arn in resources.get("AWS::Lambda::Alias", []):
        function = alias_arn.rsplit(":", 1)[0]
        appliers.append(
            lambda step, f=function: lambda_client.update_alias(
                FunctionName=f,
                Name=ALIAS,
                FunctionVersion=step.target.removeprefix("version "),
                RoutingConfig={"AdditionalVersionWeights": {}},
            )
        )
    for service_arn in resources.get("AWS::ECS::Service", []):
        appliers.append(
            lambda step, s=service_arn: ecs.update_service(
                cluster=s.split("/")[-2], service=s, taskDefinition=step.target
            )
        )
    return appliers


class NothingToRollBack(Exception):
    """A backend has nothing earlier than what it serves (its first deploy)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.rollback", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", default="ServingStack")
    parser.add_argument("--to-version", help="the Lambda version to point 'live' at (default: the one before)")
    parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    parser.add_argument("--profile", help="an AWS profile (default: the usual credential chain)")
    parser.add_argument("--region", help="the stack's region (default: the profile's or AWS_REGION)")
    args = parser.parse_args(argv)
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
        clients = (session.client("cloudformation"), session.client("lambda"), session.client("ecs"))
        steps = rollback(*clients, args.stack, to_version=args.to_version, dry_run=args.dry_run)
    except NothingToRollBack as error:
        print(f"nothing to roll back to: {error}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for step in steps:
        print(("would roll back " if args.dry_run else "rolled back ") + str(step))
    if not args.dry_run:
        print(f"CloudFormation now reports drift on {args.stack}'s aliases and service; see README, Operating it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
