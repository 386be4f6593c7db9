"""cdk-nag acknowledgements: one finding id (``AwsSolutions-IAM5[Resource::...]``) and its reason each."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from constructs import IConstruct


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
