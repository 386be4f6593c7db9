"""The pre-traffic hook against the real Lambda handler in-process (the version it checks) and CodeDeploy stubbed
with botocore's Stubber: a version that answers as ``model.expected.json`` says is let through, any other stopped."""

from __future__ import annotations

import base64
import importlib
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from inference import Predictor
from inference.expected import EXPECTED_NAME, misses, write_expected
from inference.pre_traffic import NOT_A_NUMBER, check
from tests.support.models import save_like_sagemaker, train_booster

HOOK_EVENT = {"DeploymentId": "d-ABCDEF123", "LifecycleEventHookExecutionId": "hook-execution-1"}
TARGET = "arn:aws:lambda:us-east-1:123456789012:function:serving-LambdaArm64:7"


@pytest.fixture(scope="module")
def hook_module() -> ModuleType:
    sys.modules.pop("lambda_image.pre_traffic_handler", None)
    return importlib.import_module("lambda_image.pre_traffic_handler")


@pytest.fixture
def codedeploy() -> Iterator[tuple[Any, Stubber]]:
    client = botocore.session.get_session().create_client(
        "codedeploy", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def reported(stubber: Stubber, status: str) -> None:
    expected = {"deploymentId": HOOK_EVENT["DeploymentId"], "status": status,
                "lifecycleEventHookExecutionId": HOOK_EVENT["LifecycleEventHookExecutionId"]}  # fmt: skip
    stubber.add_response("put_lifecycle_event_hook_execution_status", {"lifecycleEventHookExecutionId": "x"}, expected)


def version_serving(adapter: ModuleType, model: Path, **env: str) -> Any:
    """The handler of a Lambda version serving ``model``, invoked in-process as the hook would invoke it."""
    predictor = Predictor.from_env({"MODEL_URI": str(model), **env})
    return lambda event: adapter.handle(json.loads(json.dumps(event)), None, predictor)


@pytest.fixture(scope="module")
def model_copy(model_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture model and its schema in a folder of this module's (the expected answers are written beside)."""
    folder = tmp_path_factory.mktemp("model-copy")
    for path in model_tarball.parent.iterdir():
        if path.is_file():
            shutil.copyfile(path, folder / path.name)
    return folder / model_tarball.name


@pytest.fixture(scope="module")
def expected_uri(model_copy: Path) -> str:
    return write_expected(str(model_copy))


def test_a_version_that_answers_as_expected_is_let_through(
    adapter, hook_module, codedeploy, model_copy, expected_uri
) -> None:  # type: ignore[no-untyped-def]
    client, stubber = codedeploy
    reported(stubber, "Succeeded")
    result = hook_module.hook(HOOK_EVENT, client, version_serving(adapter, model_copy), expected_uri, TARGET)
    assert result == {"status": "Succeeded", "misses": []}
    assert Path(expected_uri).name == EXPECTED_NAME and Path(expected_uri).parent == model_copy.parent


def test_another_model_behind_the_version_stops_the_deployment(
    adapter, hook_module, codedeploy, expected_uri, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    client, stubber = codedeploy
    other = save_like_sagemaker(train_booster(num_round=5, seed=3), tmp_path)
    reported(stubber, "Failed")
    result = hook_module.hook(HOOK_EVENT, client, version_serving(adapter, other), expected_uri, TARGET)
    assert result["status"] == "Failed"
    assert any(miss.startswith("POST /predict.predictions[0]: expected") for miss in result["misses"])
    assert any(miss.startswith("POST /invocations.predictions[0].predicted_score") for miss in result["misses"])


def test_a_version_whose_model_does_not_load_stops_it(adapter, hook_module, codedeploy, expected_uri, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client, stubber = codedeploy
    reported(stubber, "Failed")
    invoke = version_serving(adapter, tmp_path / "missing.tar.gz", MODEL_RETRY_SECONDS="3600")
    result = hook_module.hook(HOOK_EVENT, client, invoke, expected_uri, TARGET)
    assert result["misses"][0].startswith("GET /ping: expected status 200, got 503")


def test_no_expected_answers_readable_is_a_failure_not_a_pass(
    adapter, hook_module, codedeploy, model_tarball, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    client, stubber = codedeploy
    reported(stubber, "Failed")
    invoke = version_serving(adapter, model_tarball)
    result = hook_module.hook(HOOK_EVENT, client, invoke, str(tmp_path / EXPECTED_NAME), TARGET)
    assert result["misses"][0].startswith("the check could not run: ModelFormatError")


def test_without_expected_answers_only_readiness_and_refusal_are_checked(
    adapter, hook_module, codedeploy, model_tarball
) -> None:  # type: ignore[no-untyped-def]
    client, stubber = codedeploy
    reported(stubber, "Succeeded")
    asked: list[str] = []

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        asked.append(event["rawPath"])
        return version_serving(adapter, model_tarball)(event)

    assert hook_module.hook(HOOK_EVENT, client, invoke, None, TARGET)["status"] == "Succeeded"
    assert asked == ["/ping", "/predict"]


def test_a_version_that_accepts_the_malformed_row_is_stopped(adapter, model_copy, expected_uri) -> None:  # type: ignore[no-untyped-def]
    expected = json.loads(Path(expected_uri).read_text())
    real = version_serving(adapter, model_copy)

    def lenient(event: dict[str, Any]) -> dict[str, Any]:  # a version that reads any value as 0
        body = event["body"]
        if NOT_A_NUMBER.encode() in base64.b64decode(body):
            return {"statusCode": 200, "headers": {}, "body": json.dumps({"predictions": [0.0]})}
        return real(event)

    (miss,) = check(lenient, expected)
    assert miss.startswith("POST /predict (malformed): expected status 400, got 200")


def test_classification_answers_are_recorded_and_checked(adapter, species_model: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    expected = json.loads(Path(write_expected(str(species_model), out_uri=str(tmp_path / EXPECTED_NAME))).read_text())
    assert expected["output_keys"][0] == "predicted_label" and "probabilities" in expected["output_keys"]
    assert check(version_serving(adapter, species_model), expected) == []


def test_numbers_are_compared_within_float32_rounding_and_extra_keys_are_not_judged() -> None:
    assert misses({"a": [1.0, {"b": 410579.47}]}, {"a": [1.0 + 1e-7, {"b": 410579.47, "c": 1}], "d": 2}, "x") == []
    assert misses({"a": 1.0}, {"a": 1.001}, "x") == ["x.a: expected 1.0, got 1.001"]
    assert misses({"a": [1, 2]}, {"a": [1]}, "x") == ["x.a: expected 2 items, got [1]"]
    assert misses({"a": "virginica"}, {}, "x") == ["x.a: missing"]
