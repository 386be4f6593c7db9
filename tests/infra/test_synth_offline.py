"""Synthesis needs no AWS configuration and never imports sagemaker (the image table is committed data).

Each case synthesizes the whole app (both stacks, cdk-nag attached, as ``app.py`` builds it) in a fresh
interpreter, so neither the environment nor modules imported by other tests leak in. The interpreter reports
the templates it wrote, the regions of TrainingStack's image mapping and every ``sagemaker`` module it loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import REPO_ROOT

MISSING_PROFILE = "xgboost-serverless-no-such-profile"
Report = dict[str, Any]

SYNTHESIZE = """
import json, sys
from pathlib import Path
from tests.infra.conftest import app_context, new_app, write_training_inputs
import app as cdk_app

workdir = Path(sys.argv[1])
application = new_app(app_context(write_training_inputs(workdir)), outdir=workdir / "cdk.out")
cdk_app.build(application, cdk_app.read_config(application))
application.synth()
training = json.loads((workdir / "cdk.out" / "TrainingStack.template.json").read_text(encoding="utf-8"))
print(json.dumps({
    "templates": sorted(path.name for path in (workdir / "cdk.out").glob("*.template.json")),
    "mapping_regions": [len(mapping) for mapping in training.get("Mappings", {}).values()],
    "sagemaker_modules": sorted(name for name in sys.modules if name.split(".")[0] == "sagemaker"),
}))
"""


def _synthesize(workdir: Path, aws_profile: str | None) -> Report:
    """Run SYNTHESIZE with no AWS_* variable but ``AWS_PROFILE`` (when given) and empty AWS config files."""
    workdir.mkdir(parents=True)
    (workdir / "aws-config").write_text("", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env |= {"AWS_CONFIG_FILE": str(workdir / "aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "aws-config")}
    if aws_profile is not None:
        env["AWS_PROFILE"] = aws_profile
    result = subprocess.run(
        [sys.executable, "-c", SYNTHESIZE, str(workdir)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str | None], Report]:
    """``synthesized(aws_profile)`` -> the interpreter's report; each profile value is synthesized once."""
    reports: dict[str | None, Report] = {}

    def report(aws_profile: str | None) -> Report:
        if aws_profile not in reports:
            reports[aws_profile] = _synthesize(tmp_path_factory.mktemp("synth") / "run", aws_profile)
        return reports[aws_profile]

    return report


@pytest.mark.parametrize("aws_profile", [MISSING_PROFILE, ""], ids=["missing-profile", "empty-profile"])
def test_synthesis_works_whatever_aws_profile_names(
    synthesized: Callable[[str | None], Report], aws_profile: str
) -> None:
    report = synthesized(aws_profile)
    assert report["templates"] == [
        "BatchStack.template.json",
        "ServingStack.template.json",
        "TrainingStack.template.json",
    ]
    assert len(report["mapping_regions"]) == 1 and report["mapping_regions"][0] > 30


def test_synthesis_does_not_import_sagemaker(synthesized: Callable[[str | None], Report]) -> None:
    report = synthesized(None)
    assert report["templates"] == [
        "BatchStack.template.json",
        "ServingStack.template.json",
        "TrainingStack.template.json",
    ]
    assert report["sagemaker_modules"] == []
