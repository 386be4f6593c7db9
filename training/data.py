"""Prepare the training data: load, validate against the schema, split, write SageMaker channels.

    python -m training.data --out build/training-data [--csv PATH] [--data-home DIR] [--seed 42]

Writes ``train/train.csv``, ``validation/validation.csv``, ``test/test.csv`` (label in column 0, no
header) and ``manifest.json`` (row counts, dropped rows by reason, seed, source, sha256 of each file).
Running it again with the same inputs checks the recorded hashes and rewrites nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from inference.schema import FEATURE_NAMES, FEATURES, TARGET_NAME
from training.channels import CHANNEL_FILES, combined_sha256, files_match, read_manifest, write_channel, write_manifest
from training.dataset import DEFAULT_SEED, SPLIT_FRACTIONS, keep_valid_rows, split_rows
from training.sources import LoadedData, MissingColumnsError, load_csv, load_sklearn, sha256_file, sklearn_cache_path

FORMAT_VERSION = 1
"""Bump when the written files change for the same inputs, so existing outputs are rebuilt."""


def inputs_fingerprint(source_kind: str, source_sha256: str, seed: int) -> str:
    """Hash of everything the outputs depend on: source content, seed, split, schema, format."""
    inputs = {
        "format_version": FORMAT_VERSION,
        "source": [source_kind, source_sha256],
        "seed": seed,
        "split_fractions": SPLIT_FRACTIONS,
        "schema": [[f.name, f.minimum, f.maximum] for f in FEATURES],
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def expected_fingerprint(csv_path: Path | None, data_home: Path | None, seed: int) -> str | None:
    """The fingerprint the outputs would get, when it can be known without loading the data."""
    if csv_path is not None:
        return inputs_fingerprint("csv", sha256_file(csv_path), seed)
    cache = sklearn_cache_path(data_home)
    return inputs_fingerprint("sklearn", sha256_file(cache), seed) if cache.is_file() else None


def prepare(
    out: Path, *, csv_path: Path | None = None, data_home: Path | None = None, seed: int = DEFAULT_SEED
) -> tuple[dict[str, Any], bool]:
    """Write the channels and manifest into ``out``; returns (manifest, whether anything was written)."""
    if csv_path is not None and not csv_path.is_file():
        raise FileNotFoundError(f"CSV file not found: {csv_path}")
    expected = expected_fingerprint(csv_path, data_home, seed)
    existing = read_manifest(out)
    if expected and existing and existing.get("inputs_sha256") == expected and files_match(out, existing):
        return existing, False
    loaded = load_csv(csv_path) if csv_path is not None else load_sklearn(data_home)
    loaded_rows = len(loaded.target) + sum(loaded.dropped.values())
    features, target = keep_valid_rows(loaded.features, loaded.target, loaded.dropped)
    split = split_rows(len(target), seed)
    files = {
        CHANNEL_FILES[name]: write_channel(out, name, target[rows], features[rows])
        for name, rows in (("train", split.train), ("validation", split.validation), ("test", split.test))
    }
    manifest = build_manifest(loaded, loaded_rows, files, seed)
    write_manifest(out, manifest)
    return manifest, True


def build_manifest(loaded: LoadedData, loaded_rows: int, files: dict[str, dict[str, Any]], seed: int) -> dict[str, Any]:
    """What was written and from what: no timestamps or paths, so the same inputs give the same bytes."""
    dropped = sum(loaded.dropped.values())
    return {
        "format_version": FORMAT_VERSION,
        "inputs_sha256": inputs_fingerprint(loaded.source["kind"], loaded.source["sha256"], seed),
        "source": loaded.source,
        "seed": seed,
        "split_fractions": dict(zip(("train", "validation", "test"), SPLIT_FRACTIONS, strict=True)),
        "columns": [TARGET_NAME, *FEATURE_NAMES],
        "label_column": 0,
        "rows": {"loaded": loaded_rows, "dropped": dropped, "kept": loaded_rows - dropped},
        "dropped": dict(sorted(loaded.dropped.items())),
        "files": files,
        "data_sha256": combined_sha256(files),
    }


def summary(manifest: dict[str, Any], out: Path, written: bool) -> str:
    rows = manifest["rows"]
    counts = ", ".join(f"{name} {manifest['files'][name]['rows']}" for name in CHANNEL_FILES.values())
    lines = [
        f"{'wrote' if written else 'up to date, nothing rewritten:'} {out} ({counts} rows)",
        f"source {manifest['source']['kind']}: {rows['loaded']} rows, {rows['dropped']} dropped, "
        f"{rows['kept']} kept; seed {manifest['seed']}; data sha256 {manifest['data_sha256']}",
    ]
    lines += [f"  dropped {count}: {reason}" for reason, count in manifest["dropped"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.data", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory for channels and manifest")
    parser.add_argument("--csv", type=Path, help="CSV with the feature columns or the raw census columns")
    parser.add_argument("--data-home", type=Path, help="scikit-learn data home (default: SCIKIT_LEARN_DATA)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="split seed (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        manifest, written = prepare(args.out, csv_path=args.csv, data_home=args.data_home, seed=args.seed)
    except (MissingColumnsError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(summary(manifest, args.out, written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
