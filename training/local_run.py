"""One local training run: check the inputs, train in a staging directory, apply the quality gate, publish."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.expected import write_expected
from inference.model.compile import compile_to
from inference.model.compiled import COMPILED_NAME
from inference.model.schema import Schema
from inference.monitoring.baseline import BASELINE_NAME
from inference.monitoring.model_baseline import write_model_baseline
from training import artifact, hyperparameters, spec
from training.channels import CHANNEL_FILES, SCHEMA_NAME, read_channel, read_manifest
from training.evaluation import booster_facts, held_out_metrics, predictions, unit_suffix
from training.plots import plot_confusion_matrix, plot_name, plot_predicted_vs_actual
from training.sources import sha256_file
from training.spec import DatasetSpec


class TrainingInputError(ValueError):
    """The data directory or the spec cannot be used for training."""


class GateMissedError(RuntimeError):
    """The trained model's final validation metric misses the spec's quality gate; nothing was published."""


@dataclass(frozen=True)
class TrainingInputs:
    data: Path
    manifest: dict[str, Any]
    spec: DatasetSpec
    schema: Schema
    schema_sha256: str


@dataclass(frozen=True)
class TrainingResult:
    metrics: dict[str, Any]
    trained: bool
    verdict: str


def read_inputs(data: Path, dataset: str | None) -> TrainingInputs:
    """The data directory's manifest and schema, and the spec they were prepared from (checked by sha256)."""
    manifest = read_manifest(data)
    if manifest is None or not {"data_sha256", "dataset", "spec_sha256"} <= set(manifest):
        raise TrainingInputError(f"no data manifest in {data} (run `python -m training.data --out {data}`)")
    name = dataset or manifest["dataset"]
    if dataset is None and name not in spec.bundled():
        raise TrainingInputError(f"{data} was prepared from the spec {name!r}, which is not bundled: pass --dataset "
                                 "with the path of its .toml file")  # fmt: skip
    loaded = spec.load(name)
    if loaded.name != manifest["dataset"] or sha256_file(loaded.path) != manifest["spec_sha256"]:
        raise TrainingInputError(
            f"{data} was prepared from another spec than {loaded.path} (or from an older version of it): "
            f"run `python -m training.data --dataset {name} --out {data}`"
        )
    schema_path = data / SCHEMA_NAME
    try:
        schema = Schema.from_document(json.loads(schema_path.read_text(encoding="utf-8")), origin=str(schema_path))
    except (OSError, ValueError) as error:  # SchemaError and JSON errors are ValueErrors
        raise TrainingInputError(f"cannot use {schema_path}: {error} (run `python -m training.data` again)") from None
    schema_sha256 = sha256_file(schema_path)
    if schema_sha256 != manifest.get("schema_sha256"):
        raise TrainingInputError(f"{schema_path} is not the one the manifest records: run `python -m training.data`")
    return TrainingInputs(data, manifest, loaded, schema, schema_sha256)


def train_checked(data: Path, out: Path, dataset: str | None = None, *, force: bool = False) -> TrainingResult:
    """Train unless ``out`` already holds a model from the same inputs; publish only a model that passes the gate."""
    inputs = read_inputs(data, dataset)
    strings = dict(inputs.spec.hyperparameters)
    num_round, params = hyperparameters.parse(strings)
    expected = artifact.fingerprint(inputs.manifest["data_sha256"], inputs.schema_sha256, strings,
                                    artifact.xgboost_version())  # fmt: skip
    gate = inputs.spec.gate
    if not force and artifact.is_up_to_date(out, expected, plot_name(inputs.schema.target)):
        metrics = json.loads((out / artifact.METRICS_NAME).read_text(encoding="utf-8"))
        value = float(metrics[f"validation_{gate.metric}"])
        if not gate.passes(value):
            raise GateMissedError(f"the model in {out} misses the spec's quality gate: {gate.verdict(value)}")
        return TrainingResult(metrics, False, gate.verdict(value))
    with artifact.staging(out) as stage:
        metrics = {"fingerprint": expected} | train_into(stage, inputs, num_round, params)
        value = float(metrics[f"validation_{gate.metric}"])
        if not gate.passes(value):
            raise GateMissedError(
                f"{gate.verdict(value)}. The model is refused and nothing new was written to {out} (what is there, "
                f"if anything, was trained before, on other data; {inputs.data} holds the new data, and make local "
                f"or make model trains again until the gate passes). Improve the data or the hyperparameters, or "
                f"change [training.quality_gate] in {inputs.spec.path}."
            )
        metrics["quality_gate"] = {"metric": gate.metric, "threshold": gate.threshold, "direction": gate.direction,
                                   "value": value, "verdict": gate.verdict(value)}  # fmt: skip
        (stage / artifact.METRICS_NAME).write_text(json.dumps(metrics, indent=2, allow_nan=False) + "\n", "utf-8")
        artifact.publish(stage, out)
    return TrainingResult(metrics, True, gate.verdict(value))


