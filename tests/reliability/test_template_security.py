"""Security proofs on the templates app.py synthesizes: checkov with listed acceptances, IAM without wildcards."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import app as cdk_app
from tests.conftest import REPO_ROOT
from tests.infra.conftest import app_context, new_app, write_training_inputs

CHECKOV = REPO_ROOT / "build" / "scan-venv" / "bin" / "checkov"
# Actions that AWS authorizes only on Resource "*": they have no resource-level permissions.
WILDCARD_RESOURCE_ACTIONS = {
    "xray:PutTraceSegments": "X-Ray trace upload has no resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray telemetry has no resource-level permissions",
    "ecr:GetAuthorizationToken": "the registry login token is account-wide; image pulls are scoped to the repository",
    "cloudwatch:PutMetricData": "no resource-level permissions; scoped by the cloudwatch:namespace condition instead",
    **dict.fromkeys(
        [
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
        ],
        "a state machine's execution logging (vended log delivery) has no resource-level permissions",
    ),
    "xray:GetSamplingRules": "X-Ray sampling rules (a traced state machine) have no resource-level permissions",
    "xray:GetSamplingTargets": "X-Ray sampling targets (a traced state machine) have no resource-level permissions",
}
CONDITION_REQUIRED = {"cloudwatch:PutMetricData": "cloudwatch:namespace"}
MANAGED_POLICIES = {"service-role/AWSLambdaBasicExecutionRole"}  # CDK's own custom-resource provider role only


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app exactly as app.py builds it (cdk-nag attached), synthesized into a fresh directory."""
    workdir = tmp_path_factory.mktemp("synth")
    app = new_app(app_context(write_training_inputs(workdir)), outdir=workdir / "cdk.out")
    cdk_app.build(app, cdk_app.read_config(app))
    app.synth()
    return workdir / "cdk.out"


def iam_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        is_policy = resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        documents = [properties["PolicyDocument"]] if is_policy else []
        documents += [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        for document in documents:
            for statement in document["Statement"]:
                yield logical_id, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_no_iam_statement_has_a_wildcard_resource_unless_aws_requires_one(templates: Path) -> None:
    found = []
    for path in sorted(templates.glob("*.template.json")):
        for logical_id, statement in iam_statements(json.loads(path.read_text())):
            actions = as_list(statement["Action"])
            assert not any(a == "*" or a.endswith(":*") for a in actions), (path.name, logical_id, actions)
            if statement["Effect"] == "Allow" and "*" in as_list(statement.get("Resource")):
                found += actions
                unexplained = [a for a in actions if a not in WILDCARD_RESOURCE_ACTIONS]
                assert not unexplained, f"{path.name} {logical_id}: {unexplained} on Resource '*'"
                for action in set(actions) & set(CONDITION_REQUIRED):
                    assert CONDITION_REQUIRED[action] in json.dumps(statement.get("Condition")), (logical_id, action)
    assert found, "the allow-list must be exercised (X-Ray and ECR login are always there)"


def test_only_the_listed_aws_managed_policies_are_attached(templates: Path) -> None:
    for path in sorted(templates.glob("*.template.json")):
        for logical_id, resource in json.loads(path.read_text())["Resources"].items():
            if resource["Type"] != "AWS::IAM::Role":
                continue
            for arn in resource.get("Properties", {}).get("ManagedPolicyArns", []):
                name = json.dumps(arn).split(":policy/")[-1].rstrip('"}')
                assert name in MANAGED_POLICIES, (path.name, logical_id, arn)


@pytest.fixture(scope="module")
def scan() -> ModuleType:
    return importlib.import_module("scripts.scan_templates")


@pytest.mark.skipif(not CHECKOV.exists(), reason="scan venv missing: run `make scan-venv` (make test does)")
def test_checkov_finds_nothing_beyond_the_listed_acceptances(scan: ModuleType, templates: Path, capsys) -> None:
    assert scan.main(["--templates", str(templates)]) == 0, capsys.readouterr().out
    assert "0 unaccepted" in capsys.readouterr().out


def test_an_unlisted_finding_or_a_stale_acceptance_fails_the_scan(scan: ModuleType) -> None:
    finding = scan.Finding("CKV_AWS_2", "ALB protocol is HTTPS", "ServingStack.template.json",
                           "AWS::ElasticLoadBalancingV2::Listener.OtherListener1234")  # fmt: skip
    accepted = scan.load_acceptances(scan.ACCEPTANCES)
    unaccepted, stale = scan.judge([finding], accepted)
    assert unaccepted == [finding]
    assert len(stale) == len(accepted)
