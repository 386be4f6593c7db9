"""The whole app as ``app.py`` builds it: cdk-nag, cfn-lint, warnings, Docker, and how the stacks are wired."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from syrupy.extensions.json import JSONSnapshotExtension

import app as cdk_app
from tests.infra.conftest import REPO_ROOT, app_context, new_app

PINNED = "s3://pinned-models/models/xgboost-0123/output/model.tar.gz"
PINNED_SCHEMA = "s3://pinned-models/data/0123456789abcdef/schema.json"
NAG_ID = re.compile(r"AwsSolutions-[A-Z]+[0-9]+(\[[^\]]+\])?")


@pytest.fixture(scope="module")
def synthesized(training_inputs, tmp_path_factory) -> tuple[cdk.App, Path]:  # type: ignore[no-untyped-def]
    """The app exactly as ``app.py`` builds it (with CloudFormation validation), synthesized once."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = new_app(app_context(training_inputs), outdir=outdir, validation=True)
    cdk_app.build(app, cdk_app.read_config(app))
    app.synth()  # raises if cdk-nag or CloudFormation validation reports anything unacknowledged
    return app, outdir


def _acknowledgements(app: cdk.App, stack: str) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY and construct.node.path.startswith(stack):
                found.setdefault(construct.node.path, {}).update(
                    {rule.removeprefix("Annotation::"): reason for rule, reason in dict(entry.data).items()}
                )
    return found


def test_synthesis_passes_nag_with_no_violations(synthesized) -> None:  # type: ignore[no-untyped-def]
    _, outdir = synthesized
    report = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    assert report["pluginReports"] == []
    assert sorted(p.name for p in outdir.glob("*.template.json")) == [
        "BatchStack.template.json",
        "ServingStack.template.json",
        "TrainingStack.template.json",
    ]


def test_nag_is_attached_and_fails_synthesis_on_a_new_finding(training_inputs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = new_app(app_context(training_inputs), outdir=tmp_path)
    training, _ = cdk_app.build(app, cdk_app.read_config(app))
    s3.Bucket(training, "Unlogged", enforce_ssl=True)
    with pytest.raises(RuntimeError) as raised:
        app.synth()
    findings = re.findall(r"ERROR .*\n\s+(\S+) .*\n\s+Acknowledge with '(\S+)'", str(raised.value))
    assert findings == [("TrainingStack/Unlogged/Resource", "AwsSolutions::AwsSolutions-S1")]


def test_training_stack_acknowledgements_are_precise_and_reasoned(synthesized, snapshot) -> None:  # type: ignore[no-untyped-def]
    app, _ = synthesized
    acknowledgements = _acknowledgements(app, "TrainingStack/")
    for findings in acknowledgements.values():
        for finding, reason in findings.items():
            assert NAG_ID.fullmatch(finding), finding
            assert not finding.startswith(("AwsSolutions-IAM4", "AwsSolutions-IAM5")) or "[" in finding
            assert len(reason) > 40, finding
    assert acknowledgements == snapshot.use_extension(JSONSnapshotExtension)


def test_cfn_lint_finds_nothing_in_any_template(synthesized) -> None:  # type: ignore[no-untyped-def]
    _, outdir = synthesized
    templates = sorted(str(p) for p in outdir.glob("*.template.json"))
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(  # run from the repo root so .cfnlintrc.yaml applies, as in `make cfn-lint`
        [str(cfn_lint), *templates], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize("dataset", ["california_housing", "iris", "breast_cancer"])
def test_app_py_synthesizes_each_dataset_without_warnings_or_docker(inputs_for, tmp_path, dataset) -> None:  # type: ignore[no-untyped-def]
    """What ``cdk synth -c dataset=<name>`` runs (the CLI passes context in CDK_CONTEXT_JSON): offline, cdk-nag
    attached (an unacknowledged finding in either stack fails it), no Docker."""
    fake_bin, outdir, docker_calls = tmp_path / "bin", tmp_path / "cdk.out", tmp_path / "docker-calls"
    fake_bin.mkdir()
    docker = fake_bin / "docker"
    docker.write_text(f'#!/bin/sh\necho "$@" >> {docker_calls}\nexit 1\n', encoding="utf-8")
    docker.chmod(0o755)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(fake_bin), str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(app_context(inputs_for(dataset))),
    }
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert not docker_calls.exists()
    assert annotations(outdir) == []
    images = json.loads((outdir / "ServingStack.assets.json").read_text(encoding="utf-8"))["dockerImages"]
    assert images and all((outdir / image["source"]["directory"]).is_dir() for image in images.values())
    training = json.loads((outdir / "TrainingStack.template.json").read_text(encoding="utf-8"))
    [job] = [r for r in training["Resources"].values() if r["Type"] == "Custom::SageMakerTrainingJob"]
    assert ("num_class" in job["Properties"]["HyperParameters"]) == (dataset == "iris")
    assert training["Description"] == f"XGBoost model training ({dataset})"
    serving = (outdir / "ServingStack.template.json").read_text(encoding="utf-8")
    assert '"SCHEMA_URI"' in serving and "SchemaKey" in serving


def annotations(outdir: Path) -> list[str]:
    """Every info, warning and error annotation of the assembly in ``outdir``: "<path>: <message>".

    The CLI prints each one on ``cdk synth``. An info is no less a finding: CDK says "may cause a circular
    dependency error" at that level. Metadata lives inline in manifest.json or, in current CDK, in each stack's
    ``additionalMetadataFile``; both are read.
    """
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    found = []
    for artifact in manifest["artifacts"].values():
        metadata = dict(artifact.get("metadata", {}))
        if "additionalMetadataFile" in artifact:
            metadata.update(json.loads((outdir / artifact["additionalMetadataFile"]).read_text(encoding="utf-8")))
        found += [f"{path}: {entry['data']}" for path, entries in metadata.items() for entry in entries
                  if entry["type"] in ("aws:cdk:info", "aws:cdk:warning", "aws:cdk:error")]  # fmt: skip
    return found


def test_app_py_reports_a_configuration_error_without_a_traceback(inputs_for) -> None:  # type: ignore[no-untyped-def]
    context = app_context({**inputs_for("iris"), "dataset": "breast_cancer"})
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context)}
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    data_dir = inputs_for("iris")["trainingDataDir"]
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"configuration error: the training data in {data_dir} was prepared for dataset 'iris', not 'breast_cancer' "
        "(context key 'dataset' is 'breast_cancer'). Run `make data DATASET=breast_cancer` (python -m training.data "
        f"--dataset breast_cancer --out {data_dir}) to prepare it.\n"
    )


