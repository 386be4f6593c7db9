"""``sagemakerInferenceOutput``: the /invocations output keys every backend is deployed with."""

from __future__ import annotations

import pytest

from stacks.config import ConfigError, load_config
from tests.infra.conftest import REPO_ROOT, app_context
from tests.infra.test_serving_stack import image_functions


def test_the_keys_reach_every_backend_as_sagemaker_inference_output(training_inputs) -> None:
    from tests.infra.serving_app import synthesize

    synthesized = synthesize(training_inputs, sagemakerInferenceOutput="predicted_score", fargateEnabled=False)
    served = [f["Environment"]["Variables"] for f in image_functions(synthesized).values()]
    assert len(served) == 2 and all(env["SAGEMAKER_INFERENCE_OUTPUT"] == "predicted_score" for env in served)


def test_by_default_no_backend_gets_the_variable(default) -> None:
    for function in default.resources("AWS::Lambda::Function").values():
        assert "SAGEMAKER_INFERENCE_OUTPUT" not in function["Properties"].get("Environment", {}).get("Variables", {})
    for task in default.resources("AWS::ECS::TaskDefinition").values():
        names = {item["Name"] for c in task["Properties"]["ContainerDefinitions"] for item in c.get("Environment", [])}
        assert "SAGEMAKER_INFERENCE_OUTPUT" not in names


@pytest.mark.parametrize("value", ["score", "predicted_label,probability,bogus", ",", 3])
def test_unknown_keys_are_refused_with_the_key_named(training_inputs, value) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config(app_context(training_inputs, sagemakerInferenceOutput=value), repo_root=REPO_ROOT)
    assert str(refused.value).startswith("context key 'sagemakerInferenceOutput' must be null or comma-separated keys")
