"""BatchStack: the state machine (checked by a real ASL validator), its wiring, its IAM, cdk-nag and its config."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from syrupy.extensions.json import JSONSnapshotExtension

import app as cdk_app
from stacks.config import ConfigError, load_config
from tests.infra.conftest import REPO_ROOT, app_context, new_app, normalize_template

VALIDATORS = [REPO_ROOT / "node_modules/.bin/asl-validator", REPO_ROOT / "build/npm/node_modules/.bin/asl-validator"]
PLACEHOLDERS = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}
OWN_PREFIXES = {"batchInputUri": "s3://customer-data/scoring/in/", "batchOutputUri": "s3://customer-results/out/",
                "batchMaxConcurrency": 40, "batchRangeMb": 32, "batchToleratedFailurePercent": 5,
                "batchMemoryMb": 3008}  # fmt: skip


@cache
def _synthesize(inputs: tuple[tuple[str, str], ...], overrides: tuple[tuple[str, object], ...]) -> tuple[Path, Any]:
    import atexit
    import shutil
    import tempfile

    context = app_context(dict(inputs), **dict(overrides))
    outdir = Path(tempfile.mkdtemp(prefix="batch-synth-"))
    atexit.register(shutil.rmtree, outdir, ignore_errors=True)
    app = new_app(context, outdir=outdir)
    cdk_app.build(app, load_config(context, repo_root=REPO_ROOT))
    app.synth()  # raises on any unacknowledged cdk-nag finding, in BatchStack as elsewhere
    return outdir, json.loads((outdir / "BatchStack.template.json").read_text())


@pytest.fixture(scope="module")
def default(training_inputs: dict[str, str]) -> dict[str, Any]:
    return _synthesize(tuple(sorted(training_inputs.items())), ())[1]


@pytest.fixture(scope="module")
def own_prefixes(training_inputs: dict[str, str]) -> dict[str, Any]:
    return _synthesize(tuple(sorted(training_inputs.items())), tuple(sorted(OWN_PREFIXES.items())))[1]


def definition(template: dict[str, Any]) -> dict[str, Any]:
    """The state machine's definition, its ARNs replaced by plausible literal ones."""
    [machine] = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]

    def text(part: Any) -> str:
        if isinstance(part, str):
            return part
        if "Ref" in part:
            return PLACEHOLDERS[part["Ref"]]
        return f"arn:aws:lambda:us-east-1:123456789012:function:{part['Fn::GetAtt'][0]}"

    return dict(json.loads("".join(text(part) for part in machine["Properties"]["DefinitionString"]["Fn::Join"][1])))


