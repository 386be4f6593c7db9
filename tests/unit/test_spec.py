"""Dataset specs: the bundled ones load as documented, and every mistake is refused naming the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training import spec
from training.hyperparameters import DEFAULT_PATH
from training.spec import SpecError

BASE = """name = "t"
[source]
csv = "rows.csv"
[target]
column = "y"
task = "binary"
labels = ["no", "yes"]
[training.hyperparameters]
num_round = "5"
[training.quality_gate]
metric = "auc"
threshold = 0.8
[[features]]
name = "x"
minimum = 0
maximum = 10
"""


def load_text(tmp_path: Path, text: str) -> spec.DatasetSpec:
    path = tmp_path / "t.toml"
    path.write_text(text)
    return spec.load(str(path))


def test_the_bundled_specs_load_with_their_merged_hyperparameters() -> None:
    assert spec.bundled() == ("breast_cancer", "california_housing", "iris") and spec.DEFAULT_DATASET in spec.bundled()
    california = spec.load("california_housing")
    assert dict(california.hyperparameters) == json.loads(DEFAULT_PATH.read_text()), "the file SageMaker gets, as is"
    assert california.schema.target.scale == 100_000 and california.schema.target.unit == "USD"
    assert california.source == spec.Source("sklearn", "california_housing") and california.columns[0] == "MedInc"
    iris = spec.load("iris")
    assert (iris.hyperparameters["num_class"], iris.hyperparameters["eval_metric"]) == ("3", "mlogloss")
    assert iris.columns[0] == "sepal length (cm)" and iris.schema.names[0] == "sepal_length"
    assert iris.target_column == "species" and iris.gate.channel_metric == "validation:mlogloss"
    breast_cancer = spec.load("breast_cancer")
    assert breast_cancer.schema.target.labels == ("malignant", "benign") and len(breast_cancer.schema.features) == 30
    assert breast_cancer.hyperparameters["objective"] == "binary:logistic" and breast_cancer.gate.direction == "higher"


def test_a_csv_source_is_relative_to_the_spec_and_the_gate_metric_is_evaluated(tmp_path: Path) -> None:
    loaded = load_text(tmp_path, BASE.replace('num_round = "5"', 'num_round = "5"\neval_metric = "logloss,error"'))
    assert loaded.source == spec.Source("csv", str(tmp_path / "rows.csv"))
    assert loaded.hyperparameters["eval_metric"] == "logloss,error,auc" and loaded.seed == 42
    assert (
        load_text(
            tmp_path, BASE.replace("[training.hyperparameters]", "[training]\nseed = 3\n[training.hyperparameters]")
        ).seed
        == 3
    )


def test_a_hyperparameters_file_is_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "hp.json").write_text('{"num_round": 7, "max_depth": 2}')
    text = BASE.replace('[training.hyperparameters]\nnum_round = "5"', '[training]\nhyperparameters = "hp.json"')
    loaded = load_text(tmp_path, text)
    assert dict(loaded.hyperparameters) == {"eval_metric": "auc", "max_depth": "2", "num_round": "7",
                                            "objective": "binary:logistic"}  # fmt: skip


MISTAKES = [
    ('colour = "red"\n' + BASE,
     "colour is not a known key (known: description, example, features, monitoring, name, source, target, training)"),
    (BASE + "[monitoring]\npsi_threshold = 0\n", "monitoring.psi_threshold must be a finite positive number, got 0"),
    (BASE + "[monitoring]\npsi = 0.3\n", "monitoring must be a table with the key psi_threshold"),
    (BASE.replace("maximum = 10", 'maximum = 10\ndrift_threshold = "high"'),
     "features[0].drift_threshold must be a finite positive number, got 'high'"),
    (BASE.replace('task = "binary"', 'task = "binary"\nobjective = "reg:squarederror"'),
     "target.objective 'reg:squarederror' is a regression objective, but the task is 'binary'"),
    (BASE.replace('task = "binary"', 'task = "ranking"'),
     "target.task must be one of regression, binary, multiclass, got 'ranking'"),
    (BASE.replace('["no", "yes"]', '["no", "yes", "maybe"]'),
     "target.labels must hold exactly 2 labels for a binary task, got 3"),
    (BASE.replace('["no", "yes"]', '["no", "no"]'), "target.labels: 'no' appears twice"),
    (BASE.replace('labels = ["no", "yes"]', 'labels = ["no", "yes"]\nunit = "USD"'),
     "target.unit is only for regression; classification answers labels"),
    (BASE.replace("minimum = 0", "minimum = 20"), "features[0] (x): minimum 20 is greater than maximum 10"),
    (BASE.replace("minimum = 0", 'minimum = "low"'), "features[0] (x).minimum must be a finite number, got 'low'"),
    (BASE.replace("minimum = 0", 'categories = ["a"]\nminimum = 0'),
     "features[0] (x): a categorical feature takes no minimum or maximum"),
    (BASE + '[[features]]\nname = "x"\n', "features[1].name 'x' appears twice"),
    (BASE + "[example]\nz = 1\n", "example.z is not a feature"),
    (BASE.replace('metric = "auc"', 'metric = "accuracy"'),
     "training.quality_gate.metric must be one of logloss, auc, aucpr, error for a binary task, got 'accuracy'"),
    (BASE.replace("threshold = 0.8", 'threshold = "high"'),
     "training.quality_gate.threshold must be a finite number, got 'high'"),
    (BASE.replace('[training.quality_gate]\nmetric = "auc"\nthreshold = 0.8\n', ""),
     "training.quality_gate must be a table with exactly metric and threshold, got None"),
    (BASE.replace('num_round = "5"', 'num_round = "5"\nobjective = "binary:hinge"'),
     "hyperparameter objective is 'binary:hinge' but target.objective says 'binary:logistic'; "
     "remove it or make them agree"),
    (BASE.replace('task = "binary"', 'task = "multiclass"').replace('["no", "yes"]', '["a", "b", "c"]')
     .replace('metric = "auc"', 'metric = "mlogloss"').replace('num_round = "5"', 'num_round = "5"\nnum_class = "4"'),
     "hyperparameter num_class is '4' but the number of target.labels says '3'; remove it or make them agree"),
    (BASE.replace('num_round = "5"', 'num_round = "5"\nmax_dpeth = "3"'), "Extraneous hyperparameter found: max_dpeth"),
    (BASE.replace('num_round = "5"', 'max_depth = "3"'), "Missing required hyperparameter: num_round"),
    (BASE.replace('csv = "rows.csv"', 'csv = "rows.csv"\nsklearn = "iris"'),
     'source must be a table with exactly one of sklearn = "<loader>" or csv = "<path>"'),
    (BASE.replace('csv = "rows.csv"', 'sklearn = "wine"'),
     "source.sklearn must be one of california_housing, breast_cancer, iris, got 'wine'"),
    (BASE.replace("[training.quality_gate]", "[training]\nseed = -1\n[training.quality_gate]"),
     "training.seed must be a non-negative integer, got -1"),
    (BASE + "oops\n", "cannot read the spec: Expected '=' after a key in a key/value pair (at line 17, column 5)"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), MISTAKES)
def test_a_mistake_is_refused_naming_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SpecError) as error:
        load_text(tmp_path, text)
    assert str(error.value) == f"{tmp_path / 't.toml'}: {message}"


def test_drift_thresholds_are_the_specs_default_or_a_features_own(tmp_path: Path) -> None:
    assert (load_text(tmp_path, BASE).psi_threshold, load_text(tmp_path, BASE).drift_thresholds) == (0.2, {})
    text = BASE.replace("maximum = 10", "maximum = 10\ndrift_threshold = 0.5") + "[monitoring]\npsi_threshold = 0.1\n"
    loaded = load_text(tmp_path, text)
    assert (loaded.psi_threshold, dict(loaded.drift_thresholds)) == (0.1, {"x": 0.5})
    assert loaded.schema.features[0].name == "x"  # the schema does not hold the threshold


def test_a_dataset_is_a_bundled_name_or_an_existing_spec_path(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as error:
        spec.load("housing")
    assert str(error.value) == ("dataset 'housing' is neither a bundled data set (breast_cancer, california_housing, "
                                "iris) nor a path to a .toml spec")  # fmt: skip
    with pytest.raises(SpecError) as error:
        spec.load(str(tmp_path / "absent.toml"))
    assert str(error.value) == f"dataset spec {tmp_path / 'absent.toml'} does not exist"


def test_the_command_checks_specs_and_names_the_broken_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "t.toml"
    broken.write_text(BASE.replace("minimum = 0", "minimum = 20"))
    assert spec.main(["iris", str(broken)]) == 2
    captured = capsys.readouterr()
    assert captured.out == (f"{spec.DATASETS_DIR / 'iris.toml'}: iris (multiclass, multi:softprob), 4 features, gate "
                            "validation:mlogloss <= 0.4: ok\n")  # fmt: skip
    assert captured.err == f"error: {broken}: features[0] (x): minimum 20 is greater than maximum 10\n"
    assert spec.main([]) == 0 and "california_housing (regression, reg:squarederror)" in capsys.readouterr().out