def train_into(stage: Path, inputs: TrainingInputs, num_round: int, params: dict[str, Any]) -> dict[str, Any]:
    """Train, then write the tarball, the schema, the compiled form the services load first, the baseline (the
    data's, with the model's answers on the validation channel) and the plot into ``stage``; returns the metrics."""
    booster, history = boost(inputs, num_round, params, log_every=max(1, num_round // 10))
    tarball = artifact.write_model_tarball(booster, stage)
    shutil.copyfile(inputs.data / SCHEMA_NAME, stage / SCHEMA_NAME)
    compiled = compile_to(str(tarball), str(stage / COMPILED_NAME), str(stage / SCHEMA_NAME))
    write_expected(str(tarball), str(stage / SCHEMA_NAME))  # what the pre-traffic hook checks deployments with
    baseline = write_model_baseline(
        model_uri=str(tarball), schema_uri=str(stage / SCHEMA_NAME), compiled_uri=compiled,
        data_baseline_uri=str(inputs.data / BASELINE_NAME),
        validation_uri=str(inputs.data / CHANNEL_FILES["validation"]), metric=inputs.spec.gate.metric,
    )  # fmt: skip
    target = inputs.schema.target
    describe: dict[str, Any] = {"dataset": inputs.schema.name, "task": target.task}
    describe |= (
        {"labels": list(target.labels)} if target.labels else {"unit": target.unit, "unit_suffix": unit_suffix(target)}
    )
    return {
        **describe,
        "data_sha256": inputs.manifest["data_sha256"],
        "schema_sha256": inputs.schema_sha256,
        "hyperparameters": dict(inputs.spec.hyperparameters),
        "xgboost_version": artifact.xgboost_version(),
        "num_round": num_round,
        **booster_facts(booster),
        **final_metrics(history),
        **evaluate(booster, inputs, stage),
        "model_sha256": artifact.sha256_bytes_of(tarball),
        "compiled_sha256": artifact.sha256_bytes_of(Path(compiled)),
        "baseline_sha256": artifact.sha256_bytes_of(Path(baseline)),
    }


def boost(inputs: TrainingInputs, num_round: int, params: dict[str, Any], log_every: int) -> tuple[Any, dict[str, Any]]:
    """Boost ``num_round`` rounds on the train channel, logging train/validation metrics as it goes."""
    import xgboost as xgb

    count = len(inputs.schema.features)
    train_labels, train_features = read_channel(inputs.data / CHANNEL_FILES["train"], count)
    validation_labels, validation_features = read_channel(inputs.data / CHANNEL_FILES["validation"], count)
    dtrain = xgb.DMatrix(train_features, label=train_labels)
    dvalidation = xgb.DMatrix(validation_features, label=validation_labels)
    history: dict[str, Any] = {}
    evals = [(dtrain, "train"), (dvalidation, "validation")]
    booster = xgb.train(
        params, dtrain, num_boost_round=num_round, evals=evals, evals_result=history, verbose_eval=log_every
    )
    return booster, history


def final_metrics(history: dict[str, Any]) -> dict[str, float]:
    """The last logged value of every eval metric on each channel: ``validation_rmse`` and the like."""
    return {f"{channel}_{metric}": float(values[-1]) for channel in ("train", "validation")
            for metric, values in history.get(channel, {}).items()}  # fmt: skip


def evaluate(booster: Any, inputs: TrainingInputs, stage: Path) -> dict[str, Any]:
    """Held-out test metrics; draws the task's plot into ``stage`` on the way."""
    target = inputs.schema.target
    actual, features = read_channel(inputs.data / CHANNEL_FILES["test"], len(inputs.schema.features))
    predicted = predictions(booster, features, target)
    scores = held_out_metrics(actual, predicted, target)
    path = stage / plot_name(target)
    if target.task == "regression":
        plot_predicted_vs_actual(actual, predicted, target, path)
    else:
        matrix = scores["confusion_matrix"]["rows_actual_columns_predicted"]
        plot_confusion_matrix(matrix, target.labels, scores["accuracy"], path)
    return {"test_rows": len(actual), **{f"test_{name}": value for name, value in scores.items()}}
