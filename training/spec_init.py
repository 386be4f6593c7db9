"""Write a starting dataset spec from a CSV, for the user to edit: "bring your own data".

    python -m training.spec_init data.csv --target COLUMN [--task regression|binary|multiclass] [--name NAME]
        [--out datasets/NAME.toml] [--force]

Every column but the target becomes a feature, in CSV order: numeric (range from the data, widened by 10 %
of its span) or, for text, categorical (its sorted distinct values). A feature may be missing where the data
has missing values. The task is guessed from the target column (text, or at most 10 distinct integers:
classification with those labels; other numbers: regression) unless ``--task`` says. The spec gets default
hyperparameters, a quality gate that asks for a model better than one ignoring the features, an example row,
and comments saying what to edit. It is checked with ``training.spec.load`` before this command returns.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from training import spec
from training.csv_profile import CsvProfile, ProfileError, profile_csv
from training.spec_guess import check_task, guess_task
from training.spec_template import render_spec


def write_spec(csv_path: Path, target: str, out: Path | None, *, task: str | None = None,
               name: str | None = None, force: bool = False) -> tuple[Path, str]:  # fmt: skip
    """Write the spec; returns its path and a summary of what was guessed."""
    profile = profile_csv(csv_path)
    if target not in profile.columns:
        raise ProfileError(f"{csv_path} has no column {target!r}; its columns: {', '.join(profile.columns)}")
    if not any(p.present for column, p in profile.columns.items() if column != target):
        raise ProfileError(f"{csv_path} has no column with values besides the target: there is nothing to learn from")
    target_profile = profile.columns[target]
    chosen_task, why = (task, "given with --task") if task else guess_task(target_profile)
    check_task(chosen_task, target_profile)
    dataset = name or _dataset_name(csv_path)
    path = out or spec.DATASETS_DIR / f"{dataset}.toml"
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass --force to overwrite it, or --out another path")
    text = render_spec(profile, target, chosen_task, why, dataset, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    loaded = spec.load(str(path.resolve()))  # the round trip: what this writes, the loader accepts
    return path, summary(profile, loaded, why)


def summary(profile: CsvProfile, loaded: spec.DatasetSpec, why: str) -> str:
    features = loaded.schema.features
    categorical = sum(feature.categorical for feature in features)
    optional = sum(feature.missing for feature in features)
    target = loaded.schema.target
    labels = f" with labels {', '.join(target.labels)}" if target.labels else ""
    return (
        f"{profile.rows} rows; {len(features)} features ({len(features) - categorical} numeric, {categorical} "
        f"categorical, {optional} may be missing); target {target.name}: {target.task}{labels} ({why}); "
        f"quality gate validation:{loaded.gate.metric} {'>=' if loaded.gate.direction == 'higher' else '<='} "
        f"{loaded.gate.threshold:g}"
    )


def _dataset_name(csv_path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", csv_path.stem).strip("_").lower() or "my_dataset"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.spec_init", description=__doc__.split("\n")[0])
    parser.add_argument("csv", type=Path, help="the CSV (with a header) to write a spec for")
    parser.add_argument("--target", required=True, help="the column the model predicts")
    parser.add_argument("--task", choices=("regression", "binary", "multiclass"), help="default: guessed")
    parser.add_argument("--name", help="the data set's name (default: from the CSV's file name)")
    parser.add_argument("--out", type=Path, help="where to write the spec (default: datasets/<name>.toml)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing spec")
    args = parser.parse_args(argv)
    try:
        path, what = write_spec(args.csv, args.target, args.out, task=args.task, name=args.name, force=args.force)
    except (ProfileError, spec.SpecError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}: {what}")
    print(f"next: read the comments in {path} and edit it, then `make model DATASET={path}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
