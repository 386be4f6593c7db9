"""The training job's custom resource, image mapping, handlers and waiter in TrainingStack's template."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Capture, Match

from cdk_constructs.xgboost_image import xgboost_image_registries
from stacks.config_training import XGBOOST_VERSIONS
from training import hyperparameters as container_checks
from training import spec as dataset_spec

JOB = "Custom::SageMakerTrainingJob"


def _handler_functions(template) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    handler = Match.string_like_regexp(r"^index\.(on_event|is_complete)$")
    return template.find_resources("AWS::Lambda::Function", {"Properties": {"Handler": handler}})


def test_custom_resource_carries_the_complete_job_inputs(training_stack) -> None:  # type: ignore[no-untyped-def]
    stack, template = training_stack()
    prefix = stack.node.find_child("TrainingData").prefix
    bucket = {"Ref": stack.resolve(stack.model_bucket.bucket_name)["Ref"]}
    template.has_resource_properties(
        JOB,
        {
            "Channels": {
                "train": {"Fn::Join": ["", ["s3://", bucket, f"/{prefix}train/"]]},
                "validation": {"Fn::Join": ["", ["s3://", bucket, f"/{prefix}validation/"]]},
            },
            "OutputUri": {"Fn::Join": ["", ["s3://", bucket, "/models/"]]},
            "HyperParameters": dict(dataset_spec.load("california_housing").hyperparameters),
            "InstanceType": "ml.m5.large",
            "InstanceCount": "1",
            "UseSpot": "true",
            "MaxRuntimeSeconds": "1800",
            "MaxWaitSeconds": "3000",
            "RoleArn": {"Fn::GetAtt": [Match.string_like_regexp("ExecutionRole"), "Arn"]},
        },
    )


def _job_properties(template) -> dict:  # type: ignore[no-untyped-def]
    (job,) = template.find_resources(JOB).values()
    return dict(job["Properties"])


@pytest.mark.parametrize(
    ("dataset", "task_keys"),
    [
        ("iris", {"objective": "multi:softprob", "num_class": "3", "eval_metric": "mlogloss"}),
        ("breast_cancer", {"objective": "binary:logistic", "eval_metric": "auc"}),
        ("california_housing", {"objective": "reg:squarederror", "eval_metric": "rmse"}),
    ],
)
def test_the_job_gets_the_objective_num_class_and_eval_metric_of_its_dataset(  # type: ignore[no-untyped-def]
    training_stack, inputs_for, dataset, task_keys
) -> None:
    _, template = training_stack(**inputs_for(dataset))
    hyperparameters = _job_properties(template)["HyperParameters"]
    assert {key: hyperparameters.get(key) for key in task_keys} == task_keys
    assert ("num_class" in hyperparameters) == (dataset == "iris")  # required for multi:*, refused by none else
    num_round, params = container_checks.parse(hyperparameters)  # what the built-in container checks
    assert num_round >= 1 and params["objective"] == task_keys["objective"]


@pytest.mark.parametrize(
    ("dataset", "metric", "direction"),
    [("california_housing", "validation:rmse", "lower"), ("breast_cancer", "validation:auc", "higher"),
     ("iris", "validation:mlogloss", "lower")],
)  # fmt: skip
def test_the_quality_gate_is_a_property_of_the_job(training_stack, inputs_for, dataset, metric, direction) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack(**inputs_for(dataset))
    gate = _job_properties(template)["QualityGate"]
    assert (gate["Metric"], gate["Direction"]) == (metric, direction)
    assert float(gate["Threshold"]) == dataset_spec.load(dataset).gate.threshold


def test_a_spec_with_a_stricter_gate_changes_only_the_gate_property(training_stack, inputs_for, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The gate is judged, not trained with: the same job is re-judged, no new job runs."""
    spec = tmp_path / "strict_iris.toml"
    spec.write_text(
        (dataset_spec.DATASETS_DIR / "iris.toml").read_text().replace("threshold = 0.4", "threshold = 0.05")
    )
    baseline = _job_properties(training_stack(**inputs_for("iris"))[1])
    strict = _job_properties(training_stack(**{**inputs_for("iris"), "dataset": str(spec)})[1])
    assert strict["QualityGate"] == {**baseline["QualityGate"], "Threshold": "0.05"}
    assert {k: v for k, v in strict.items() if k != "QualityGate"} == {
        k: v for k, v in baseline.items() if k != "QualityGate"
    }


