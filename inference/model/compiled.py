"""The compiled form of a model: its ``Forest`` as a NumPy archive (``model.compiled.npz``), verified on load.

Written at packaging time beside ``model.tar.gz`` and served instead of compiling the tarball; a damaged,
edited or stale archive is a ``ModelFormatError``, never wrong answers. The checks: docs/dev/runtime.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference.errors import ModelFormatError, json_refusal
from inference.model.compiled_checks import check_forest_arrays
from inference.trees import objectives
from inference.trees.forest import Forest

FORMAT = 1
"""Version of the archive layout; an archive of another version is refused (compile it again)."""
COMPILED_NAME = "model.compiled.npz"
MAX_COMPILED_BYTES = 64 * 1024 * 1024
"""The archive is read whole and its index arrays widened: as bounded as a tarball's model member (a compiled
form is smaller than its UBJSON: 1.5 MB for the 14 MB of the 1864-tree reference)."""
MAX_DIRECTORY_BYTES = 16 * 1024
"""The zip central directory: about 100 bytes per member, 10 members. ``zipfile`` reads all of it into objects
before any check could run, so its size is checked first."""
MAX_MEMBERS = 16
EDGE_BYTES = 64 * 1024
"""The fingerprint of a tarball reads this much at each end: a retrained tarball differs in both (gzip's
header holds a time, its trailer a CRC of everything), and reading 128 KiB costs nothing next to 4 MB."""
_INDEX_ARRAYS = ("cut_feature", "node_cut", "tree_group", "node_left")
_STORED = ("cut_feature", "cut_threshold", "cut_default_right", "node_cut", "leaf_value", "tree_group", "base_margin")


@dataclass(frozen=True)
class CompiledModel:
    forest: Forest
    source_sha256: str
    """SHA-256 of the ``model.tar.gz`` it was compiled from (hex)."""
    source_fingerprint: str
    """``fingerprint`` of that tarball: cheap enough to check at every load."""
    feature_names: tuple[str, ...] | None
    """The schema's feature names at compile time, when a schema was given."""


def fingerprint(size: int, head: bytes, tail: bytes) -> str:
    """SHA-256 of a file's size and its first and last ``EDGE_BYTES`` (the whole file when it is smaller)."""
    return hashlib.sha256(f"{size}|".encode() + head + b"|" + tail).hexdigest()


def fingerprint_of(data: bytes) -> str:
    return fingerprint(len(data), data[:EDGE_BYTES], data[-EDGE_BYTES:])


def fingerprint_file(path: Path) -> str:
    with path.open("rb") as stream:
        size = stream.seek(0, 2)
        stream.seek(0)
        head = stream.read(EDGE_BYTES)
        stream.seek(max(0, size - EDGE_BYTES))
        return fingerprint(size, head, stream.read(EDGE_BYTES))


