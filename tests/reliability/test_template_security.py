"""Security proofs on the templates app.py synthesizes: checkov with listed acceptances, IAM without wildcards,
every IAM statement on the reviewed allow-list."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import app as cdk_app
from tests.conftest import REPO_ROOT
from tests.infra.conftest import app_context, new_app, write_training_inputs
from tests.support.iam_grants import grants

CHECKOV = REPO_ROOT / "build" / "scan-venv" / "bin" / "checkov"
# Actions that AWS authorizes only on Resource "*": they have no resource-level permissions.
WILDCARD_RESOURCE_ACTIONS = {
    "xray:PutTraceSegments": "X-Ray trace upload has no resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray telemetry has no resource-level permissions",
    "ecr:GetAuthorizationToken": "the registry login token is account-wide; image pulls are scoped to the repository",
    "cloudwatch:PutMetricData": "no resource-level permissions; scoped by the cloudwatch:namespace condition instead",
    "ec2:DescribeManagedPrefixLists": "read-only, no resource-level permissions: finds the S3 prefix list's ID",
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


ALLOW_LIST = REPO_ROOT / "security" / "iam-allow-list.txt"
UPDATE = "UPDATE_IAM_ALLOW_LIST"


def test_every_iam_statement_is_on_the_reviewed_allow_list(templates: Path) -> None:
    """A new grant, a wider resource, a new trust or endpoint policy fails here until the allow-list says it too:
    a visible line in a reviewed diff (``UPDATE_IAM_ALLOW_LIST=1`` rewrites the list to what is synthesized)."""
    found = sorted({line for path in sorted(templates.glob("*.template.json"))
                    for line in grants(path.name.split(".")[0], json.loads(path.read_text()))})  # fmt: skip
    text = ALLOW_LIST.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    if os.environ.get(UPDATE):
        ALLOW_LIST.write_text("\n".join([*header, *found]) + "\n", encoding="utf-8")
    listed = [line for line in ALLOW_LIST.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]
    new, gone = sorted(set(found) - set(listed)), sorted(set(listed) - set(found))
    assert not new and not gone, (
        f"IAM changed: review, then run with {UPDATE}=1 (or edit {ALLOW_LIST.name})\n"
        + "".join(f"+ {line}\n" for line in new)
        + "".join(f"- {line}\n" for line in gone)
    )
    assert listed == sorted(listed) and len(set(listed)) == len(listed)


def test_a_grant_is_one_line_per_action_and_resource_with_hashes_masked() -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3

    stack = cdk.Stack(cdk.App(), "Probe")
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    s3.Bucket(stack, "Data").grant_read(role, "data/0123456789abcdef/*")
    lines = set(grants("Probe", cdk.assertions.Template.from_stack(stack).to_json()))
    assert "Probe ${Reader} Allow s3:GetObject* ${Data.Arn}/data/<hash>/*" in lines
    assert "Probe ${Reader} Allow s3:List* ${Data.Arn}" in lines
    assert "Probe trust:${Reader} Service:lambda.amazonaws.com Allow sts:AssumeRole -" in lines


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
    assert unaccepted == [finding]  # a listener added later is not accepted by the one listed
    assert len(stale) == sum(len(entry["resources"]) for entry in accepted)  # each listed resource on its own


def test_an_acceptance_by_pattern_is_refused(scan: ModuleType, tmp_path: Path) -> None:
    listed = tmp_path / "acceptances.yaml"
    entry = ["- check: CKV_AWS_115", "  templates: [ServingStack.template.json]",
             "  resources: ['AWS::Lambda::Function.*']", "  reason: any function added later would pass"]  # fmt: skip
    listed.write_text("\n".join(entry) + "\n")
    with pytest.raises(SystemExit, match=r"not a pattern: \['AWS::Lambda::Function\.\*'\]"):
        scan.load_acceptances(listed)
