"""The hyperparameters file and its conversion, which must match SageMaker's XGBoost container."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training import hyperparameters
from training.hyperparameters import HyperparameterError


def test_values_are_typed_like_the_container_and_num_round_is_taken_out() -> None:
    num_round, params = hyperparameters.parse(
        {"num_round": "25", "max_depth": "5", "eta": "0.2", "eval_metric": "rmse,mae", "learning_rate": "0.3"}
    )
    assert num_round == 25
    assert params == {"max_depth": 5, "eta": 0.3, "eval_metric": ["rmse", "mae"]}


@pytest.mark.parametrize(
    ("strings", "message"),
    [
        ({"max_depth": "6"}, "Missing required hyperparameter: num_round"),
        ({"num_round": "10", "max_dpeth": "6"}, "Extraneous hyperparameter found: max_dpeth"),
        ({"num_round": "ten"}, "hyperparameter num_round: could not parse 'ten'"),
        ({"num_round": "0"}, "num_round must be at least 1"),
        ({"num_round": "10", "early_stopping_rounds": "5"}, "early_stopping_rounds is not used here"),
    ],
)
def test_bad_hyperparameters_are_refused_with_the_reason(strings: dict[str, str], message: str) -> None:
    with pytest.raises(HyperparameterError, match=message):
        hyperparameters.parse(strings)


def test_numbers_in_the_file_become_the_strings_sagemaker_passes(tmp_path: Path) -> None:
    path = tmp_path / "hp.json"
    path.write_text(json.dumps({"num_round": 10, "eta": 0.5, "objective": "reg:squarederror"}))
    assert hyperparameters.load_strings(path) == {"num_round": "10", "eta": "0.5", "objective": "reg:squarederror"}
    path.write_text('{"num_round": [1, 2]}')
    with pytest.raises(HyperparameterError, match="num_round must be a string or a number"):
        hyperparameters.load_strings(path)
    path.write_text("{not json")
    with pytest.raises(HyperparameterError, match="cannot read hyperparameters file"):
        hyperparameters.load_strings(path)


def test_the_shipped_file_is_explicit_and_has_no_early_stopping() -> None:
    strings = hyperparameters.load_strings()
    assert all(isinstance(value, str) for value in json.loads(hyperparameters.DEFAULT_PATH.read_text()).values())
    assert strings["objective"] == "reg:squarederror" and strings["eval_metric"] == "rmse"
    num_round, params = hyperparameters.load()
    assert num_round == int(strings["num_round"]) and "num_round" not in params
    assert "early_stopping_rounds" not in strings and "seed" in params
