"""Fetch a model artifact (local path or ``s3://``), unpack it safely and parse it without pickle.

Accepted: ``model.tar.gz`` holding ``xgboost-model`` (what SageMaker's built-in XGBoost writes) or a bare
model file, in XGBoost's UBJSON or JSON format. Refused with a message that says how to fix it: pickle or
joblib files (loading one runs arbitrary code) and the legacy binary format of xgboost < 2.1, which
xgboost >= 3.1 cannot read either. Tarballs are read in memory, member by member: nothing is extracted
to disk, so member paths cannot escape anywhere, and oversized members are refused before they are read.
"""

from __future__ import annotations

import hashlib
import json
import re
import types
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.errors import ModelFormatError
from inference.model import ubjson
from inference.settings import DEFAULT_S3, S3Settings

_INFLATE: types.ModuleType
try:  # ISA-L's inflate: about 1.5x zlib's on model.tar.gz, and the same format (an optional dependency)
    from isal import isal_zlib

    _INFLATE = isal_zlib
except ImportError:  # pragma: no cover (both images install isal)
    _INFLATE = zlib
_INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, _INFLATE.error)

MODEL_MEMBER = "xgboost-model"
_WHITE_SPACE = re.compile(rb"[ \t\n\r\x0b\x0c]*")  # what bytes.strip() strips
MAX_ARTIFACT_BYTES = 512 * 1024 * 1024
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_SCHEMA_BYTES = 16 * 1024 * 1024
"""A schema document is small (about 1 KB per feature): a larger one is refused before it is read."""
MAX_UNPACKED_BYTES = MAX_MEMBER_BYTES + 1024 * 1024  # the member plus tar headers
_CHECK_FAILED = "CRC check failed (the gzip trailer's CRC-32 or length does not match the data)"
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
    if not _is_tarball(data):
        return _parse(data, 0, len(data), tree_columns)
    unpacked, start, stop = _unpack(data)
    return _parse(unpacked, start, stop, tree_columns)


def _is_tarball(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b" or (len(data) > 262 and data[257:262] == b"ustar")


def _gunzip(data: bytes) -> bytes:
    """Decompress every gzip member to its end, so each CRC and length trailer is checked (tarfile stops
    reading before it), in one call per member; refuse more than ``MAX_UNPACKED_BYTES`` before making them."""
    if data[:2] != b"\x1f\x8b":
        return data
    parts: list[bytes] = []
    size, rest = 0, data
    while rest:  # as gzip.GzipFile: members one after another, zero bytes between or after them
        inflater = _INFLATE.decompressobj(31)  # 31: a gzip header and trailer around the deflate stream
        try:
            part = inflater.decompress(rest, MAX_UNPACKED_BYTES + 1 - size)
        except _INFLATE_ERRORS as exc:  # the same words whichever library inflates
            reason = str(exc) if "check" not in str(exc).lower() else _CHECK_FAILED
            raise ModelFormatError(f"model.tar.gz is truncated or corrupt: {reason}") from exc
        size += len(part)
        if size > MAX_UNPACKED_BYTES:
            raise ModelFormatError(f"model.tar.gz unpacks to more than {MAX_UNPACKED_BYTES} bytes")
        if not inflater.eof:
            raise ModelFormatError("model.tar.gz is truncated or corrupt: the gzip stream ends early")
        parts.append(part)
        rest = inflater.unused_data.lstrip(b"\x00")
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _unpack(data: bytes) -> tuple[bytes, int, int]:
    """The tarball unpacked, and where the model member's bytes are in it (they are parsed in place)."""
    import io
    import tarfile  # 5 ms of imports that serving a compiled form never needs

    unreadable: tuple[type[Exception], ...] = (tarfile.TarError, EOFError, OSError, *_INFLATE_ERRORS)

    try:
        unpacked = _gunzip(data)
        with tarfile.open(fileobj=io.BytesIO(unpacked), mode="r:") as tar:
            members = tar.getmembers()
            names = [member.name for member in members]
            for member in members:
                if member.name.removeprefix("./") == MODEL_MEMBER and member.isfile():
                    if member.size > MAX_MEMBER_BYTES:
                        raise ModelFormatError(f"{MODEL_MEMBER} is larger than {MAX_MEMBER_BYTES} bytes")
                    if member.issparse():  # holes to fill: tarfile does that
                        handle = tar.extractfile(member)
                        content = handle.read() if handle is not None else b""
                        return content, 0, len(content)
                    if member.offset_data + member.size > len(unpacked):
                        raise tarfile.ReadError("unexpected end of data")
                    return unpacked, member.offset_data, member.offset_data + member.size
    except unreadable as exc:
        raise ModelFormatError(f"model.tar.gz is truncated or corrupt: {exc}") from exc
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
        raise ModelFormatError(f"model file is not valid XGBoost JSON/UBJSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ModelFormatError("model file is not an XGBoost model document")
    return document
