"""cdk-nag acknowledgements: one finding id (``AwsSolutions-IAM5[Resource::...]``) and its reason each."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import jsii
from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from constructs import IConstruct, IValidation


def acknowledge(scope: IConstruct, findings: Mapping[str, str]) -> None:
    """Acknowledge exactly these findings (id -> reason) on ``scope`` (pick the narrowest construct)."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=id_, reason=reason) for id_, reason in findings.items()))


def logical_id(construct: IConstruct) -> str:
    """The template logical ID of ``construct`` (or of its default child), as cdk-nag prints it."""
    element = construct if isinstance(construct, CfnElement) else construct.node.default_child
    if not isinstance(element, CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation element")
    return Stack.of(element).get_logical_id(element)


def function_versions_finding(function: IConstruct) -> str:
    """The IAM5 finding of ``lambda:InvokeFunction`` on ``<function ARN>:*`` (every version and alias)."""
    return f"AwsSolutions-IAM5[Resource::<{logical_id(function)}.Arn>:*]"


def acknowledge_wildcards(policy: IConstruct, reason_for: Callable[[str], str | None]) -> None:
    """Acknowledge the ``AwsSolutions-IAM5[Resource::...]`` findings of ``policy`` (an ``iam.Policy``'s
    ``DefaultPolicy`` or a ``CfnPolicy``) whose resource ``reason_for`` gives a reason for (None: leave it,
    so an unforeseen wildcard still fails synthesis).

    A resource of another stack is named in the finding only as the template resolves it (a stack output),
    which is known once references are resolved: so the findings are read then, by a validation of
    ``policy`` (CDK runs those after resolving references and before policy plugins such as cdk-nag)."""
    policy.node.add_validation(_WildcardAcknowledgement(policy, reason_for))


@jsii.implements(IValidation)
class _WildcardAcknowledgement:
    def __init__(self, policy: IConstruct, reason_for: Callable[[str], str | None]) -> None:
        self.policy, self.reason_for = policy, reason_for

    def validate(self) -> list[str]:
        element = self.policy if isinstance(self.policy, CfnElement) else self.policy.node.default_child
        document = Stack.of(self.policy).resolve(getattr(element, "policy_document", None)) or {}
        findings = {}
        for statement in document.get("Statement", []):
            resources = statement.get("Resource", [])
            for resource in resources if isinstance(resources, list) else [resources]:
                flat = flatten_reference(resource)
                reason = self.reason_for(flat) if "*" in flat else None
                if reason is not None:
                    findings[f"AwsSolutions-IAM5[Resource::{flat}]"] = reason
        acknowledge(self.policy, findings)
        return []


def flatten_reference(node: Any) -> str:
    """A resolved CloudFormation value as cdk-nag writes it in a finding (its ``flattenCfnReference``)."""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict) and "Fn::Join" in node:
        delimiter, items = node["Fn::Join"]
        return str(delimiter).join(flatten_reference(item) for item in items)
    if isinstance(node, dict) and "Fn::Sub" in node:
        return flatten_reference(node["Fn::Sub"])
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        resource, attribute = node["Fn::GetAtt"]
        return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
    if isinstance(node, dict) and "Fn::ImportValue" in node:
        return flatten_reference(node["Fn::ImportValue"])
    if isinstance(node, dict) and "Ref" in node:
        return f"<{flatten_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
