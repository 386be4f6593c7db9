"""ServingStack's data capture and drift monitor in the synthesized template: what each backend is told, who may
write or read which prefix (exactly), the delivery, the lifecycle, the schedule, the alarms and the topic."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.serving_app import Synthesized, render, synthesize
from tests.infra.test_serving_model import s3_statements
from tests.infra.test_serving_stack import image_functions

CUSTOM = {"dataCapturePercent": 25, "captureRetentionDays": 7, "monitorSchedule": "rate(6 hours)",
          "fargateEnabled": False}  # fmt: skip
MONITOR_COMMAND = ["monitor_handler.handler"]
TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}
TRAINED_KEYS = ("ModelArtifactKey", "SchemaKey", "CompiledKey", "BaselineKey")
"""TrainingStack's attributes the monitor's grants name (the baseline: the compile step's)."""


@pytest.fixture(scope="module")
def custom(training_inputs: dict[str, str]) -> Synthesized:
    return synthesize(training_inputs, **CUSTOM)


def _bucket(synthesized: Synthesized) -> str:
    # The capture bucket logs its access; its access-log bucket does not.
    [(logical_id, _)] = [(i, b) for i, b in synthesized.resources("AWS::S3::Bucket").items()
                         if "LoggingConfiguration" in b["Properties"]]  # fmt: skip
    return logical_id


def _monitor(synthesized: Synthesized) -> dict[str, Any]:
    [function] = [f["Properties"] for f in synthesized.resources("AWS::Lambda::Function").values()
                  if f["Properties"].get("ImageConfig", {}).get("Command") == MONITOR_COMMAND]  # fmt: skip
    return function


def _grants(synthesized: Synthesized, role: str) -> set[tuple[str, str, str]]:
    """(actions, resource, condition) of every s3 statement of ``role``, rendered."""
    return {(",".join(sorted(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])), render(r),
             json.dumps(s.get("Condition"), sort_keys=True))
            for s in s3_statements(synthesized).get(role, []) for r in (s["Resource"] if isinstance(
                s["Resource"], list) else [s["Resource"]])}  # fmt: skip


def test_every_backend_is_told_where_to_capture_and_as_whom(default: Synthesized, custom: Synthesized) -> None:
    bucket = _bucket(default)
    for properties in image_functions(default).values():
        variables = properties["Environment"]["Variables"]
        name = "lambda-arm64" if properties["Architectures"] == ["arm64"] else "lambda-x86"
        assert (variables["CAPTURE_DESTINATION"], variables["BACKEND_NAME"], variables["CAPTURE_PERCENT"]) == (
            "stdout", name, "100")  # fmt: skip
    [task] = default.resources("AWS::ECS::TaskDefinition").values()
    environment = {e["Name"]: e["Value"] for e in task["Properties"]["ContainerDefinitions"][0]["Environment"]}
    assert render(environment["CAPTURE_DESTINATION"]) == f"s3://${{{bucket}}}/capture/"  # + fargate/yyyy/mm/dd/hh/
    assert (environment["BACKEND_NAME"], environment["CAPTURE_PERCENT"]) == ("fargate", "100")
    assert {p["Environment"]["Variables"]["CAPTURE_PERCENT"] for p in image_functions(custom).values()} == {"25"}


