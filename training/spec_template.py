"""The text of a starting spec: TOML with a comment on everything the user should check or edit."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from inference.model.schema import DEFAULT_OBJECTIVES
from training.csv_profile import ColumnProfile, CsvProfile
from training.spec_guess import RANGE_MARGIN, example_row, feature_names, labels_of, numeric_range, quality_gate

HYPERPARAMETERS = {"num_round": "100", "max_depth": "4", "eta": "0.1", "subsample": "0.8",
                   "colsample_bytree": "0.8", "tree_method": "hist", "seed": "42"}  # fmt: skip
"""Defaults that train a reasonable model on most tabular data in seconds; tune them for yours."""
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def render_spec(profile: CsvProfile, target: str, task: str, why: str, dataset: str, path: Path) -> str:
    others = {column: p for column, p in profile.columns.items() if column != target}
    features = {column: p for column, p in others.items() if p.present and not p.identifier_like}
    names = feature_names(list(features))
    lines = [
        *_header_lines(profile, dataset, path, len(features), target),
        *_target_lines(profile.columns[target], task, why),
        "",
        *_training_lines(task, profile.columns[target]),
        "",
        "# Features in model order (every column but the target). Ranges are the data's minimum and maximum",
        f"# widened by {RANGE_MARGIN:.0%} of their span and rounded outwards (never below 0 for a column without",
        "# negative values): set them to what a client may legitimately send. `missing = true` where the data has",
        "# missing values.",
        *(_left_out(column, p) for column, p in others.items() if column not in features),
    ]
    for column, feature in features.items():
        lines += ["", *_feature_lines(names[column], feature, profile.rows)]
    example = example_row(profile, features, target)
    lines += ["", "# A row from the data: what the API documentation and the tools send.", "[example]"]
    lines += [f"{_key(names[column])} = {_value(features[column], text)}" for column, text in example.items()]
    return "\n".join(lines) + "\n"


def _header_lines(profile: CsvProfile, dataset: str, path: Path, features: int, target: str) -> list[str]:
    return [
        f"# Dataset spec for {dataset}, written by `python -m training.spec_init` from {profile.path.name} "
        f"({profile.rows} rows).",
        "# It is a starting point: check every line. Descriptions and units appear in the API documentation and in",
        "# error messages; requests outside a range, or with a category not listed, are refused with a 400. Then run",
        f"#   make model DATASET={path}",
        "# Every key is described in training/spec.py; the bundled specs in datasets/ are worked examples.",
        f"name = {_text(dataset)}",
        f"description = {_text(f'{target}, from {features} columns of {profile.path.name}')}  # edit",
        "",
        "[source]",
        f"csv = {_text(_relative(profile.path, path))}  # relative to this file",
        "",
    ]


def _left_out(column: str, profile: ColumnProfile) -> str:
    if not profile.present:
        return f"# The column {column!r} has no value in any row: it is left out."
    return (f"# The column {column!r} has {len(profile.counts)} distinct texts in {profile.present} rows, like an "
            "identifier or free text: it is left out (add it back as categorical if it is neither).")  # fmt: skip


def _target_lines(target: ColumnProfile, task: str, why: str) -> list[str]:
    lines = [
        "[target]",
        f"column = {_text(target.column)}",
        f"description = {_text(target.column)}  # edit: what the value means",
        f'task = "{task}"  # {why}; regression, binary or multiclass',
        f'objective = "{DEFAULT_OBJECTIVES[task]}"',
    ]
    if task == "regression":
        return [
            *lines,
            '# unit = "USD"   # answers are model output x scale, in unit; e.g. a label in thousands of USD:',
            "# scale = 1000",
            "# decimals = 2   # round answers to this many decimals",
        ]
    labels = labels_of(target)
    if task == "binary":
        note = "# The column's 2 values as class 0, class 1 (sorted): the model gives the probability of class 1."
    else:
        note = f"# The column's {len(labels)} distinct values, in class order (sorted)."
    return [*lines, note, *_array("labels", labels)]


def _training_lines(task: str, target: ColumnProfile) -> list[str]:
    gate = quality_gate(task, target)
    direction = ">=" if gate.metric in ("auc", "aucpr") else "<="
    return [
        "[training]",
        "seed = 42  # the train/validation/test split (70/15/15)",
        "",
        "# The built-in algorithm's names, as strings (objective, num_class and eval_metric are added from the spec).",
        "[training.hyperparameters]",
        *(f"{key} = {_text(value)}" for key, value in HYPERPARAMETERS.items()),
        "",
        f"# No model is served unless its final validation:{gate.metric} is {direction} the threshold.",
        "[training.quality_gate]",
        f'metric = "{gate.metric}"',
        f"threshold = {gate.threshold!r}  # {gate.why}; raise the bar to what your use needs",
    ]


def _feature_lines(name: str, feature: ColumnProfile, rows: int) -> list[str]:
    lines = ["[[features]]", f"name = {_text(name)}"]
    if name != feature.column:
        lines.append(f"column = {_text(feature.column)}  # the CSV column")
    lines.append(f"description = {_text(feature.column)}  # edit")
    if feature.numeric:
        minimum, maximum = numeric_range(feature)
        lines += [
            '# unit = "..."  # edit: the unit of the values',
            f"minimum = {_number(minimum)}",
            f"maximum = {_number(maximum)}",
        ]
        if feature.not_numbers:
            shown = ", ".join(map(repr, feature.not_numbers[:5]))
            lines.append(f"# {len(feature.not_numbers)} distinct value(s) are not numbers ({shown}): "
                         "`make data` drops those rows; make them empty in the CSV if they mean missing")  # fmt: skip
    else:
        lines.append(f"# its {len(feature.counts)} distinct values; a request with another is refused")
        lines += _array("categories", feature.categories)
    if feature.missing:
        lines.append(f"missing = true  # {feature.missing} of {rows} rows have no value")
        if not feature.numeric:
            lines.append('# unknown_categories = "missing"  # read a value not listed above as missing rather than '
                         "refusing it (400): only if that is what it means")  # fmt: skip
    for word, count in sorted(feature.missing_texts.items()):
        lines.append(f"# {count} of those are the text {word!r}, which is read as missing: if it is a value (a "
                     "category), rename it in the CSV")  # fmt: skip
    return lines


def _array(key: str, items: list[str] | tuple[str, ...]) -> list[str]:
    """``key = [...]`` on one line, or one item a line when long."""
    quoted = [_text(item) for item in items]
    one_line = f"{key} = [{', '.join(quoted)}]"
    return [one_line] if len(one_line) <= 110 else [f"{key} = [", *(f"    {item}," for item in quoted), "]"]


def _value(feature: ColumnProfile, text: str) -> str:
    return _number(float(text)) if feature.numeric else _text(text)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON's escapes are a subset of TOML basic strings'


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else _text(name)


def _relative(csv_path: Path, spec_path: Path) -> str:
    return Path(os.path.relpath(csv_path.resolve(), spec_path.resolve().parent)).as_posix()