def asl_validator(document: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    validator = next((path for path in VALIDATORS if path.exists()), None)
    assert validator is not None, "npm's asl-validator is not installed: run `make install` (package.json pins it)"
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(document))
    return subprocess.run([str(validator), "--json-path", str(path)], capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip


def test_template_matches_snapshot(default: dict[str, Any], snapshot) -> None:  # type: ignore[no-untyped-def]
    assert normalize_template(default) == snapshot.use_extension(JSONSnapshotExtension)


def test_the_definition_is_valid_amazon_states_language(default: dict[str, Any], tmp_path: Path) -> None:
    result = asl_validator(definition(default), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_refuses_a_broken_distributed_map(default: dict[str, Any], tmp_path: Path) -> None:
    broken = definition(default)
    broken["States"]["Score"]["ItemProcessor"]["ProcessorConfig"]["Mode"] = "SIDEWAYS"
    result = asl_validator(broken, tmp_path)
    assert result.returncode != 0 and "ProcessorConfig/Mode" in result.stdout + result.stderr


def test_plan_then_a_distributed_map_over_ranges_then_assembly_then_a_summary(default: dict[str, Any]) -> None:
    document = definition(default)
    states = document["States"]
    assert document["StartAt"] == "Plan"
    assert [states["Plan"]["Next"], states["Score"]["Next"], states["Assemble"]["Next"]] == ["Score", "Assemble",
                                                                                             "Summarize"]  # fmt: skip
    score = states["Score"]
    assert score["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert score["ItemReader"]["Parameters"] == {"Bucket.$": "$.plan.bucket", "Key.$": "$.plan.ranges_key"}
    assert score["ItemSelector"] == {"step": "score", "job.$": "$.plan.job", "range.$": "$$.Map.Item.Value"}
    assert (score["MaxConcurrency"], score.get("ToleratedFailurePercentage", 0)) == (100, 0)
    assert score["ResultPath"] is None  # the parts are the result, not 10,000 answers in the state
    retries = score["ItemProcessor"]["States"]["ScoreOne"]["Retry"]
    assert retries[-1] == {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 5, "MaxAttempts": 3, "BackoffRate": 2,
                           "JitterStrategy": "FULL"}  # fmt: skip
    assert {"ErrorEquals": ["InvalidInput", "PayloadTooLarge", "UnsupportedMediaType", "NotAcceptable"],
            "MaxAttempts": 0} in retries  # fmt: skip
    assert states["Plan"]["Parameters"]["request.$"] == "$"


def test_scale_and_tolerance_come_from_context(own_prefixes: dict[str, Any]) -> None:
    score = definition(own_prefixes)["States"]["Score"]
    assert (score["MaxConcurrency"], score["ToleratedFailurePercentage"]) == (40, 5)
    template = Template.from_json(own_prefixes)
    template.has_resource_properties("AWS::Lambda::Function", {
        "MemorySize": 3008, "Timeout": 900, "EphemeralStorage": {"Size": 512},
        "ImageConfig": {"Command": ["batch_handler.handler"]}, "Architectures": ["arm64"],
        "Environment": {"Variables": Match.object_like({
            "BATCH_INPUT_URI": "s3://customer-data/scoring/in/", "BATCH_OUTPUT_URI": "s3://customer-results/out/",
            "BATCH_RANGE_MB": "32", "MODEL_URI": Match.any_value(), "SCHEMA_URI": Match.any_value()})},
    })  # fmt: skip


def statements(template: dict[str, Any], role_hint: str) -> list[dict[str, Any]]:
    found = []
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::Policy" and role_hint in name:
            found += resource["Properties"]["PolicyDocument"]["Statement"]
    return found


def test_the_worker_reaches_exactly_its_prefixes_and_the_model(own_prefixes: dict[str, Any]) -> None:
    s3 = [s for s in statements(own_prefixes, "Worker") if any(str(a).startswith("s3:") for a in _list(s["Action"]))]
    by_actions = {tuple(_list(s["Action"])): s for s in s3}
    read = by_actions[("s3:GetObject",)]["Resource"]
    assert {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::customer-data/scoring/in/*"]]} in read
    write = by_actions[("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject")]
    assert write["Resource"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                                   ":s3:::customer-results/out/*"]]}  # fmt: skip
    listing = [s for s in s3 if s["Action"] == "s3:ListBucket"]
    assert sorted(s["Condition"]["StringLike"]["s3:prefix"][0] for s in listing) == ["out/*", "scoring/in/*"]
    model_objects = [r for r in read if "scoring/in" not in json.dumps(r)]
    assert len(model_objects) == 3 and not any("*" in json.dumps(r) for r in model_objects)  # model, schema, compiled
    assert not any("s3:*" in _list(s["Action"]) or s.get("Resource") == "*" for s in s3)


def test_the_state_machine_reads_only_the_work_area_and_invokes_its_function(own_prefixes: dict[str, Any]) -> None:
    found = statements(own_prefixes, "StateMachine")
    s3 = [s for s in found if "s3:GetObject" in _list(s["Action"])]
    assert [s["Resource"] for s in s3] == [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                                              ":s3:::customer-results/out/_work/*"]]}]  # fmt: skip
    [invoke] = [s for s in found if s["Action"] == "lambda:InvokeFunction"]
    assert all("ScoringWorkerFunction" in json.dumps(resource) for resource in invoke["Resource"])


def test_by_default_jobs_use_prefixes_of_the_model_bucket(default: dict[str, Any]) -> None:
    [worker] = [r["Properties"] for r in default["Resources"].values()
                if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("PackageType") == "Image"]  # fmt: skip
    variables = worker["Environment"]["Variables"]
    assert json.dumps(variables["BATCH_INPUT_URI"]).endswith('"/batch/input/"]]}')
    assert "ModelBucket" in json.dumps(variables["BATCH_INPUT_URI"])
    assert {"StateMachineArn", "InputUri", "OutputUri"} <= set(default["Outputs"])


def test_logs_all_events_and_traces(default: dict[str, Any]) -> None:
    Template.from_json(default).has_resource_properties("AWS::StepFunctions::StateMachine", {
        "TracingConfiguration": {"Enabled": True}, "StateMachineType": "STANDARD",
        "LoggingConfiguration": Match.object_like({"Level": "ALL"}),
    })  # fmt: skip


def test_failed_jobs_and_failed_rows_notify_the_serving_alarm_topic(default: dict[str, Any]) -> None:
    alarms = {r["Properties"]["AlarmName"]: r["Properties"] for r in default["Resources"].values()
              if r["Type"] == "AWS::CloudWatch::Alarm"}  # fmt: skip
    assert set(alarms) == {"BatchStack-executions-failed", "BatchStack-failed-rows"}
    for alarm in alarms.values():
        assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["TreatMissingData"]) == (
            1,
            "GreaterThanOrEqualToThreshold",
            "notBreaching",
        )
        [topic] = {json.dumps(action) for action in alarm["AlarmActions"] + alarm["OKActions"]}
        assert "ServingStack" in topic and "MonitoringAlarmTopic" in topic, "ServingStack's topic, imported"
    executions = {query["MetricStat"]["Metric"]["MetricName"] for query in alarms["BatchStack-executions-failed"]
                  ["Metrics"] if "MetricStat" in query}  # fmt: skip
    assert executions == {"ExecutionsFailed", "ExecutionsTimedOut"}
    rows = alarms["BatchStack-failed-rows"]
    assert (rows["Namespace"], rows["MetricName"], rows["Statistic"]) == ("XgboostServerless", "FailedRows", "Sum")
    assert {d["Name"]: d["Value"] for d in rows["Dimensions"]}["Backend"] == "batch"  # what batch_handler writes


def test_batch_disabled_means_no_batch_stack(training_inputs: dict[str, str], tmp_path: Path) -> None:
    context = app_context(training_inputs, batchEnabled="false")
    app = new_app(context, outdir=tmp_path)
    cdk_app.build(app, load_config(context, repo_root=REPO_ROOT))
    assert app.node.try_find_child("BatchStack") is None


@pytest.mark.parametrize(("key", "value", "message"), [
    ("batchInputUri", "s3://bucket/no-slash", "must be a prefix ending in '/'"),
    ("batchOutputUri", "https://bucket/x/", "must be null or an S3 prefix"),
    ("batchMaxConcurrency", 0, "between 1 and 10000"),
    ("batchRangeMb", 2048, "between 1 and 1024"),
    ("batchToleratedFailurePercent", 101, "between 0 and 100"),
    ("batchEnabled", "yes", "must be true or false"),
])  # fmt: skip
def test_bad_batch_context_is_refused_by_name(training_inputs: dict[str, str], key: str, value: object,
                                              message: str) -> None:  # fmt: skip
    with pytest.raises(ConfigError, match=message) as raised:
        load_config(app_context(training_inputs, **{key: value}), repo_root=REPO_ROOT)
    assert repr(key) in str(raised.value)


def test_input_and_output_may_not_contain_one_another(training_inputs: dict[str, str]) -> None:
    context = app_context(training_inputs, batchInputUri="s3://data/jobs/", batchOutputUri="s3://data/jobs/out/")
    with pytest.raises(ConfigError, match="must not contain one another"):
        load_config(context, repo_root=REPO_ROOT)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_definition_runs_a_job_end_to_end_on_a_local_s3(default: dict[str, Any], aws_env: str,
                                                             model_tarball: Path) -> None:  # fmt: skip
    """The synthesized definition's own payloads and paths, walked in order, drive the real steps against
    moto's S3 server: whatever the Lambda receives is what the state machine would send it."""
    import boto3

    from inference.batch import steps
    from inference.model.bundle import ModelBundle
    from inference.settings import Settings
    from tests.support import asl
    from tests.support.batch import housing_rows

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="flow-bucket")
    lines = housing_rows(30_000)[1]
    lines[5] = b"not,a,row"
    s3.put_object(Bucket="flow-bucket", Key="batch/input/a.csv", Body=b"\n".join(lines) + b"\n")
    config = Settings(batch_input_uri="s3://flow-bucket/batch/input/",
                      batch_output_uri="s3://flow-bucket/batch/output/", batch_range_mb=1)  # fmt: skip
    bundle = ModelBundle.load(str(model_tarball))
    sent: list[Any] = []

    def invoke(payload: Any) -> Any:
        sent.append(json.loads(json.dumps(payload)))  # what crosses the wire is JSON
        return steps.run(sent[-1], s3, config, lambda: bundle)

    started = {"input": "s3://flow-bucket/batch/input/", "output": "s3://flow-bucket/batch/output/"}
    context = {"Execution": {"Name": "job-1", "StartTime": "2026-01-01T00:00:00Z"}}
    summary = asl.run(definition(default), started, invoke, s3, context)
    names = [payload["step"] for payload in sent]
    ranges = names.count("score")
    assert ranges >= 2 and names == ["plan", *["score"] * ranges, "assemble", "summarize"]
    assert sorted(payload["range"]["range"] for payload in sent[1 : 1 + ranges]) == list(range(ranges))
    assert (summary["rows"], summary["failed_rows"], summary["objects"]) == (30_000, 1, 1)
    answers = s3.get_object(Bucket="flow-bucket", Key="batch/output/a.csv.out")["Body"].read().split(b"\n")
    assert len(answers) == 30_001 and answers[5] == b"" and all(answers[:5]) and all(answers[6:-1])
