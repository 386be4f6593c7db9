"""A newly trained model reaches every backend on `cdk deploy ServingStack`.

ServingStack reads the artifact's bucket and key from TrainingStack's outputs, which are the same text in
every template; without a literal that changes, the CLI would find ServingStack unchanged and skip it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.infra.conftest import HYPERPARAMETERS, write_hyperparameters, write_schema, write_training_inputs
from tests.infra.serving_app import synthesize


def _revisions(template: dict[str, Any]) -> set[str]:
    """MODEL_REVISION of every Lambda function and container in ServingStack."""
    values = set()
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        variables = props.get("Environment", {}).get("Variables", {})
        if resource["Type"] == "AWS::Lambda::Function" and "MODEL_URI" in variables:  # the backends, not the hooks
            values.add(props["Environment"]["Variables"]["MODEL_REVISION"])
        if resource["Type"] == "AWS::ECS::TaskDefinition":
            for container in props["ContainerDefinitions"]:
                values |= {e["Value"] for e in container["Environment"] if e["Name"] == "MODEL_REVISION"}
    return values


def _serving(inputs: dict[str, str]) -> dict[str, Any]:
    return dict(synthesize(inputs).template.to_json())


def test_every_backend_carries_the_same_literal_revision(training_inputs: dict[str, str]) -> None:
    template = _serving(training_inputs)
    [revision] = _revisions(template)
    assert len(revision) == 16 and int(revision, 16) >= 0
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    # both serving functions, and the drift monitor, which compares with the served model
    assert sum("MODEL_REVISION" in f["Properties"].get("Environment", {}).get("Variables", {}) for f in functions) == 3


def test_new_training_data_changes_serving_template(training_inputs: dict[str, str], tmp_path: Path) -> None:
    retrained = write_training_inputs(tmp_path, label_offset=1.0)
    assert _revisions(_serving(training_inputs)) != _revisions(_serving(retrained))


def test_new_hyperparameters_change_serving_template(training_inputs: dict[str, str], tmp_path: Path) -> None:
    first = {**training_inputs, **write_hyperparameters(tmp_path / "a", HYPERPARAMETERS)}
    second = {**training_inputs, **write_hyperparameters(tmp_path / "b", {**HYPERPARAMETERS, "max_depth": "3"})}
    assert _revisions(_serving(first)) != _revisions(_serving(second))


def test_a_new_schema_changes_serving_template(training_inputs: dict[str, str], tmp_path: Path) -> None:
    edited = write_training_inputs(tmp_path)
    data_dir = Path(edited["trainingDataDir"])
    document = json.loads((data_dir / "schema.json").read_text())
    document["target"]["description"] = "edited"
    write_schema(data_dir, document)
    assert _revisions(_serving(training_inputs)) != _revisions(_serving(edited))


def test_unchanged_inputs_keep_the_revision(training_inputs: dict[str, str], tmp_path: Path) -> None:
    same = write_training_inputs(tmp_path)
    assert _revisions(_serving(training_inputs)) == _revisions(_serving(same))