def test_only_capture_writers_write_and_each_only_its_own_prefix(default: Synthesized) -> None:
    bucket = f"${{{_bucket(default)}.Arn}}"
    [task] = default.resources("AWS::ECS::TaskDefinition").values()
    fargate_role = task["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0]
    assert {grant for grant in _grants(default, fargate_role) if "capture" in grant[1]} == {
        ("s3:PutObject", f"{bucket}/capture/fargate/*", "null")}  # fmt: skip
    for properties in image_functions(default).values():  # the functions write stdout, nothing in S3
        assert {grant[0] for grant in _grants(default, properties["Role"]["Fn::GetAtt"][0])} == {"s3:GetObject"}
    [delivery_role] = [r for r in default.resources("AWS::IAM::Role") if "CaptureDeliveryRole" in r]
    objects = {f"{bucket}/{prefix}/{backend}/*" for prefix in ("capture", "capture-errors")
               for backend in ("lambda-x86", "lambda-arm64")}  # fmt: skip
    assert _grants(default, delivery_role) == {("s3:AbortMultipartUpload,s3:PutObject", o, "null") for o in objects} | {
        ("s3:GetBucketLocation,s3:ListBucketMultipartUploads", bucket, "null")}  # fmt: skip


def test_the_monitor_reads_exactly_capture_and_ground_truth_and_writes_only_reports(default: Synthesized) -> None:
    bucket = f"${{{_bucket(default)}.Arn}}"
    role = _monitor(default)["Role"]["Fn::GetAtt"][0]
    grants = _grants(default, role)
    on_capture_bucket = {grant for grant in grants if grant[1].startswith(bucket)}
    listing = json.dumps({"StringLike": {"s3:prefix": ["capture/*", "ground-truth/*"]}}, sort_keys=True)
    assert on_capture_bucket == {("s3:GetObject", f"{bucket}/capture/*", "null"),
                                 ("s3:GetObject", f"{bucket}/ground-truth/*", "null"),
                                 ("s3:ListBucket", bucket, listing),
                                 ("s3:PutObject", f"{bucket}/monitoring/*", "null")}  # fmt: skip
    model_grants = grants - on_capture_bucket  # exactly the served model's objects and its baseline
    assert {grant[0] for grant in model_grants} == {"s3:GetObject"}
    keys = {attribute for grant in model_grants for attribute in TRAINED_KEYS if attribute in grant[1]}
    assert len(model_grants) == 4 and keys == set(TRAINED_KEYS)


def test_the_monitor_runs_the_lambda_image_on_the_schedule_over_its_window(default: Synthesized, custom) -> None:  # type: ignore[no-untyped-def]
    for synthesized, schedule, hours in ((default, "rate(1 hour)", "1"), (custom, "rate(6 hours)", "6")):
        function = _monitor(synthesized)
        [(function_id, _)] = [(i, f) for i, f in synthesized.resources("AWS::Lambda::Function").items()
                              if f["Properties"] is function or f["Properties"] == function]  # fmt: skip
        [rule] = synthesized.resources("AWS::Events::Rule").values()
        assert rule["Properties"]["ScheduleExpression"] == schedule
        assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
        variables = function["Environment"]["Variables"]
        assert variables["MONITOR_WINDOW_HOURS"] == hours
        assert render(variables["REPORT_URI"]).endswith("/monitoring/")
        assert render(variables["BASELINE_URI"]).endswith("BaselineKeyB5DC7CDE}")  # the compile step's baseline
        assert (function["Architectures"], function["Timeout"]) == (["arm64"], 900)


def test_captured_records_expire_and_the_bucket_is_private_and_tls_only(default: Synthesized, custom) -> None:  # type: ignore[no-untyped-def]
    for synthesized, days in ((default, 30), (custom, 7)):
        bucket = synthesized.resources("AWS::S3::Bucket")[_bucket(synthesized)]["Properties"]
        rules = {rule["Prefix"]: rule["ExpirationInDays"] for rule in bucket["LifecycleConfiguration"]["Rules"]}
        assert rules == {"capture/": days, "capture-errors/": days}  # ground truth and reports are kept
        assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "AES256"}  # fmt: skip
        assert all(bucket["PublicAccessBlockConfiguration"].values()) and "LoggingConfiguration" in bucket
    bucket_policies = default.resources("AWS::S3::BucketPolicy").values()
    policies = [p["Properties"]["PolicyDocument"]["Statement"] for p in bucket_policies
                if p["Properties"]["Bucket"] == {"Ref": _bucket(default)}]  # fmt: skip
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policies[0]
    )