def to_bytes(forest: Forest, source: bytes, feature_names: Sequence[str] | None = None) -> bytes:
    """The archive of ``forest``; ``source`` is the tarball (or model file) it was compiled from."""
    from inference.trees.layout import smallest_index_type  # packaging only: serving never imports it

    arrays = {name: getattr(forest, name) for name in _STORED}
    arrays["base_margin"] = forest.base_margin.astype(np.float64)  # float32 values, stored as every release reads them
    if forest.node_left is not None:
        arrays["node_left"] = forest.node_left
    for name in _INDEX_ARRAYS:
        if name in arrays:
            arrays[name] = arrays[name].astype(smallest_index_type(int(arrays[name].max(initial=0)) + 1))
    meta = {"format": FORMAT, "objective": forest.objective, "num_features": forest.num_features,
            "num_groups": forest.num_groups, "depth": forest.depth, "num_trees": forest.num_trees,
            "walk": forest.node_left is not None, "source_sha256": hashlib.sha256(source).hexdigest(),
            "source_fingerprint": fingerprint_of(source),
            "feature_names": None if feature_names is None else list(feature_names)}  # fmt: skip
    arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), np.uint8)
    arrays["checksum"] = np.frombuffer(checksum(arrays).encode(), np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def from_bytes(data: bytes, origin: str = COMPILED_NAME) -> CompiledModel:
    """Read and verify an archive; ``ModelFormatError`` names ``origin`` and what is wrong."""
    arrays = _read_members(data, origin)
    if "checksum" not in arrays or "meta" not in arrays:
        raise ModelFormatError(f"{origin} is not a compiled model (no meta or checksum member)")
    recorded = bytes(arrays.pop("checksum")).decode("ascii", "replace")
    if recorded != checksum(arrays):
        raise ModelFormatError(f"{origin} fails its checksum: it was truncated, damaged or edited after compiling")
    meta = _meta(arrays.pop("meta"), origin)
    check_forest_arrays(arrays, meta, origin)
    objectives.objective_of(meta["objective"])
    as_index = {name: arrays[name].astype(np.intp) for name in _INDEX_ARRAYS if name in arrays}
    base_margin = _float32_margin(meta["objective"], arrays["base_margin"])
    forest = Forest(cut_feature=as_index["cut_feature"], cut_threshold=arrays["cut_threshold"],
                    cut_default_right=arrays["cut_default_right"], node_cut=as_index["node_cut"],
                    leaf_value=arrays["leaf_value"], node_left=as_index.get("node_left"),
                    tree_group=as_index["tree_group"], base_margin=base_margin,
                    objective=meta["objective"], num_features=meta["num_features"], num_groups=meta["num_groups"],
                    depth=meta["depth"], num_trees=meta["num_trees"])  # fmt: skip
    names = meta["feature_names"]
    return CompiledModel(forest, meta["source_sha256"], meta["source_fingerprint"],
                         None if names is None else tuple(names))  # fmt: skip


def _float32_margin(objective: str, stored: np.ndarray) -> np.ndarray:
    """The float32 base margin xgboost starts from. Archives of earlier releases stored a logistic or log link's
    margin as ``log(p / (1 - p))`` or ``log(p)`` in float64 (the float32 base score is found again by the
    inverse link, exactly), this release the float32 margin itself (leaf values too: float32 in both)."""
    narrow = stored.astype(np.float32)
    if np.array_equal(narrow, stored) or objectives.objective_of(objective).link not in ("logistic", "log"):
        return narrow
    score = objectives.base_score_of(objective, stored)
    return objectives.base_margin(objective, "[" + ",".join(repr(float(value)) for value in score) + "]", len(score))


def _read_members(data: bytes, origin: str) -> dict[str, np.ndarray]:
    """Every member as an array: stored (not deflated) members only, within the size limit, no pickles."""
    _check_directory(data, origin)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ModelFormatError(f"{origin} is a single .npy array, not a compiled model archive")
            infos = archive.zip.infolist() if archive.zip is not None else []
            if any(info.compress_type != zipfile.ZIP_STORED for info in infos):
                raise ModelFormatError(f"{origin} has compressed members; compiled models are stored uncompressed")
            if sum(info.file_size for info in infos) > MAX_COMPILED_BYTES:
                raise ModelFormatError(f"{origin} unpacks to more than {MAX_COMPILED_BYTES} bytes")
            return {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        raise ModelFormatError(f"{origin} is truncated or corrupt ({_unreadable(exc)})") from exc


def _unreadable(error: Exception) -> str:
    """Our words for what ``zipfile`` or ``np.load`` refused."""
    if "allow_pickle" in str(error):
        return "a member is an object array, which only pickle can read: refused"
    if isinstance(error, zipfile.BadZipFile):
        return "not a readable zip archive"
    return "a member is not a readable NumPy array"


def _check_directory(data: bytes, origin: str) -> None:
    """Refuse a central directory larger than any this format writes, from its end record (the last 22 bytes
    but a comment); an archive without one is left to ``zipfile`` to refuse."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or end + 22 > len(data):
        return
    entries, size = struct.unpack_from("<HL", data, end + 10)  # total entries, central directory size
    if size > MAX_DIRECTORY_BYTES or entries > MAX_MEMBERS:
        raise ModelFormatError(f"{origin} lists {entries} members in {size} bytes: not a compiled model archive")


def checksum(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over every member but the checksum, in name order: name, dtype, shape and bytes."""
    digest = hashlib.sha256()
    for name in sorted(set(arrays) - {"checksum"}):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


_META_TYPES: dict[str, Any] = {
    "format": int, "objective": str, "num_features": int, "num_groups": int, "depth": int, "num_trees": int,
    "walk": bool, "source_sha256": str, "source_fingerprint": str, "feature_names": (list, type(None)),
}  # fmt: skip


def _meta(raw: np.ndarray, origin: str) -> dict[str, Any]:
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{origin}: its metadata is not JSON ({json_refusal(exc)})") from None
    if not isinstance(meta, dict) or set(meta) != set(_META_TYPES):
        raise ModelFormatError(f"{origin}: its metadata must have exactly the keys {', '.join(sorted(_META_TYPES))}")
    if meta["format"] != FORMAT:
        raise ModelFormatError(f"{origin} has format {meta['format']!r}; this runtime reads format {FORMAT}: "
                               "compile the model again with python -m inference.model.compile")  # fmt: skip
    wrong = [key for key, kind in _META_TYPES.items() if not isinstance(meta[key], kind)
             or (kind is int and isinstance(meta[key], bool))]  # fmt: skip
    names = meta["feature_names"]
    if wrong or (names is not None and not all(isinstance(name, str) for name in names)):
        raise ModelFormatError(f"{origin}: metadata {', '.join(wrong) or 'feature_names'} has the wrong type")
    return meta
