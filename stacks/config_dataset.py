"""The data set a deployment trains on: its spec, the prepared data directory, and the job's hyperparameters.

``dataset`` names a bundled spec (``iris``) or a spec file; ``trainingDataDir`` must hold what
``python -m training.data --dataset <it>`` writes for that very spec (channels and ``schema.json``), so a
deployment never trains one data set's rows under another's schema. The hyperparameters are the spec's;
``hyperparametersFile`` replaces them, and gets the spec's objective, ``num_class`` and ``eval_metric``
merged and checked by the same code the spec uses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from inference.model.schema import Schema, SchemaError
from inference.monitoring.baseline import BASELINE_NAME
from stacks import config_values as values
from stacks.config_values import ConfigError
from training import spec as dataset_spec
from training.hyperparameters import HyperparameterError
from training.quality_gate import QualityGate

CHANNEL_FILES: dict[str, str] = {"train": "train/train.csv", "validation": "validation/validation.csv"}
"""The channels the training job reads, relative to the training data directory."""
SCHEMA_FILE = "schema.json"
"""The schema document ``python -m training.data`` writes beside the channels (serving reads it beside the model)."""
BASELINE_FILE = BASELINE_NAME
"""The data's baseline ``python -m training.data`` writes beside the schema (the compile step adds the answers)."""


@dataclass(frozen=True)
class DatasetInputs:
    name: str
    """The spec's (and the schema's) name."""
    data_dir: Path
    hyperparameters: Mapping[str, str]
    """As CreateTrainingJob takes them: strings, sorted by name, objective/num_class/eval_metric included."""
    quality_gate: QualityGate


def dataset_inputs(ctx: Mapping[str, object], repo_root: Path) -> DatasetInputs:
    given = ctx["dataset"]
    spec = _spec("dataset", given, repo_root)
    command = f"`make data DATASET={given}` (python -m training.data --dataset {given} --out {ctx['trainingDataDir']})"
    data_dir = _training_data_dir("trainingDataDir", ctx["trainingDataDir"], repo_root, command)
    _check_schema(data_dir, spec.schema, str(given), command)
    if not (data_dir / BASELINE_FILE).is_file():
        raise ConfigError(f"the training data in {data_dir} has no {BASELINE_FILE} (it was prepared before models had "
                          f"baselines). Run {command} to prepare it again.")  # fmt: skip
    return DatasetInputs(
        name=spec.name,
        data_dir=data_dir,
        hyperparameters=_hyperparameters("hyperparametersFile", ctx["hyperparametersFile"], repo_root, spec),
        quality_gate=spec.gate,
    )


def resolve_path(key: str, value: object, repo_root: Path) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"context key {key!r} must be a path, got {value!r}")
    path = Path(value)
    return path if path.is_absolute() else repo_root / path


def _spec(key: str, value: object, repo_root: Path) -> dataset_spec.DatasetSpec:
    """A bundled name as it is; a ``.toml`` path relative to the repository root, like every other path."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"context key {key!r} must be a bundled data set or a spec path, got {value!r}")
    located = str(repo_root / value) if value.endswith(".toml") and not Path(value).is_absolute() else value
    try:
        return dataset_spec.load(located)
    except dataset_spec.SpecError as error:
        raise ConfigError(f"context key {key!r}: {error}") from None


def _training_data_dir(key: str, value: object, repo_root: Path, command: str) -> Path:
    """The directory ``python -m training.data`` writes; every channel file must exist and be non-empty."""
    directory = resolve_path(key, value, repo_root)
    for relative in CHANNEL_FILES.values():
        channel = directory / relative
        if not channel.is_file() or channel.stat().st_size == 0:
            raise ConfigError(
                f"training data not found: {channel} is missing or empty (context key {key!r} is {value!r}). "
                f"Run {command} to prepare it."
            )
    return directory


def _check_schema(data_dir: Path, expected: Schema, given: str, command: str) -> None:
    """``schema.json`` exists, is valid, and was prepared from this spec (name, task, objective, labels, features)."""
    path = data_dir / SCHEMA_FILE
    if not path.is_file():
        raise ConfigError(
            f"the training data in {data_dir} has no {SCHEMA_FILE} (it was prepared before data sets had specs). "
            f"Run {command} to prepare it again."
        )
    try:
        found = Schema.from_document(json.loads(path.read_text(encoding="utf-8")), origin=str(path))
    except (OSError, ValueError, RecursionError) as error:  # SchemaError and JSON errors are ValueErrors
        reason = error if isinstance(error, SchemaError) else f"{path} is not valid JSON ({error})"
        raise ConfigError(f"{reason}. Run {command} to prepare it again.") from None
    if found.name != expected.name:
        raise ConfigError(
            f"the training data in {data_dir} was prepared for dataset {found.name!r}, not {expected.name!r} "
            f"(context key 'dataset' is {given!r}). Run {command} to prepare it."
        )
    stale = [what for what, ours, theirs in _compared(expected, found) if ours != theirs]
    if stale:
        raise ConfigError(
            f"{path} was prepared from another version of the {expected.name!r} spec (different "
            f"{', '.join(stale)}). Run {command} to prepare it again."
        )


def _compared(ours: Schema, theirs: Schema) -> list[tuple[str, object, object]]:
    return [
        ("features", ours.names, theirs.names),
        ("task", ours.task, theirs.task),
        ("objective", ours.target.objective, theirs.target.objective),
        ("labels", ours.target.labels, theirs.target.labels),
    ]


def _hyperparameters(key: str, value: object, repo_root: Path, spec: dataset_spec.DatasetSpec) -> Mapping[str, str]:
    """The spec's; or the file's, with the spec's objective/num_class/eval_metric merged and checked."""
    if values.is_null(value) or value == "":
        return MappingProxyType(dict(spec.hyperparameters))
    path = resolve_path(key, value, repo_root)
    if not path.is_file():
        raise ConfigError(f"hyperparameters file not found: {path} (context key {key!r} is {value!r})")
    try:
        # the spec's own merge and checks (training.spec offers them only as this private function)
        merged = dataset_spec.merged_hyperparameters(str(path), spec.target, spec.gate, spec.path)
    except HyperparameterError as error:
        raise ConfigError(f"context key {key!r}: {error}") from None
    return MappingProxyType(dict(sorted(merged.items())))
