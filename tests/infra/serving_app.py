"""Synthesize the whole app the way ``app.py`` does (both stacks, cdk-nag attached), once per context.

ServingStack tests read what ``cdk synth`` writes: both templates, the asset manifest, the staged Docker
contexts and the policy validation report.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aws_cdk import Validations
from aws_cdk.assertions import Template

import app as cdk_app
from stacks.config import load_config
from tests.infra.conftest import REPO_ROOT, app_context, new_app
from tests.support.intrinsics import render

__all__ = ["render"]

PINNED_URI = "s3://pinned-models/models/xgboost-20260101-1200/output/model.tar.gz"
PINNED_SCHEMA_URI = "s3://pinned-models/data/0123456789abcdef/schema.json"
PINNED_VERSION = "xgboost-20260101-1200"
PINNED_COMPILED_URI = "s3://pinned-models/models/xgboost-20260101-1200/output/model.compiled.npz"
ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY


@dataclass(frozen=True)
class Synthesized:
    outdir: Path
    template: Template
    """ServingStack."""
    training_template: Template
    violations: list[dict[str, Any]]
    """cdk-nag findings (validation report) on ServingStack constructs."""
    acknowledged: dict[str, list[str]]
    """Rule id -> construct paths in ServingStack that acknowledge it."""

    def json(self) -> dict[str, Any]:
        return dict(self.template.to_json())

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return dict(self.template.find_resources(resource_type))

    def docker_assets(self) -> dict[str, dict[str, Any]]:
        """Image tag (asset hash) -> the asset's source entry in ServingStack's asset manifest."""
        manifest = json.loads((self.outdir / "ServingStack.assets.json").read_text())
        return {tag: entry["source"] for tag, entry in manifest.get("dockerImages", {}).items()}


def _acknowledgements(app: Any) -> dict[str, list[str]]:
    """cdk-nag rule id -> paths of the ServingStack constructs that acknowledge it (each with a reason).

    CDK's own constructs acknowledge some CloudFormation-Validate rules; only AwsSolutions ones count here.
    """
    found: dict[str, list[str]] = {}
    for construct in app.node.find_all():
        path = construct.node.path
        for entry in construct.node.metadata:
            if entry.type == ACKNOWLEDGED and path.startswith("ServingStack/"):
                for qualified_id, reason in dict(entry.data).items():
                    rule_id = qualified_id.removeprefix("Annotation::")
                    if rule_id.startswith("AwsSolutions-"):
                        assert len(reason.strip()) > 20, f"{rule_id} on {path} gives no real reason"
                        found.setdefault(rule_id, []).append(path)
    return found


@cache
def _synthesize(inputs: tuple[tuple[str, str], ...], overrides: tuple[tuple[str, object], ...]) -> Synthesized:
    context = app_context(dict(inputs), **dict(overrides))
    outdir = Path(tempfile.mkdtemp(prefix="serving-synth-"))
    atexit.register(shutil.rmtree, outdir, ignore_errors=True)
    app = new_app(context, outdir=outdir)
    cdk_app.build(app, load_config(context, repo_root=REPO_ROOT))
    try:
        app.synth()
    except RuntimeError as error:  # cdk-nag findings: the report below says which
        if "ValidationFailed" not in str(error):
            raise
    report = json.loads((outdir / "validation-report.json").read_text())
    violations = [
        {"rule": violation["ruleName"], "path": construct["constructPath"]}
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
        if construct["constructPath"].startswith("ServingStack/")
    ]
    templates = {
        name: json.loads((outdir / f"{name}.template.json").read_text()) for name in ("ServingStack", "TrainingStack")
    }
    return Synthesized(
        outdir,
        Template.from_json(templates["ServingStack"]),
        Template.from_json(templates["TrainingStack"]),
        violations,
        _acknowledgements(app),
    )


def synthesize(inputs: Mapping[str, str], **overrides: object) -> Synthesized:
    return _synthesize(tuple(sorted(inputs.items())), tuple(sorted(overrides.items())))


OPEN_AND_LAMBDA_ONLY = {
    "apiAuth": "none", "fargateEnabled": False, "lambdaMemoryMb": 2048, "lambdaTimeoutSeconds": 20,
    "lambdaReservedConcurrency": 5, "logRetentionDays": 7, "apiThrottleRateLimit": 5, "apiThrottleBurstLimit": 10,
}  # fmt: skip
PINNED_X86 = {
    "modelArtifactUri": PINNED_URI, "modelSchemaUri": PINNED_SCHEMA_URI, "fargateArchitecture": "x86_64",
    "fargateWorkers": 3, "fargateCpu": 512, "fargateMemoryMb": 1024, "fargateMinTasks": 2, "fargateMaxTasks": 6,
    "dataCapturePercent": 0,
}  # fmt: skip
"""A pinned model, Fargate on x86_64, and no capture: the model wiring alone (capture: test_serving_capture.py)."""
PINNED_COMPILED = {**PINNED_X86, "compiledModelUri": PINNED_COMPILED_URI}
