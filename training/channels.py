"""SageMaker channel files and the manifest that describes them.

Each channel is one CSV without a header, label in column 0 then the features in schema order: the
layout the built-in XGBoost algorithm reads with ``content_type="text/csv"``. Values are stored as
float32 (what XGBoost trains on) in their shortest text form, which parses back to the same float32; a
missing value is an empty field, which XGBoost's CSV reader (the container's) reads as missing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from inference.monitoring.channel import ChannelError, parse_channel
from training.sources import sha256_file

__all__ = ["CHANNEL_FILES", "ChannelError", "read_channel"]

CHANNEL_FILES: dict[str, str] = {
    "train": "train/train.csv",
    "validation": "validation/validation.csv",
    "test": "test/test.csv",
}
"""Channel name -> file path relative to the data directory."""
MANIFEST_NAME = "manifest.json"
SCHEMA_NAME = "schema.json"
"""The schema document, beside the channels (and, after training, beside the model)."""


def channel_lines(target: np.ndarray, features: np.ndarray) -> str:
    """CSV text: one row per line, label first, float32 values in shortest round-trip form, missing empty."""
    table = np.column_stack([target, features]).astype(np.float32)
    if table.size == 0:
        return ""
    text = np.where(np.isnan(table), "", table.astype(str))
    return "".join(",".join(row) + "\n" for row in text)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that ``path`` never holds a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8", newline="\n")
    partial.replace(path)


def write_channel(directory: Path, channel: str, target: np.ndarray, features: np.ndarray) -> dict[str, Any]:
    """Write one channel file; returns its manifest entry (row count and sha256)."""
    path = directory / CHANNEL_FILES[channel]
    write_atomically(path, channel_lines(target, features))
    return {"rows": len(target), "sha256": sha256_file(path)}


def combined_sha256(files: dict[str, dict[str, Any]]) -> str:
    """One hash over every channel file's content: what a deployment can key the data on."""
    lines = "".join(f"{name} {files[name]['sha256']}\n" for name in sorted(files))
    return hashlib.sha256(lines.encode()).hexdigest()


def read_manifest(directory: Path) -> dict[str, Any] | None:
    path = directory / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    write_atomically(directory / MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def files_match(directory: Path, manifest: dict[str, Any]) -> bool:
    """Every channel file the manifest lists exists with the recorded sha256."""
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(CHANNEL_FILES.values()):
        return False
    for name, entry in files.items():
        path = directory / name
        if not path.is_file() or sha256_file(path) != entry.get("sha256"):
            return False
    return True


def read_channel(path: Path, feature_count: int) -> tuple[np.ndarray, np.ndarray]:
    """(labels, features) from a channel CSV as float32, like the container's DMatrix; an empty field is NaN."""
    if not path.is_file():
        raise ChannelError(f"channel file not found: {path} (run `python -m training.data` first)")
    return parse_channel(path.read_text(encoding="utf-8"), feature_count, str(path))
