"""What data preparation writes (channels, ``schema.json``, ``baseline.json``, ``manifest.json``) and the
fingerprint of its inputs. The baseline is the train channel's: what the model learns from."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from inference.monitoring.baseline import BASELINE_NAME, feature_baseline
from training.channels import (
    CHANNEL_FILES,
    SCHEMA_NAME,
    combined_sha256,
    files_match,
    write_atomically,
    write_channel,
    write_manifest,
)
from training.dataset import SPLIT_FRACTIONS, Split, split_rows, stratified_split
from training.rows import encode_rows
from training.sources import RawData, sha256_file, source_file
from training.spec import DatasetSpec

FORMAT_VERSION = 3
"""Bump when the written files change for the same inputs, so existing outputs are rebuilt."""


def inputs_fingerprint(source_kind: str, source_sha256: str, spec_sha256: str, seed: int) -> str:
    """Hash of everything the outputs depend on: source content, spec content, seed, split, format."""
    inputs = {
        "format_version": FORMAT_VERSION,
        "source": [source_kind, source_sha256],
        "spec_sha256": spec_sha256,
        "seed": seed,
        "split_fractions": SPLIT_FRACTIONS,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def expected_fingerprint(spec: DatasetSpec, data_home: Path | None, seed: int) -> str | None:
    """The fingerprint the outputs would get, when it can be known without loading the data."""
    path = source_file(spec, data_home)
    if not path.is_file():
        return None
    return inputs_fingerprint(spec.source.kind, sha256_file(path), sha256_file(spec.path), seed)


def outputs_match(out: Path, manifest: dict[str, Any]) -> bool:
    """Every channel file, the schema and the baseline exist with the sha256 the manifest records."""
    documents = ((out / SCHEMA_NAME, "schema_sha256"), (out / BASELINE_NAME, "baseline_sha256"))
    return files_match(out, manifest) and all(
        path.is_file() and sha256_file(path) == manifest.get(key) for path, key in documents
    )


def write_prepared(spec: DatasetSpec, raw: RawData, out: Path, seed: int) -> dict[str, Any]:
    """Validate, split and write everything; returns the manifest (also written as ``manifest.json``)."""
    dropped = raw.dropped.copy()
    rows = encode_rows(spec.schema, raw.columns, raw.target, dropped)
    kept = len(rows.target)
    split = _split(spec, rows.target, seed, dropped)
    files = {
        CHANNEL_FILES[name]: write_channel(out, name, rows.target[part], rows.features[part])
        for name, part in (("train", split.train), ("validation", split.validation), ("test", split.test))
    }
    spec_sha256 = sha256_file(spec.path)
    counts = {"loaded": kept + sum(dropped.values()), "dropped": sum(dropped.values()), "kept": kept}
    counts |= {name: len(part) for name, part in zip(("train", "validation", "test"), _parts(split), strict=True)}
    data = {"rows": counts, "sha256": combined_sha256(files), "source": raw.source, "spec_sha256": spec_sha256}
    document = dataclasses.replace(spec.schema, data=data).to_document()
    schema_text = json.dumps(document, indent=2, ensure_ascii=False)
    write_atomically(out / SCHEMA_NAME, schema_text + "\n")
    baseline = feature_baseline(spec.schema, rows.features[split.train], spec.drift_thresholds, spec.psi_threshold)
    write_atomically(out / BASELINE_NAME, json.dumps(baseline.to_document(), indent=2) + "\n")
    manifest = {
        "format_version": FORMAT_VERSION,
        "dataset": spec.name,
        "task": spec.schema.task,
        "spec_sha256": spec_sha256,
        "inputs_sha256": inputs_fingerprint(raw.source["kind"], raw.source["sha256"], spec_sha256, seed),
        "source": raw.source,
        "seed": seed,
        "split_fractions": dict(zip(("train", "validation", "test"), SPLIT_FRACTIONS, strict=True)),
        "stratified": spec.schema.task != "regression",
        "columns": [spec.schema.target.name, *spec.schema.names],
        "label_column": 0,
        "rows": {key: counts[key] for key in ("loaded", "dropped", "kept")},
        "dropped": dict(sorted(dropped.items())),
        "files": files,
        "data_sha256": data["sha256"],
        "schema_sha256": sha256_file(out / SCHEMA_NAME),
        "baseline_sha256": sha256_file(out / BASELINE_NAME),
    }
    write_manifest(out, manifest)
    return manifest


def _split(spec: DatasetSpec, target: np.ndarray, seed: int, dropped: Counter[str]) -> Split:
    try:
        return split_rows(len(target), seed) if spec.schema.task == "regression" else stratified_split(target, seed)
    except ValueError as error:
        reasons = "; ".join(f"{count} {reason}" for reason, count in dropped.most_common(3))
        raise ValueError(f"{error}{f' (dropped: {reasons})' if reasons else ''}") from None


def _parts(split: Split) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return split.train, split.validation, split.test