def test_lambda_records_reach_firehose_and_only_records(default: Synthesized) -> None:
    filters = default.resources("AWS::Logs::SubscriptionFilter").values()
    streams = default.resources("AWS::KinesisFirehose::DeliveryStream")
    groups = {p["LoggingConfig"]["LogGroup"]["Ref"] for p in image_functions(default).values()}
    assert {f["Properties"]["LogGroupName"]["Ref"] for f in filters} == groups
    assert {f["Properties"]["FilterPattern"] for f in filters} == {'{ $.eventVersion = "0" }'}
    assert {f["Properties"]["DestinationArn"]["Fn::GetAtt"][0] for f in filters} == set(streams)
    prefixes = set()
    for stream in streams.values():
        destination = stream["Properties"]["ExtendedS3DestinationConfiguration"]
        prefixes.add(destination["Prefix"])
        assert stream["Properties"]["DeliveryStreamEncryptionConfigurationInput"] == {"KeyType": "AWS_OWNED_CMK"}
        assert [p["Type"] for p in destination["ProcessingConfiguration"]["Processors"]] == [
            "Decompression", "CloudWatchLogProcessing", "AppendDelimiterToRecord"]  # fmt: skip
    assert prefixes == {f"capture/{b}/!{{timestamp:yyyy/MM/dd/HH}}/" for b in ("lambda-x86", "lambda-arm64")}


def test_the_alarms_watch_drift_and_failed_runs_and_notify_the_operations_topic(default: Synthesized) -> None:
    alarms = [a["Properties"] for a in default.resources("AWS::CloudWatch::Alarm").values()]
    [drift] = [a for a in alarms if a.get("MetricName") == "DriftedFeatures"]
    assert (drift["Namespace"], drift["Statistic"], drift["Threshold"], drift["Period"]) == (
        "XgboostServerless/Monitoring", "Maximum", 1, 3600)  # fmt: skip
    assert (
        drift["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" and drift["TreatMissingData"] == "notBreaching"
    )
    [monitor] = [i for i, f in default.resources("AWS::Lambda::Function").items()
                 if f["Properties"].get("ImageConfig", {}).get("Command") == MONITOR_COMMAND]  # fmt: skip
    [failed_runs] = [a for a in alarms if a.get("MetricName") == "Errors"
                     and {"Name": "FunctionName", "Value": {"Ref": monitor}} in a.get("Dimensions", [])]  # fmt: skip
    [(topic_id, topic)] = default.resources("AWS::SNS::Topic").items()  # one topic: the operations' (issue 18)
    assert drift["AlarmActions"] == failed_runs["AlarmActions"] == [{"Ref": topic_id}]
    assert "KmsMasterKeyId" in topic["Properties"]
    [policy] = default.resources("AWS::SNS::TopicPolicy").values()
    assert TLS_ONLY in [statement.get("Condition") for statement in policy["Properties"]["PolicyDocument"]["Statement"]]


def test_the_drift_is_charted_on_the_operations_dashboard(default: Synthesized) -> None:
    [dashboard] = default.resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "DriftedFeatures" in body and "AnswerPsi" in body and "Invocations" in body


def test_no_capture_means_no_monitoring_resources(pinned: Synthesized) -> None:
    for resource_type in ("AWS::KinesisFirehose::DeliveryStream", "AWS::Events::Rule", "AWS::Logs::SubscriptionFilter"):
        assert pinned.resources(resource_type) == {}
    alarms = [a["Properties"].get("AlarmName", "") for a in pinned.resources("AWS::CloudWatch::Alarm").values()]
    assert alarms and not [name for name in alarms if "drift" in name]  # the operations' alarms, none of the monitor
    for properties in image_functions(pinned).values():
        assert "CAPTURE_DESTINATION" not in properties["Environment"]["Variables"]
