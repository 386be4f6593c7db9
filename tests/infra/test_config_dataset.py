"""load_config and the dataset: spec paths, the spec's hyperparameters, and an explicit hyperparameters file."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.config import load_config
from tests.infra.conftest import (
    CDK_JSON,
    HYPERPARAMETERS,
    REPO_ROOT,
    write_hyperparameters,
    write_training_inputs,
)
from training import spec as dataset_spec


def test_relative_paths_are_taken_from_the_repo_root(tmp_path: Path) -> None:
    write_training_inputs(tmp_path, dataset="iris")
    write_hyperparameters(tmp_path, {"num_round": "5"})
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "flowers.toml").write_text((dataset_spec.DATASETS_DIR / "iris.toml").read_text())
    context = {"dataset": "specs/flowers.toml", "trainingDataDir": "training-data"}
    config = load_config({**context, "hyperparametersFile": "hyperparameters.json"}, repo_root=tmp_path)
    assert (config.training.dataset, config.training.training_data_dir) == ("iris", tmp_path / "training-data")
    assert config.training.hyperparameters["num_round"] == "5"
    assert config.serving.repo_root == tmp_path


@pytest.mark.parametrize(
    ("dataset", "task_keys"),
    [
        ("iris", {"objective": "multi:softprob", "num_class": "3", "eval_metric": "mlogloss"}),
        ("breast_cancer", {"objective": "binary:logistic", "eval_metric": "auc"}),
        ("california_housing", {"objective": "reg:squarederror", "eval_metric": "rmse"}),
    ],
)
def test_a_hyperparameters_file_overrides_the_spec_and_gets_its_task_keys(  # type: ignore[no-untyped-def]
    inputs_for, tmp_path, dataset, task_keys
) -> None:
    override = write_hyperparameters(tmp_path, {"num_round": 7, "max_depth": 2})
    hyperparameters = load_config({**inputs_for(dataset), **override}, repo_root=REPO_ROOT).training.hyperparameters
    assert dict(hyperparameters) == {"num_round": "7", "max_depth": "2", **task_keys}


def test_an_overrides_own_eval_metrics_are_kept_and_the_gates_is_added(inputs_for, tmp_path) -> None:  # type: ignore[no-untyped-def]
    override = write_hyperparameters(tmp_path, {"num_round": 7, "eval_metric": "merror"})
    hyperparameters = load_config({**inputs_for("iris"), **override}, repo_root=REPO_ROOT).training.hyperparameters
    assert hyperparameters["eval_metric"] == "merror,mlogloss"


def test_the_default_hyperparameters_file_is_null_in_cdk_json() -> None:
    assert CDK_JSON["context"]["hyperparametersFile"] is None
    assert CDK_JSON["context"]["dataset"] == "california_housing"


def test_an_explicit_override_keeps_working(training_inputs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    override = write_hyperparameters(tmp_path)
    hyperparameters = load_config({**training_inputs, **override}, repo_root=REPO_ROOT).training.hyperparameters
    assert dict(hyperparameters) == dict(sorted({**HYPERPARAMETERS, "eval_metric": "rmse"}.items()))


def test_the_schema_file_name_is_the_one_serving_looks_for() -> None:
    from inference.model.bundle import SCHEMA_NAME
    from stacks.config_training import SCHEMA_FILE

    assert SCHEMA_FILE == SCHEMA_NAME == "schema.json"
