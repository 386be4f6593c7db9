"""Every IAM statement of a synthesized template as one line of text: who, what, on which resource.

Identity policies (``AWS::IAM::Policy``, inline role policies, managed policy attachments), trust policies,
bucket policies and VPC endpoint policies, one line per (action, resource) pair, with construct hashes, asset
hashes and the data set's content hash masked so a line names a grant, not a build. The allow-list
(``security/iam-allow-list.txt``) is these lines, reviewed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tests.support import intrinsics

_CONSTRUCT_HASH = re.compile(r"[0-9A-F]{8}(?=[A-Z\".}]|$)")
_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
_DATA_PREFIX = re.compile(r"data/[0-9a-f]{16}/")


def name(logical_id: str) -> str:
    """A logical ID without the hashes CDK appends (``ModelBucketEBB1ADF4`` -> ``ModelBucket``)."""
    return _CONSTRUCT_HASH.sub("", logical_id)


def render(value: Any) -> str:
    """An intrinsic as text (``${ModelBucket.Arn}/models/*``), construct, asset and data hashes masked."""
    text = _DATA_PREFIX.sub("data/<hash>/", _ASSET_HASH.sub("<asset>", intrinsics.render(value)))
    return _CONSTRUCT_HASH.sub("", text)


def _principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal is None:
        return []
    if isinstance(principal, str):
        return [principal]
    return [f"{kind}:{render(who)}" for kind, whom in sorted(principal.items()) for who in _listed(whom)]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _lines(holder: str, document: dict[str, Any]) -> Iterator[str]:
    for statement in document["Statement"]:
        condition = f" if {render(statement['Condition'])}" if "Condition" in statement else ""
        who = holder or ",".join(_principals(statement))
        actions = _listed(statement.get("Action") or [f"NOT {a}" for a in _listed(statement.get("NotAction"))])
        resources = _listed(statement.get("Resource", statement.get("NotResource", "-")))
        for action in actions:
            for resource in resources:
                yield f"{who} {statement['Effect']} {action} {render(resource)}{condition}"


def grants(stack: str, template: dict[str, Any]) -> Iterator[str]:
    """``<stack> <holder> <Effect> <action> <resource>[ if <condition>]`` for every statement in ``template``."""
    for logical_id, resource in template["Resources"].items():
        kind, properties = resource["Type"], resource.get("Properties", {})
        if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for role in properties.get("Roles", []):
                yield from (f"{stack} {line}" for line in _lines(render(role), properties["PolicyDocument"]))
        elif kind == "AWS::IAM::Role":
            role = f"${{{name(logical_id)}}}"
            for policy in properties.get("Policies", []):
                yield from (f"{stack} {line}" for line in _lines(role, policy["PolicyDocument"]))
            for managed in properties.get("ManagedPolicyArns", []):
                yield f"{stack} {role} Attach {render(managed)} -"
            yield from (f"{stack} trust:{role} {line}" for line in _lines("", properties["AssumeRolePolicyDocument"]))
        elif kind in ("AWS::S3::BucketPolicy", "AWS::EC2::VPCEndpoint") and "PolicyDocument" in properties:
            place = f"{kind.rsplit('::', 1)[1]}:{name(logical_id)}"
            yield from (f"{stack} {place} {line}" for line in _lines("", properties["PolicyDocument"]))
