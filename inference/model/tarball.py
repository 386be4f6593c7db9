"""Read one member of a ``model.tar.gz`` as a stream: bounded before anything large is inflated or allocated.

The gzip stream is inflated a chunk at a time and ``tarfile`` reads it in stream mode (``r|``), member by
member, so no list of members is built and nothing is extracted to disk. Refused before the work they ask for:
more than ``MAX_MEMBERS`` members, a member that declares more than ``MAX_MEMBER_BYTES``, any sparse member (its
holes would be filled in memory), and a stream that inflates to more than ``MAX_UNPACKED_BYTES``. After the
member is read the rest is inflated and dropped (within the same bound), so every gzip trailer's CRC-32 and
length are checked.
"""

from __future__ import annotations

import io
import tarfile
import types
import zlib
from collections.abc import Callable

from inference.errors import ModelFormatError

_INFLATE: types.ModuleType
try:  # ISA-L's inflate: about 1.5x zlib's on model.tar.gz, and the same format (an optional dependency)
    from isal import isal_zlib

    _INFLATE = isal_zlib
except ImportError:  # pragma: no cover (both images install isal)
    _INFLATE = zlib
INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, _INFLATE.error)

MAX_MEMBERS = 64
"""SageMaker's built-in algorithm writes one member; a directory of a few files is still welcome."""
MAX_MEMBER_BYTES = 64 * 1024 * 1024
"""The model file: 4.5x the 1864-tree reference model (14 MB of UBJSON), which loads at about 3x its size,
so the largest accepted model still loads well inside the smallest memory served from (a 512 MiB task)."""
MAX_UNPACKED_BYTES = MAX_MEMBER_BYTES + 1024 * 1024
"""Everything the gzip stream inflates to: the model member, tar headers and a few small members."""
_CHUNK = 1024 * 1024
"""Inflated at most this much at a time: the most a stream holds in memory besides the member being read."""
_INPUT = 64 * 1024
_CHECK_FAILED = "CRC check failed (the gzip trailer's CRC-32 or length does not match the data)"
_UNREADABLE: tuple[type[Exception], ...] = (tarfile.TarError, EOFError, OSError, *INFLATE_ERRORS)


def read_member(data: bytes, accept: Callable[[tarfile.TarInfo], bool]) -> tuple[bytes | None, list[str]]:
    """The content of the first regular-file member ``accept`` takes (None if none does), and the names of the
    members seen; ``ModelFormatError`` for a tarball that is damaged or asks for more than the bounds."""
    stream = InflatingReader(data)
    names: list[str] = []
    content = None
    try:
        with tarfile.open(fileobj=stream, mode="r|", bufsize=_CHUNK) as tar:  # type: ignore[call-overload]
            for member in tar:
                names.append(member.name)
                _check_member(member, len(names))
                if content is None and member.isfile() and accept(member):
                    content = _content(tar, member)
                    break
        stream.drain()
    except _UNREADABLE as exc:
        raise ModelFormatError(f"model.tar.gz is truncated or corrupt: {_reason(exc)}") from exc
    return content, names


def _reason(error: Exception) -> str:
    """Our words for what ``tarfile`` or the inflater refused, the same whichever library inflates."""
    text = str(error).lower()
    if isinstance(error, INFLATE_ERRORS) or text.startswith("zlib error"):  # tarfile rewraps zlib's while it reads
        checks = ("data check", "length check", "checksum")
        return _CHECK_FAILED if any(check in text for check in checks) else "the gzip data is damaged"
    if isinstance(error, EOFError) or "unexpected end" in text:
        return "the tar archive ends early"
    return "a tar header is damaged"


def _content(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    """The member's bytes, read a chunk at a time (``getvalue`` hands over the buffer: no second copy)."""
    handle = tar.extractfile(member)
    content = io.BytesIO()
    while handle is not None and content.tell() < member.size:
        piece = handle.read(min(_CHUNK, member.size - content.tell()))
        if not piece:
            raise tarfile.ReadError("unexpected end of data")
        content.write(piece)
    return content.getvalue()


def _check_member(member: tarfile.TarInfo, count: int) -> None:
    if count > MAX_MEMBERS:
        raise ModelFormatError(f"model.tar.gz has more than {MAX_MEMBERS} members; a model tarball holds a few")
    name = member.name[:100]
    if member.issparse():
        raise ModelFormatError(f"model.tar.gz member {name!r} is a sparse file; a model tarball holds none")
    if member.size > MAX_MEMBER_BYTES:
        raise ModelFormatError(f"model.tar.gz member {name!r} declares {member.size} bytes, more than the "
                               f"{MAX_MEMBER_BYTES} this runtime serves")  # fmt: skip


class InflatingReader:
    """``read(size)`` over a gzip stream (every member, as ``gzip.GzipFile``) or a plain tar, inflated a chunk
    at a time; more than ``MAX_UNPACKED_BYTES`` in total is a ``ModelFormatError``."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._gzip = data[:2] == b"\x1f\x8b"
        self._position = 0  # in data
        self._inflater = _INFLATE.decompressobj(31) if self._gzip else None
        self._pending = b""  # input the inflater has not taken yet (it stopped at max_length)
        self._out, self._at = b"", 0
        self.unpacked = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = MAX_UNPACKED_BYTES + 1
        if self._at == len(self._out) and not self._refill():
            return b""
        if self._at + size <= len(self._out):  # the usual case: tarfile reads 10 KiB at a time
            self._at += size
            return self._out[self._at - size : self._at]
        parts = [self._out[self._at :]]
        wanted = size - len(parts[0])
        while wanted > 0 and self._refill():
            piece = self._out[:wanted]
            self._at = len(piece)
            parts.append(piece)
            wanted -= len(piece)
        return b"".join(parts)

    def drain(self) -> None:
        """Inflate what is left to its end (every trailer checked), within the bound."""
        while self._refill():
            pass

    def _refill(self) -> bool:
        """The next chunk into ``_out``; False at the end of the stream."""
        self._out, self._at = (self._inflate() if self._gzip else self._plain()), 0
        self.unpacked += len(self._out)
        if self.unpacked > MAX_UNPACKED_BYTES:
            raise ModelFormatError(f"model.tar.gz unpacks to more than {MAX_UNPACKED_BYTES} bytes")
        return bool(self._out)

    def _plain(self) -> bytes:
        chunk = bytes(self._data[self._position : self._position + _CHUNK])
        self._position += len(chunk)
        return chunk

    def _inflate(self) -> bytes:
        while self._inflater is not None:
            if not self._pending:
                self._pending = bytes(self._data[self._position : self._position + _INPUT])
                self._position += len(self._pending)
            if not self._pending:
                raise ModelFormatError("model.tar.gz is truncated or corrupt: the gzip stream ends early")
            out = self._inflater.decompress(self._pending, _CHUNK)
            self._pending = self._inflater.unconsumed_tail
            if self._inflater.eof:
                self._next_member(self._inflater.unused_data)
            if out:
                return bytes(out)
        return b""

    def _next_member(self, unused: bytes) -> None:
        """After a gzip member's trailer: the next member starts after any zero padding, or the stream ends."""
        pending = unused.lstrip(b"\x00")
        while not pending and self._position < len(self._data):
            piece = bytes(self._data[self._position : self._position + _INPUT])
            self._position += len(piece)
            pending = piece.lstrip(b"\x00")
        self._pending = pending
        self._inflater = _INFLATE.decompressobj(31) if pending else None
