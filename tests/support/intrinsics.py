"""CloudFormation intrinsics as readable text, for assertions on synthesized templates."""

from __future__ import annotations

import json
from typing import Any


def render(value: Any) -> str:
    """An intrinsic as readable text: ``{"Ref": "X"}`` -> ``${X}``, joins joined, stack outputs named, a
    ``Fn::Sub`` as its template string; anything else as JSON."""
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        [(function, args)] = value.items()
        if function == "Ref":
            return f"${{{args}}}"
        if function == "Fn::GetAtt":
            return f"${{{args[0]}.{args[1]}}}"
        if function == "Fn::Join":
            return str(args[0]).join(render(part) for part in args[1])
        if function == "Fn::Sub":
            return str(args if isinstance(args, str) else args[0])
        if function == "Fn::GetStackOutput":
            return f"${{output:{args['StackName']}:{args['OutputName']}}}"
        if function == "Fn::ImportValue":
            return f"${{import:{render(args)}}}"
    return json.dumps(value, sort_keys=True)
