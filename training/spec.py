"""Dataset specs: one human-edited TOML file per data set (``datasets/<name>.toml``), validated on load.

TOML, read with the standard library's ``tomllib``: comments for the person editing it, typed values,
tables for features, and no dependency. A spec holds everything dataset-specific (see
``datasets/california_housing.toml``):

- ``name``, ``description``; ``[source]`` with ``sklearn = "<bundled loader>"`` or ``csv = "<path>"``
  (relative to the spec file);
- ``[target]``: ``column``, ``task`` (regression, binary, multiclass), ``objective`` (a default per task),
  for regression ``unit``/``scale``/``decimals``, for classification ``labels`` in class order;
- ``[[features]]`` in model order: ``name``, ``column`` (source column, default the name), ``description``,
  ``unit``, ``minimum``/``maximum``, ``missing`` (may be missing), or ``categories`` for a categorical one, and
  for a categorical one that may be missing ``unknown_categories = "missing"`` to read a name it does not list
  as missing instead of refusing it (the default, ``"refuse"``: a 400 naming the feature and its categories);
- ``[example]``: one valid row; ``[training]``: ``hyperparameters`` (a table, or a JSON file path),
  ``seed``, and ``[training.quality_gate]`` with ``metric`` and ``threshold``;
- ``[monitoring]``: ``psi_threshold`` (default 0.2), the drift threshold of every feature and of the answers;
  a feature's own ``drift_threshold`` in its ``[[features]]`` table.

Every error names the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inference.model.schema import Schema, SchemaError, Target
from inference.monitoring.baseline import DEFAULT_PSI_THRESHOLD
from training import spec_monitoring
from training.hyperparameters import HyperparameterError, load_strings, parse, stringify
from training.quality_gate import GateError, QualityGate, parse_gate

DATASETS_DIR = Path(__file__).resolve().parent.parent / "datasets"
DEFAULT_DATASET = "california_housing"
SKLEARN_LOADERS = ("california_housing", "breast_cancer", "iris")
_TOP_KEYS = {"name", "description", "source", "target", "features", "example", "training", "monitoring"}
_NOT_SCHEMA_KEYS = {"column", spec_monitoring.FEATURE_KEY}
"""Feature keys of the spec that the schema does not hold."""
_TRAINING_KEYS = {"hyperparameters", "seed", "quality_gate"}


class SpecError(ValueError):
    """A dataset spec cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Source:
    kind: str  # "sklearn" or "csv"
    value: str  # the loader name, or the CSV's absolute path


@dataclass(frozen=True)
class DatasetSpec:
    path: Path
    schema: Schema
    description: str
    source: Source
    columns: tuple[str, ...]
    """The source column of each feature, in model order."""
    hyperparameters: Mapping[str, str]
    """As CreateTrainingJob takes them (strings), objective, num_class and eval_metric included."""
    gate: QualityGate
    seed: int
    target_column: str = ""
    """The target's source column (``target.column``, else the target's name)."""
    psi_threshold: float = DEFAULT_PSI_THRESHOLD
    drift_thresholds: Mapping[str, float] = field(default_factory=dict)
    """The features that have a threshold of their own (else ``psi_threshold``)."""

    @property
    def name(self) -> str:
        return self.schema.name

    @property
    def target(self) -> Target:
        return self.schema.target


def resolve(name_or_path: str) -> Path:
    """A bundled data set's name (``iris``) or a spec file's path -> the spec file."""
    if name_or_path in bundled():
        return DATASETS_DIR / f"{name_or_path}.toml"
    path = Path(name_or_path).expanduser()
    if path.suffix != ".toml":
        raise SpecError(f"dataset {name_or_path!r} is neither a bundled data set ({', '.join(bundled())}) "
                        "nor a path to a .toml spec")  # fmt: skip
    if not path.is_file():
        raise SpecError(f"dataset spec {path} does not exist")
    return path.resolve()


def bundled() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in DATASETS_DIR.glob("*.toml")))


