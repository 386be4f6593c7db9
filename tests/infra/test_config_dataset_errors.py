"""load_config refuses a bad dataset, data prepared for another spec, and an override that contradicts the spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.config import ConfigError, load_config
from tests.infra.conftest import REPO_ROOT, write_schema, write_training_inputs
from training import spec as dataset_spec


def _refusal(context: dict[str, object], repo_root: Path = REPO_ROOT) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(context, repo_root=repo_root)
    return str(raised.value)


def test_missing_training_data_says_to_run_make_data_for_the_dataset(tmp_path: Path, training_inputs) -> None:  # type: ignore[no-untyped-def]
    assert _refusal({**training_inputs, "dataset": "iris", "trainingDataDir": "absent"}, tmp_path) == (
        f"training data not found: {tmp_path}/absent/train/train.csv is missing or empty (context key "
        "'trainingDataDir' is 'absent'). Run `make data DATASET=iris` (python -m training.data --dataset iris "
        "--out absent) to prepare it."
    )


@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        ("irs", "context key 'dataset': dataset 'irs' is neither a bundled data set (breast_cancer, "
                "california_housing, iris) nor a path to a .toml spec"),
        ("absent.toml", "context key 'dataset': dataset spec {root}/absent.toml does not exist"),
        ("", "context key 'dataset' must be a bundled data set or a spec path, got ''"),
    ],
)  # fmt: skip
def test_an_unknown_dataset_is_refused(training_inputs, tmp_path, dataset, message) -> None:  # type: ignore[no-untyped-def]
    assert _refusal({**training_inputs, "dataset": dataset}, tmp_path) == message.format(root=tmp_path)


def test_an_invalid_spec_is_refused_with_the_specs_message(training_inputs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "flowers.toml"
    iris = (dataset_spec.DATASETS_DIR / "iris.toml").read_text()
    spec.write_text(iris.replace('metric = "mlogloss"', 'metric = "rmse"'))
    assert _refusal({**training_inputs, "dataset": str(spec)}) == (
        f"context key 'dataset': {spec}: training.quality_gate.metric must be one of mlogloss, merror for a "
        "multiclass task, got 'rmse'"
    )


def test_data_prepared_for_another_dataset_is_refused(inputs_for) -> None:  # type: ignore[no-untyped-def]
    data_dir = inputs_for("iris")["trainingDataDir"]
    assert _refusal({"trainingDataDir": data_dir, "dataset": "breast_cancer"}) == (
        f"the training data in {data_dir} was prepared for dataset 'iris', not 'breast_cancer' (context key "
        f"'dataset' is 'breast_cancer'). Run `make data DATASET=breast_cancer` (python -m training.data --dataset "
        f"breast_cancer --out {data_dir}) to prepare it."
    )


def _prepare_again(data_dir: Path) -> str:
    return (
        f"Run `make data DATASET=iris` (python -m training.data --dataset iris --out {data_dir}) to prepare it again."
    )


def test_data_without_a_schema_is_refused(tmp_path: Path) -> None:
    context = write_training_inputs(tmp_path, dataset="iris")
    data_dir = Path(context["trainingDataDir"])
    (data_dir / "schema.json").unlink()
    assert _refusal(context) == (
        f"the training data in {data_dir} has no schema.json (it was prepared before data sets had specs). "
        + _prepare_again(data_dir)
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{", "{path} is not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
        ({"name": "iris"}, "{path}: target must be a table, got NoneType"),
        ({"target": {"objective": "multi:softmax"}},
         "{path} was prepared from another version of the 'iris' spec (different objective)"),
        ({"target": {"labels": ["a", "b", "c"]}, "features": "reversed"},
         "{path} was prepared from another version of the 'iris' spec (different features, labels)"),
    ],
)  # fmt: skip
def test_a_damaged_or_stale_schema_is_refused(tmp_path: Path, content, reason) -> None:  # type: ignore[no-untyped-def]
    context = write_training_inputs(tmp_path, dataset="iris")
    data_dir = Path(context["trainingDataDir"])
    path = data_dir / "schema.json"
    if isinstance(content, str):
        path.write_text(content)
    elif "name" in content:
        write_schema(data_dir, content)
    else:
        document = json.loads(path.read_text())
        document["target"] |= content["target"]
        if content.get("features") == "reversed":
            document["features"].reverse()
        write_schema(data_dir, document)
    assert _refusal(context) == reason.format(path=path) + ". " + _prepare_again(data_dir)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"num_round": "5", "objective": "reg:squarederror"},
         "context key 'hyperparametersFile': hyperparameter objective is 'reg:squarederror' but target.objective "
         "says 'multi:softprob'; remove it or make them agree"),
        ({"num_round": "5", "num_class": "4"},
         "context key 'hyperparametersFile': hyperparameter num_class is '4' but the number of target.labels says "
         "'3'; remove it or make them agree"),
    ],
)  # fmt: skip
def test_an_override_that_contradicts_the_spec_is_refused(inputs_for, tmp_path, content, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hyperparameters.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    assert _refusal({**inputs_for("iris"), "hyperparametersFile": str(path)}) == message
