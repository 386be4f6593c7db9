"""TrainingStack's storage, data upload, outputs and snapshot (synthesized templates, no AWS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import Token
from aws_cdk.assertions import Capture, Match
from syrupy.extensions.json import JSONSnapshotExtension

from cdk_constructs.training_data import DATA_HASH_LENGTH, data_sha256
from stacks.config_training import CHANNEL_FILES
from tests.infra.conftest import normalize_template, write_schema, write_training_inputs

BUCKET = "AWS::S3::Bucket"
JOB_ATTRIBUTES = {
    "model_artifact_key": "ModelArtifactKey",
    "model_artifact_uri": "ModelArtifactUri",
    "training_job_name": "TrainingJobName",
    "validation_rmse": "ValidationRmse",
    "quality_gate_value": "QualityGateValue",
    "schema_uri": "SchemaUri",
}
UPLOADED = {**CHANNEL_FILES, "schema": "schema.json", "baseline": "baseline.json"}


def test_template_matches_snapshot(training_stack, snapshot) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack()
    assert normalize_template(template.to_json()) == snapshot.use_extension(JSONSnapshotExtension)


def test_both_buckets_are_encrypted_private_and_owner_enforced(training_stack) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack()
    template.resource_count_is(BUCKET, 2)
    properties = {
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    }
    assert len(template.find_resources(BUCKET, {"Properties": properties})) == 2


def test_model_bucket_is_versioned_and_logs_access_to_the_log_bucket(training_stack) -> None:  # type: ignore[no-untyped-def]
    stack, template = training_stack()
    log_bucket = Capture()
    template.has_resource_properties(
        BUCKET,
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "LoggingConfiguration": {"DestinationBucketName": {"Ref": log_bucket}, "LogFilePrefix": "model-bucket/"},
        },
    )
    buckets = template.find_resources(BUCKET)
    assert log_bucket.as_string() in buckets
    assert stack.resolve(stack.model_bucket.bucket_name)["Ref"] != log_bucket.as_string()


def test_every_bucket_denies_requests_without_tls(training_stack) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack()
    deny_plain_http = Match.object_like(
        {"Effect": "Deny", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    )
    policies = template.find_resources(
        "AWS::S3::BucketPolicy",
        {"Properties": {"PolicyDocument": {"Statement": Match.array_with([deny_plain_http])}}},
    )
    covered = {policy["Properties"]["Bucket"]["Ref"] for policy in policies.values()}
    assert covered == set(template.find_resources(BUCKET))


@pytest.mark.parametrize(
    ("policy", "deletion", "auto_delete_resources"), [("retain", "Retain", 0), ("destroy", "Delete", 2)]
)
def test_removal_policy_applies_to_both_buckets(training_stack, policy, deletion, auto_delete_resources) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack(modelBucketRemovalPolicy=policy)
    buckets = template.find_resources(BUCKET, {"DeletionPolicy": deletion, "UpdateReplacePolicy": deletion})
    assert len(buckets) == 2
    template.resource_count_is("Custom::S3AutoDeleteObjects", auto_delete_resources)


def test_channels_schema_and_baseline_are_uploaded_under_their_content_hash(training_stack, training_inputs) -> None:  # type: ignore[no-untyped-def]
    stack, template = training_stack()
    expected = data_sha256(Path(training_inputs["trainingDataDir"]), UPLOADED)[:DATA_HASH_LENGTH]
    template.has_resource_properties(
        "Custom::CDKBucketDeployment",
        {"DestinationBucketKeyPrefix": f"data/{expected}/", "Prune": False, "RetainOnDelete": Match.absent()},
    )
    template.has_output("TrainingDataPrefix", {"Value": f"data/{expected}/"})
    bucket = {"Ref": stack.resolve(stack.model_bucket.bucket_name)["Ref"]}
    schema_uri = {"Fn::Join": ["", ["s3://", bucket, f"/data/{expected}/schema.json"]]}
    template.has_resource_properties("Custom::SageMakerTrainingJob", {"SchemaUri": schema_uri})


def test_a_schema_change_alone_moves_the_data_to_a_new_prefix(training_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    def prefix_and_channels(**context: object) -> tuple[str, object]:
        stack, template = training_stack(**context)
        (job,) = template.find_resources("Custom::SageMakerTrainingJob").values()
        return stack.node.find_child("TrainingData").prefix, job["Properties"]["Channels"]

    original = write_training_inputs(tmp_path / "a")
    edited = write_training_inputs(tmp_path / "b")
    data_dir = Path(edited["trainingDataDir"])
    document = json.loads((data_dir / "schema.json").read_text())
    document["features"][0]["description"] = "edited"
    write_schema(data_dir, document)
    (before, before_channels), (after, after_channels) = prefix_and_channels(**original), prefix_and_channels(**edited)
    assert before != after and before_channels != after_channels  # a new job trains with (and for) the new schema


def test_only_the_channel_files_the_schema_and_the_baseline_are_staged(training_stack) -> None:  # type: ignore[no-untyped-def]
    stack, _ = training_stack()
    assembly_dir = Path(stack.node.root.synth().directory)  # type: ignore[attr-defined]
    staged = sorted(
        path.relative_to(asset).as_posix()
        for asset in assembly_dir.glob("asset.*")
        if asset.is_dir()
        for path in asset.rglob("*")
        if path.suffix in (".csv", ".json") and path.is_file()
    )
    assert staged == sorted(UPLOADED.values())


def test_outputs_and_attributes_are_the_training_job_results(training_stack) -> None:  # type: ignore[no-untyped-def]
    stack, template = training_stack()
    job_id = next(iter(template.find_resources("Custom::SageMakerTrainingJob")))
    for attribute, output in JOB_ATTRIBUTES.items():
        template.has_output(output, {"Value": {"Fn::GetAtt": [job_id, output]}})
        value = getattr(stack, attribute)
        assert Token.is_unresolved(value)
        assert stack.resolve(value) == {"Fn::GetAtt": [job_id, output]}
    assert stack.resolve(stack.schema_key) == {"Fn::GetAtt": [job_id, "SchemaKey"]}
    template.has_output("ModelBucketName", {"Value": {"Ref": Match.any_value()}})


@pytest.mark.parametrize(
    ("dataset", "description"),
    [("california_housing", "Final validation:rmse of the california_housing model (quality gate: <= {:g})"),
     ("breast_cancer", "Final validation:auc of the breast_cancer model (quality gate: >= {:g})"),
     ("iris", "Final validation:mlogloss of the iris model (quality gate: <= {:g})")],
)  # fmt: skip
def test_the_gate_value_output_names_the_metric_and_the_rule(training_stack, inputs_for, dataset, description) -> None:  # type: ignore[no-untyped-def]
    from training import spec as dataset_spec

    _, template = training_stack(**inputs_for(dataset))
    threshold = dataset_spec.load(dataset).gate.threshold
    template.has_output("QualityGateValue", {"Description": description.format(threshold)})


@pytest.mark.parametrize("days", [1, 14, 3653])
def test_log_groups_keep_logs_for_the_configured_days(training_stack, days) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack(logRetentionDays=days)
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert groups
    assert {group["Properties"]["RetentionInDays"] for group in groups.values()} == {days}


def test_access_logs_expire_as_the_stacks_logs_do(training_stack) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack(logRetentionDays=90)
    [log_bucket] = [b["Properties"] for b in template.find_resources(BUCKET).values()
                    if "LoggingConfiguration" not in b["Properties"]]  # fmt: skip
    [rule] = log_bucket["LifecycleConfiguration"]["Rules"]
    assert (rule["Status"], rule["ExpirationInDays"], rule["AbortIncompleteMultipartUpload"]) == (
        "Enabled", 90, {"DaysAfterInitiation": 1})  # fmt: skip
