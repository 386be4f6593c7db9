"""Prepare the training data of a dataset spec: load, validate against its schema, split, write SageMaker channels.

    python -m training.data --dataset california_housing --out build/training-data/california_housing
        [--data-home DIR] [--seed N]

``--dataset`` is a bundled data set's name (``datasets/<name>.toml``) or the path of a spec file. Writes
``train/train.csv``, ``validation/validation.csv``, ``test/test.csv`` (label in column 0, no header, a
missing value as an empty field), ``schema.json`` (the spec's schema plus where the data came from) and
``manifest.json`` (row counts, dropped rows by reason, seed, source, sha256 of each file). Running it
again with the same inputs (source content, spec content, seed) checks the recorded hashes and rewrites nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from training import sources, spec
from training.channels import CHANNEL_FILES, read_manifest
from training.dataset import DEFAULT_SEED
from training.prepared import expected_fingerprint, outputs_match, write_prepared
from training.spec import DatasetSpec, SpecError


def prepare(
    dataset: DatasetSpec | str, out: Path, *, data_home: Path | None = None, seed: int | None = None
) -> tuple[dict[str, Any], bool]:
    """Write channels, schema and manifest into ``out``; returns (manifest, whether anything was written)."""
    loaded_spec = spec.load(dataset) if isinstance(dataset, str) else dataset
    chosen_seed = loaded_spec.seed if seed is None else seed
    expected = expected_fingerprint(loaded_spec, data_home, chosen_seed)
    existing = read_manifest(out)
    if existing and existing.get("inputs_sha256") == expected and outputs_match(out, existing):
        return existing, False
    raw = sources.load(loaded_spec, data_home)
    return write_prepared(loaded_spec, raw, out, chosen_seed), True


def summary(manifest: dict[str, Any], out: Path, written: bool) -> str:
    rows = manifest["rows"]
    counts = ", ".join(f"{name} {manifest['files'][name]['rows']}" for name in CHANNEL_FILES.values())
    lines = [
        f"{'wrote' if written else 'up to date, nothing rewritten:'} {out} ({counts} rows)",
        f"{manifest['dataset']} ({manifest['task']}) from {manifest['source']['kind']} "
        f"{manifest['source'].get('dataset') or manifest['source'].get('name')}: {rows['loaded']} rows, "
        f"{rows['dropped']} dropped, {rows['kept']} kept; seed {manifest['seed']}; "
        f"data sha256 {manifest['data_sha256']}",
    ]
    lines += [f"  dropped {count}: {reason}" for reason, count in manifest["dropped"].items()]
    if rows["kept"] and rows["dropped"] > rows["kept"]:
        lines.append("  warning: most rows were dropped; check the spec's ranges, categories and missing flags")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.data", description=__doc__.split("\n")[0])
    bundled = ", ".join(spec.bundled())
    parser.add_argument(
        "--dataset", default=spec.DEFAULT_DATASET, help=f"{bundled}, or a spec path (default: %(default)s)"
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory for channels, schema and manifest")
    parser.add_argument("--data-home", type=Path, help="scikit-learn data home (default: SCIKIT_LEARN_DATA)")
    parser.add_argument("--seed", type=int, help=f"split seed (default: the spec's training.seed, else {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    try:
        manifest, written = prepare(args.dataset, args.out, data_home=args.data_home, seed=args.seed)
    except (SpecError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(summary(manifest, args.out, written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
