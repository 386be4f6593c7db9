"""Infrastructure test fixtures: tiny training inputs, Apps built from explicit context, a template normalizer.

Every App gets the feature flags from ``cdk.json`` (they change what is synthesized) plus the context the
test states; tunables the test does not state take ``stacks.config.DEFAULTS``. Training inputs are a tiny
data directory written here (channels and the ``schema.json`` of a bundled spec), never the real data set.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

_VENV_NODE = Path(sys.executable).with_name("node")
if _VENV_NODE.is_file():  # jsii starts `node`: use the venv's Node 24, not an end-of-life system Node
    os.environ.setdefault("JSII_NODE", str(_VENV_NODE))

import aws_cdk as cdk  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from inference.monitoring.baseline import feature_baseline  # noqa: E402
from stacks.config import load_config  # noqa: E402
from stacks.training_stack import TrainingStack  # noqa: E402
from training import spec as dataset_spec  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
CDK_JSON: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))
FEATURE_FLAGS = {key: value for key, value in CDK_JSON["context"].items() if key.startswith("@")}
HYPERPARAMETERS = {"num_round": "20", "max_depth": "4", "eta": "0.3", "objective": "reg:squarederror"}
"""An explicit ``hyperparametersFile`` (see ``write_hyperparameters``) for California Housing."""
_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
MASKED_ASSET_HASH = "<asset-hash>"
_VERSION_HASH = re.compile(r"(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}")
"""A Lambda version's logical ID ends with a hash of its function's configuration, image digest included."""
_ROW_COUNTS = {"train/train.csv": 2, "validation/validation.csv": 1, "test/test.csv": 1}


def write_training_inputs(
    directory: Path, *, dataset: str = "california_housing", label_offset: float = 0.0
) -> dict[str, str]:
    """A data directory shaped like ``python -m training.data --dataset <dataset>``'s: channels (label first,
    then one column per feature of the bundled spec), ``manifest.json``, that spec's ``schema.json`` and the
    train rows' ``baseline.json``.

    Returns the context keys that point at it. ``label_offset`` changes the data (and so its hash).
    """
    schema = dataset_spec.load(dataset).schema
    data_dir = directory / "training-data"
    for relative, count in _ROW_COUNTS.items():
        path = data_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = [[row % 2 + label_offset, *(0.5 * (row + column) for column in range(len(schema.features)))]
                for row in range(count)]  # fmt: skip
        path.write_text("".join(",".join(f"{v:g}" for v in row) + "\n" for row in rows), encoding="utf-8")
    (data_dir / "manifest.json").write_text(json.dumps({"rows": {"kept": 4}}), encoding="utf-8")
    write_schema(data_dir, schema.to_document())
    train = np.array([[0.5 * (row + column) for column in range(len(schema.features))] for row in range(2)])
    baseline = feature_baseline(schema, train).to_document()
    (data_dir / "baseline.json").write_text(json.dumps(baseline, indent=2), encoding="utf-8")
    return {"trainingDataDir": str(data_dir), "dataset": dataset}


def write_schema(data_dir: Path, document: Mapping[str, Any]) -> Path:
    path = data_dir / "schema.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def write_hyperparameters(directory: Path, values: Mapping[str, object] = HYPERPARAMETERS) -> dict[str, str]:
    """A ``hyperparametersFile`` (the override of the spec's); returns the context key pointing at it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "hyperparameters.json"
    path.write_text(json.dumps(dict(values)), encoding="utf-8")
    return {"hyperparametersFile": str(path)}


@pytest.fixture(scope="session")
def training_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return write_training_inputs(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="session")
def inputs_for(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, str]]:
    """``inputs_for("iris")`` -> the context keys of a data directory prepared for that bundled spec (once)."""

    @cache
    def write(dataset: str) -> dict[str, str]:
        return write_training_inputs(tmp_path_factory.mktemp(f"inputs-{dataset}"), dataset=dataset)

    return write


def app_context(inputs: Mapping[str, str], **overrides: object) -> dict[str, object]:
    """cdk.json's feature flags, the test's inputs, and the test's overrides (nothing else from cdk.json)."""
    return {**FEATURE_FLAGS, **inputs, **overrides}


def new_app(context: Mapping[str, object], *, outdir: Path | None = None, validation: bool = False) -> cdk.App:
    """An App with exactly ``context``; CloudFormation validation (slow) only when a test asks for it."""
    return cdk.App(
        context=dict(context),
        outdir=str(outdir) if outdir else None,
        builtin_cloud_formation_validation=validation,
    )


def normalize_template(value: Any) -> Any:
    """``value`` with every asset hash (S3 keys of zips, image tags, staged paths) and every Lambda version's
    configuration hash masked, for snapshots (a change to an image's code changes both)."""
    if isinstance(value, dict):
        return {normalize_template(key): normalize_template(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalize_template(item) for item in value]
    if isinstance(value, str):
        return _VERSION_HASH.sub(r"\1<configuration-hash>", _ASSET_HASH.sub(MASKED_ASSET_HASH, value))
    return value


@pytest.fixture(scope="session")
def training_stack(training_inputs: dict[str, str]) -> Callable[..., tuple[TrainingStack, Template]]:
    """``training_stack(**context_overrides)`` -> (stack, template); each distinct context is built once."""

    @cache
    def build(overrides: tuple[tuple[str, object], ...]) -> tuple[TrainingStack, Template]:
        context = app_context(training_inputs, **dict(overrides))
        app = new_app(context)
        config = load_config(context, repo_root=REPO_ROOT)
        stack = TrainingStack(app, "TrainingStack", config=config.training)
        return stack, Template.from_stack(stack)

    return lambda **overrides: build(tuple(sorted(overrides.items())))


# The whole app synthesized as `cdk synth` does, per context (cached in tests/infra/serving_app.py, which
# imports this module: hence the imports inside the fixtures).
@pytest.fixture(scope="session")
def default(training_inputs: dict[str, str]) -> Any:
    from tests.infra.serving_app import synthesize

    return synthesize(training_inputs)


@pytest.fixture(scope="session")
def open_lambda_only(training_inputs: dict[str, str]) -> Any:
    from tests.infra.serving_app import OPEN_AND_LAMBDA_ONLY, synthesize

    return synthesize(training_inputs, **OPEN_AND_LAMBDA_ONLY)


@pytest.fixture(scope="session")
def pinned(training_inputs: dict[str, str]) -> Any:
    from tests.infra.serving_app import PINNED_X86, synthesize

    return synthesize(training_inputs, **PINNED_X86)


@pytest.fixture(scope="session")
def pinned_compiled(training_inputs: dict[str, str]) -> Any:
    from tests.infra.serving_app import PINNED_COMPILED, synthesize

    return synthesize(training_inputs, **PINNED_COMPILED)
