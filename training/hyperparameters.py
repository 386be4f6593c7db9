"""Read ``hyperparameters.json`` and convert it the way SageMaker's XGBoost container does.

SageMaker hands every hyperparameter to the container as a string. The container parses each by its
declared type, rejects names it does not know, then takes ``num_round`` out (it is the number of boosting
rounds, not a booster parameter) and passes the rest to ``xgboost.train``. Local training does the same,
so one file drives both and they train the same model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).with_name("hyperparameters.json")

_INTEGER = "num_round max_depth max_leaves max_bin nthread seed verbosity num_class refresh_leaf one_drop"
_CONTINUOUS = (
    "eta gamma min_child_weight max_delta_step subsample colsample_bytree colsample_bylevel colsample_bynode"
    " lambda alpha sketch_eps base_score scale_pos_weight rate_drop skip_drop tweedie_variance_power"
)
_CATEGORICAL = "objective booster tree_method grow_policy process_type sample_type normalize_type"
_LISTS = "eval_metric updater"
PARSERS: dict[str, Callable[[str], Any]] = {
    **dict.fromkeys(_INTEGER.split(), int),
    **dict.fromkeys(_CONTINUOUS.split(), float),
    **dict.fromkeys(_CATEGORICAL.split(), str),
    **dict.fromkeys(_LISTS.split(), lambda text: text.split(",")),
}
"""Parameter name -> how the container parses its string value (its declared types, for the parameters that
apply to regression and classification; others are refused as extraneous, as the container refuses unknown names)."""
ALIASES = {"learning_rate": "eta", "min_split_loss": "gamma", "reg_lambda": "lambda", "reg_alpha": "alpha"}
REFUSED = {
    "early_stopping_rounds": "the saved model must hold every tree (no early stopping), so serving is unambiguous",
    "csv_weights": "the channel files carry no instance-weight column",
}


class HyperparameterError(ValueError):
    """The hyperparameters file is unreadable, names an unknown parameter, or holds a bad value."""


def load_strings(path: Path = DEFAULT_PATH) -> dict[str, str]:
    """The file as SageMaker receives it: every value a string (what CreateTrainingJob takes)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise HyperparameterError(f"cannot read hyperparameters file {path}: {error}") from error
    if not isinstance(document, dict):
        raise HyperparameterError(f"{path}: expected a JSON object of name -> value")
    return stringify(document, str(path))


def stringify(document: dict[str, object], where: str) -> dict[str, str]:
    """Every value as the string SageMaker passes to the container (``true``/``false`` for booleans)."""
    strings = {}
    for name, value in document.items():
        if isinstance(value, dict | list) or value is None:
            raise HyperparameterError(f"{where}: {name} must be a string or a number, got {value!r}")
        strings[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return strings


def parse(strings: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """Typed booster params and ``num_round``, converted like the container converts them."""
    params: dict[str, Any] = {}
    for raw_name, text in strings.items():
        name = ALIASES.get(raw_name, raw_name)
        if name in REFUSED:
            raise HyperparameterError(f"hyperparameter {raw_name} is not used here: {REFUSED[name]}")
        if name not in PARSERS:
            raise HyperparameterError(f"Extraneous hyperparameter found: {raw_name}")
        try:
            params[name] = PARSERS[name](text)
        except ValueError as error:
            raise HyperparameterError(f"hyperparameter {raw_name}: could not parse {text!r}") from error
    if "num_round" not in params:
        raise HyperparameterError("Missing required hyperparameter: num_round")
    num_round = params.pop("num_round")
    if num_round < 1:
        raise HyperparameterError(f"hyperparameter num_round must be at least 1, got {num_round}")
    return num_round, params


def load(path: Path = DEFAULT_PATH) -> tuple[int, dict[str, Any]]:
    return parse(load_strings(path))