def load(name_or_path: str) -> DatasetSpec:
    path = resolve(name_or_path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SpecError(f"{path}: cannot read the spec: {error}") from None
    try:
        return _spec(document, path)
    except (SchemaError, HyperparameterError, GateError, spec_monitoring.MonitoringKeyError) as error:
        raise SpecError(str(error) if str(error).startswith(str(path)) else f"{path}: {error}") from None


def _spec(document: dict[str, Any], path: Path) -> DatasetSpec:
    unknown = sorted(set(document) - _TOP_KEYS)
    if unknown:
        raise SpecError(f"{path}: {unknown[0]} is not a known key (known: {', '.join(sorted(_TOP_KEYS))})")
    features = document.get("features")
    columns = _columns(features, path)
    stripped = [{k: v for k, v in f.items() if k not in _NOT_SCHEMA_KEYS} if isinstance(f, dict) else f
                for f in features] if isinstance(features, list) else []  # fmt: skip
    schema = Schema.from_document({**document, "features": stripped or features}, origin=str(path))
    training = document.get("training", {})
    if not isinstance(training, dict) or set(training) - _TRAINING_KEYS:
        raise SpecError(f"{path}: training must be a table with keys {', '.join(sorted(_TRAINING_KEYS))}")
    gate = parse_gate(training.get("quality_gate"), schema.task, f"{path}: training.quality_gate")
    seed = training.get("seed", 42)
    if type(seed) is not int or seed < 0:
        raise SpecError(f"{path}: training.seed must be a non-negative integer, got {seed!r}")
    hyperparameters = merged_hyperparameters(training.get("hyperparameters"), schema.target, gate, path)
    source = _source(document.get("source"), path)
    target = document["target"]
    target_column = str(target.get("column") or schema.target.name)
    return DatasetSpec(path, schema, str(document.get("description", "")), source, columns, hyperparameters, gate, seed,
                       target_column, spec_monitoring.psi_threshold(document, path),
                       spec_monitoring.drift_thresholds(features, path))  # fmt: skip


def _columns(features: object, path: Path) -> tuple[str, ...]:
    if not isinstance(features, list):
        return ()
    columns = []
    for i, feature in enumerate(features):
        column = feature.get("column", feature.get("name")) if isinstance(feature, dict) else None
        if not isinstance(column, str) or not column:
            raise SpecError(f"{path}: features[{i}].column must be a non-empty string, got {column!r}")
        columns.append(column)
    return tuple(columns)


def _source(value: object, path: Path) -> Source:
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("sklearn", "csv"):
        raise SpecError(f'{path}: source must be a table with exactly one of sklearn = "<loader>" or csv = "<path>"')
    kind, given = next(iter(value.items()))
    if not isinstance(given, str) or not given:
        raise SpecError(f"{path}: source.{kind} must be a non-empty string, got {given!r}")
    if kind == "sklearn":
        if given not in SKLEARN_LOADERS:
            raise SpecError(f"{path}: source.sklearn must be one of {', '.join(SKLEARN_LOADERS)}, got {given!r}")
        return Source(kind, given)
    return Source(kind, str((path.parent / given).resolve()))


def merged_hyperparameters(value: object, target: Target, gate: QualityGate, path: Path) -> dict[str, str]:
    """A table, or a JSON file's path (relative to ``path``), with the target's objective/num_class and the
    gate's eval_metric merged in and checked the way the container checks them."""
    if isinstance(value, str):
        strings = load_strings((path.parent / value).resolve())
    elif isinstance(value, dict):
        strings = stringify(value, f"{path}: training.hyperparameters")
    else:
        raise SpecError(f"{path}: training.hyperparameters must be a table or the path of a JSON file")
    merged = dict(strings)
    _agree(merged, "objective", target.objective, "target.objective")
    if target.task == "multiclass":
        _agree(merged, "num_class", str(len(target.labels)), "the number of target.labels")
    metrics = [m for m in merged.get("eval_metric", "").split(",") if m]
    merged["eval_metric"] = ",".join(metrics if gate.metric in metrics else [*metrics, gate.metric])
    parse(merged)  # the container's own checks: types, names, num_round
    return dict(sorted(merged.items()))


def _agree(hyperparameters: dict[str, str], key: str, wanted: str, source: str) -> None:
    given = hyperparameters.setdefault(key, wanted)
    if given != wanted:
        raise HyperparameterError(
            f"hyperparameter {key} is {given!r} but {source} says {wanted!r}; remove it or make them agree"
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m training.spec [DATASET...]``: every key (``--help``), or check specs as data preparation will."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m training.spec", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("datasets", nargs="*", default=[DEFAULT_DATASET], help="bundled names or spec paths")
    status = 0
    for given in parser.parse_args(argv).datasets:
        try:
            loaded = load(given)
        except SpecError as error:
            print(f"error: {error}", file=sys.stderr)
            status = 2
            continue
        print(f"{loaded.path}: {loaded.name} ({loaded.schema.task}, {loaded.target.objective}), "
              f"{len(loaded.schema.features)} features, gate {loaded.gate.channel_metric} "
              f"{'>=' if loaded.gate.direction == 'higher' else '<='} {loaded.gate.threshold:g}: ok")  # fmt: skip
    return status


if __name__ == "__main__":
    raise SystemExit(main())
