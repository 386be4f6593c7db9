"""Walk a state machine definition's data flow: the few states the batch machine uses, run in order.

Not Step Functions: no retries, no concurrency, no limits. What it checks is the wiring: every payload a Task
sends is built from the definition's own ``Parameters``/``ItemSelector`` and JSONPath references, the Map
items come from the S3 object its ``ItemReader`` names, and each ``ResultPath`` puts results where the next
state reads them. ``invoke(payload)`` stands for the Lambda function.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

Invoke = Callable[[Any], Any]


def run(definition: dict[str, Any], document: Any, invoke: Invoke, s3: Any, context: dict[str, Any]) -> Any:
    """Run from ``StartAt`` to an ``End`` state; the final output."""
    name = definition["StartAt"]
    while True:
        state = definition["States"][name]
        document = _state(state, document, invoke, s3, context)
        if state.get("End"):
            return document
        name = state["Next"]


def _state(state: dict[str, Any], document: Any, invoke: Invoke, s3: Any, context: dict[str, Any]) -> Any:
    if state["Type"] == "Pass":
        return resolve(state.get("Parameters", document), document, context)
    if state["Type"] == "Task":
        payload = resolve(state["Parameters"], document, context) if "Parameters" in state else document
        return _place(document, state.get("ResultPath", "$"), invoke(payload))
    if state["Type"] == "Map":
        reader = resolve(state["ItemReader"]["Parameters"], document, context)
        assert state["ItemReader"]["ReaderConfig"]["InputType"] == "JSON"
        items = json.loads(s3.get_object(Bucket=reader["Bucket"], Key=reader["Key"])["Body"].read())
        results = []
        for item in items:
            selected = resolve(state["ItemSelector"], document, {**context, "Map": {"Item": {"Value": item}}})
            results.append(run(state["ItemProcessor"], selected, invoke, s3, context))
        return _place(document, state.get("ResultPath", "$"), results)
    raise AssertionError(f"state type {state['Type']} is not walked here")


def resolve(template: Any, document: Any, context: dict[str, Any]) -> Any:
    """A payload template: keys ending in ``.$`` take the value their JSONPath (``$...`` or ``$$...``) names."""
    if isinstance(template, dict):
        found = {}
        for key, value in template.items():
            if key.endswith(".$"):
                found[key[:-2]] = path(value, document, context)
            else:
                found[key] = resolve(value, document, context)
        return found
    return copy.deepcopy(template)


def path(expression: str, document: Any, context: dict[str, Any]) -> Any:
    root, rest = (context, expression[2:]) if expression.startswith("$$") else (document, expression[1:])
    value = root
    for part in filter(None, rest.split(".")):
        value = value[part]
    return copy.deepcopy(value)


def _place(document: Any, result_path: str | None, result: Any) -> Any:
    if result_path is None:
        return document
    if result_path == "$":
        return result
    placed = copy.deepcopy(document)
    *parents, last = result_path[2:].split(".")
    target = placed
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = result
    return placed
