"""Fetch a model artifact (local path or ``s3://``), unpack it safely and parse it without pickle.

Accepted: ``model.tar.gz`` holding ``xgboost-model`` (what SageMaker's built-in XGBoost writes) or a bare
model file, in XGBoost's UBJSON or JSON format. Refused with a message that says how to fix it: pickle or
joblib files (loading one runs arbitrary code) and the legacy binary format of xgboost < 2.1, which
xgboost >= 3.1 cannot read either. Tarballs are read in memory, member by member: nothing is extracted
to disk, so member paths cannot escape anywhere; a tarball is read as a stream within bounds on its members
and unpacked size (``inference.model.tarball``), refused before the work it would ask for.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.errors import ModelFormatError, json_refusal
from inference.model import tarball, ubjson
from inference.settings import DEFAULT_S3, S3Settings

MODEL_MEMBER = "xgboost-model"
_WHITE_SPACE = re.compile(rb"[ \t\n\r\x0b\x0c]*")  # what bytes.strip() strips
MAX_ARTIFACT_BYTES = tarball.MAX_UNPACKED_BYTES
"""A tarball or a bare model file is read whole: no larger than what a tarball may unpack to."""
MAX_SCHEMA_BYTES = 16 * 1024 * 1024
"""A schema document is small (about 1 KB per feature): a larger one is refused before it is read."""
_PICKLE_HINT = (
    "pickle/joblib model files are refused: loading one runs arbitrary code. Save the model with "
    "Booster.save_model('xgboost-model') (xgboost >= 2.1 writes UBJSON) or train with SageMaker's XGBoost 3.x container"
)
_LEGACY_HINT = (
    "this looks like XGBoost's legacy binary format (SageMaker XGBoost 1.x containers, xgboost < 2.1), which "
    "xgboost >= 3.1 cannot read either. Retrain with the 3.x container, or convert it once with xgboost 3.0: "
    "xgb.Booster(model_file='xgboost-model').save_model('xgboost-model.ubj')"
)


@dataclass(frozen=True)
class Artifact:
    data: bytes
    version: str


def fetch(uri: str, *, max_bytes: int = MAX_ARTIFACT_BYTES, what: str = "model file",
          s3: S3Settings = DEFAULT_S3) -> Artifact:  # fmt: skip
    """Read the artifact's bytes and a version string (S3 VersionId or ETag, or a content digest)."""
    if uri.startswith("s3://"):
        return _fetch_s3(uri, max_bytes, s3)
    path = Path(uri).expanduser()
    if not path.is_file():
        raise ModelFormatError(f"{what} {str(path)!r} does not exist")
    if path.stat().st_size > max_bytes:
        raise ModelFormatError(f"{what} {str(path)!r} is larger than {max_bytes} bytes")
    data = path.read_bytes()
    return Artifact(data, "sha256:" + hashlib.sha256(data).hexdigest()[:16])


def _fetch_s3(uri: str, max_bytes: int, settings: S3Settings) -> Artifact:
    from inference.model.s3 import get_object  # boto3 is imported only when a model lives in S3

    return Artifact(*get_object(uri, max_bytes=max_bytes, settings=settings))


def model_document(data: bytes, *, tree_columns: bool = False) -> dict[str, Any]:
    """Unpack (if a tarball) and parse the model into its JSON document. With ``tree_columns``, the trees of
    a UBJSON model come as ``inference.trees.scan.TreeColumns`` (see ``inference.model.ubjson.loads``)."""
    model = _unpack(data) if _is_tarball(data) else data
    return _parse(model, 0, len(model), tree_columns)


def _is_tarball(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b" or (len(data) > 262 and data[257:262] == b"ustar")


def _unpack(data: bytes) -> bytes:
    """The model member of the tarball, read as a stream within ``inference.model.tarball``'s bounds."""
    content, names = tarball.read_member(data, lambda member: member.name.removeprefix("./") == MODEL_MEMBER)
    if content is not None:
        return content
    if any(name.endswith((".pkl", ".pickle", ".joblib", ".sav")) for name in names):
        raise ModelFormatError(f"the tarball holds {names}: {_PICKLE_HINT}")
    raise ModelFormatError(f"the tarball has no regular file named {MODEL_MEMBER!r} (members: {names[:10]})")


def _parse(data: bytes, start: int, stop: int, tree_columns: bool = False) -> dict[str, Any]:
    """Parse the model file ``data[start:stop]``."""
    space = _WHITE_SPACE.match(data, start, stop)  # always matches (the empty string at least)
    first = space.end() if space else start
    head, magic = data[first : min(first + 2, stop)], data[start : min(start + 2, stop)]
    if not head:
        raise ModelFormatError("the model file is empty (an interrupted upload or copy?)")
    if magic[:1] == b"\x80" or magic in (b"\x78\x9c", b"\x78\x01", b"\x78\xda"):
        raise ModelFormatError(_PICKLE_HINT)
    if head[:1] != b"{":
        raise ModelFormatError(_LEGACY_HINT)
    try:
        if head[1:2] in (b'"', b"}", b"\n", b" ", b"\r", b"\t"):
            document = json.loads(data[start:stop])
        else:
            document = ubjson.loads(data, start=start, end=stop, tree_columns=tree_columns)
    except (ValueError, RecursionError) as exc:
        raise ModelFormatError(f"model file is not valid XGBoost JSON/UBJSON: {json_refusal(exc)}") from exc
    if not isinstance(document, dict):
        raise ModelFormatError("model file is not an XGBoost model document")
    return document