def test_instance_settings_flow_into_the_properties(training_stack) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack(
        trainingInstanceType="ml.c5.xlarge",
        trainingInstanceCount=2,
        trainingUseSpot=False,
        trainingMaxRuntimeSeconds=600,
    )
    template.has_resource_properties(
        JOB, {"InstanceType": "ml.c5.xlarge", "InstanceCount": "2", "UseSpot": "false", "MaxRuntimeSeconds": "600"}
    )


def test_properties_change_only_when_job_inputs_change(training_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.infra.conftest import write_training_inputs

    def properties(**overrides: object) -> dict:
        _, template = training_stack(**overrides)
        (job,) = template.find_resources(JOB).values()
        return dict(job["Properties"])

    baseline = properties()
    assert properties(lambdaMemoryMb=2048, fargateEnabled=False) == baseline
    assert properties(trainingInstanceType="ml.m5.xlarge") != baseline
    assert properties(xgboostVersion="3.0-5")["TrainingImage"] != baseline["TrainingImage"]
    changed_data = write_training_inputs(tmp_path, label_offset=1.0)
    assert properties(**changed_data)["Channels"] != baseline["Channels"]


# The table itself equals sagemaker-core's (and image_uris.retrieve's): tests/unit/test_xgboost_registries.py.
@pytest.mark.parametrize("version", XGBOOST_VERSIONS)
def test_image_mapping_is_the_committed_table_in_every_region(training_stack, version) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack(xgboostVersion=version)
    ((mapping_id, mapping),) = template.to_json()["Mappings"].items()
    repository, registries = xgboost_image_registries(version)
    assert mapping == {region: {"account": account} for region, account in registries.items()} and len(mapping) > 30
    image = "${Account}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/" + f"{repository}:{version}"
    account = {"Fn::FindInMap": [mapping_id, {"Ref": "AWS::Region"}, "account"]}
    template.has_resource_properties(JOB, {"TrainingImage": {"Fn::Sub": [image, {"Account": account}]}})


def test_handlers_are_zip_packaged_python_on_arm64(training_stack) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack()
    functions = _handler_functions(template)
    assert len(functions) == 2
    for function in functions.values():
        properties = function["Properties"]
        assert properties["Runtime"] == "python3.14"
        assert properties["Architectures"] == ["arm64"]
        assert properties["Code"]["S3Key"].endswith(".zip") and "ImageUri" not in properties["Code"]


def test_deployment_waits_for_the_job_under_the_custom_resource_limit(training_stack) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack()
    definition = Capture()
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine", {"DefinitionString": {"Fn::Join": ["", definition]}}
    )
    retry = json.loads(definition.as_array()[0] + '"}}}')["States"]["framework-isComplete-task"]["Retry"][0]
    assert retry["IntervalSeconds"] * retry["MaxAttempts"] <= 55 * 60
    (job,) = template.find_resources(JOB).values()
    assert any(dep.startswith("TrainingDataUploadCustomResource") for dep in job["DependsOn"])


def test_permissions_and_handler_agree_on_the_job_name_prefix() -> None:
    from cdk_constructs.training_job import JOB_NAME_PREFIX
    from tests.unit.training_job_stubs import base_name, job_spec

    assert job_spec.NAME_PREFIX == JOB_NAME_PREFIX
    assert base_name().startswith(JOB_NAME_PREFIX)