def _serving_template(training_inputs: dict[str, str], **overrides: Any) -> tuple[Any, Template]:
    app = new_app(app_context(training_inputs, **overrides))
    _, serving = cdk_app.build(app, cdk_app.read_config(app))
    return serving, Template.from_stack(serving)


def test_serving_stack_serves_the_trained_model_by_default(training_inputs) -> None:  # type: ignore[no-untyped-def]
    serving, template = _serving_template(training_inputs)
    assert [stack.stack_name for stack in serving.dependencies] == ["TrainingStack"]
    outputs = re.findall(r'"OutputName": "(\w+)"', json.dumps(template.to_json()))
    assert any("TrainingJobName" in name for name in outputs)
    assert any("ModelArtifactKey" in name for name in outputs)


def test_a_pinned_model_is_served_without_training_stack(training_inputs) -> None:  # type: ignore[no-untyped-def]
    serving, template = _serving_template(training_inputs, modelArtifactUri=PINNED, modelSchemaUri=PINNED_SCHEMA)
    rendered = json.dumps(template.to_json())
    assert serving.dependencies == []
    assert "TrainingStack" not in rendered
    assert f'"MODEL_URI": "{PINNED}"' in rendered and '"MODEL_VERSION": "xgboost-0123"' in rendered
    assert f'"SCHEMA_URI": "{PINNED_SCHEMA}"' in rendered


def test_a_pinned_schema_may_live_in_another_bucket(training_inputs) -> None:  # type: ignore[no-untyped-def]
    schema = "s3://shared-schemas/iris/schema.json"
    _, template = _serving_template(
        training_inputs, modelArtifactUri=PINNED, modelSchemaUri=schema, dataCapturePercent=0
    )  # the backends' grants alone, no monitor
    resources = [
        resource
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "s3:GetObject"
        for resource in statement["Resource"]
    ]
    arns = {json.dumps(resource) for resource in resources}
    assert len(arns) == 2 and any("shared-schemas/iris/schema.json" in arn for arn in arns)


def test_a_pinned_compiled_form_may_live_in_a_third_bucket(training_inputs) -> None:  # type: ignore[no-untyped-def]
    compiled = "s3://compiled-models/xgboost-0123/model.compiled.npz"
    _, template = _serving_template(
        training_inputs,
        modelArtifactUri=PINNED,
        modelSchemaUri=PINNED_SCHEMA,
        compiledModelUri=compiled,
        dataCapturePercent=0,
    )
    rendered = json.dumps(template.to_json())
    assert f'"COMPILED_MODEL_URI": "{compiled}"' in rendered and "TrainingStack" not in rendered
    readable = {
        json.dumps(resource)
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "s3:GetObject"
        for resource in (statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]])
    }
    buckets = sorted(arn.split(":::")[1].split("/")[0] for arn in readable)
    assert buckets == ["compiled-models", "compiled-models", "pinned-models", "pinned-models"]  # + expected answers


def test_a_pinned_models_digests_are_what_every_backend_checks(training_inputs) -> None:  # type: ignore[no-untyped-def]
    compiled = "s3://compiled-models/xgboost-0123/model.compiled.npz"
    digests = {"modelArtifactSha256": "0a" * 32, "compiledModelSha256": "1b" * 32}
    _, template = _serving_template(training_inputs, modelArtifactUri=PINNED, modelSchemaUri=PINNED_SCHEMA,
                                    compiledModelUri=compiled, **digests)  # fmt: skip
    functions = template.find_resources("AWS::Lambda::Function", {"Properties": {"PackageType": "Image"}})
    environments = [f["Properties"]["Environment"]["Variables"] for f in functions.values()]
    for task in template.find_resources("AWS::ECS::TaskDefinition").values():
        environments.append(
            {e["Name"]: e["Value"] for e in task["Properties"]["ContainerDefinitions"][0]["Environment"]}
        )
    backends = [environment for environment in environments if "BACKEND_NAME" in environment]  # not hooks or monitor
    assert len(backends) == 3
    for environment in backends:
        assert (environment["MODEL_SHA256"], environment["COMPILED_MODEL_SHA256"]) == ("0a" * 32, "1b" * 32)
