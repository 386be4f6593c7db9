"""The one registry of formats by media type, read by every route that takes or answers a body.

A ``Codec`` is one media type: its readers (a request body to the model's checked float32 matrix, or for the
Open Inference Protocol the request with its matrix), one per API that reads it, since each API has its own
request shape; and its writer of answer records, where answers are written in it. A new format is one module in
``inference/protocols/formats/`` and one ``Codec`` below.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inference.errors import InvalidInput, UnsupportedMediaType, echoed
from inference.model.columns import Columns
from inference.protocols.formats import application_json, application_jsonlines, text_csv, text_libsvm
from inference.protocols.limits import MAX_BODY_BYTES, body_too_large
from inference.protocols.v2 import tensors

Reader = Callable[[str, Columns], Any]
"""A body's text to what the API reads: the checked matrix (``tensors.InferRequest`` for the v2 protocol)."""
Writer = Callable[[list[dict[str, Any]], list[str] | None], bytes]
API, SAGEMAKER, V2 = "api", "sagemaker", "v2"
"""The APIs that read bodies: ours (``/predict``, ``/explain``), SageMaker's container's (``/invocations``) and the
Open Inference Protocol's (``/v2/models/{name}/infer``)."""
LARGE_BODY = 16 * 1024
"""Bodies larger than this (about 100 rows) are read with the cyclic garbage collector paused."""


@dataclass(frozen=True)
class Codec:
    media_type: str
    aliases: tuple[str, ...] = ()
    readers: Mapping[str, Reader] = field(default_factory=dict)
    """By API (``API``, ``SAGEMAKER``): how a body of this type becomes the matrix; absent: not read there."""
    writer: Writer | None = None
    """Answer records to bytes, where the answers of ``/invocations`` may be written in this type."""
    answer_type: str | None = None
    """The Content-Type written with ``writer``'s bytes."""

    def names(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


@dataclass(frozen=True)
class Reading:
    """How one API reads a body: its name in messages, the media type without a Content-Type, and advice."""

    api: str
    route: str
    default: str
    advice: str = ""


class Registry:
    def __init__(self, *codecs: Codec) -> None:
        self.codecs = codecs
        self._by_name = {name: codec for codec in codecs for name in codec.names()}
        self._found: dict[tuple[str | None, str], Reader] = {}
        """Readers found by Content-Type and API, a few hundred at most (the header is the client's to choose)."""

    def reader(self, content_type: str | None, reading: Reading) -> Reader:
        """The reader of ``content_type`` (its parameters ignored) for ``reading``'s API; 415 when it has none."""
        found = self._found.get((content_type, reading.api))
        if found is not None:
            return found
        media = (content_type or "").split(";", 1)[0].strip().lower() or reading.default
        codec = self._by_name.get(media)
        if codec is None or reading.api not in codec.readers:
            hint = " (recordio-protobuf is not read)" if "recordio" in media else ""
            sent = f"send {self.listing(reading.api)}{reading.advice}"
            message = f"Content-Type {echoed(media)!r} is not read on {reading.route}{hint}; {sent}"
            raise UnsupportedMediaType(message, field="Content-Type")
        if len(self._found) < 256:
            self._found[content_type, reading.api] = codec.readers[reading.api]
        return codec.readers[reading.api]

    def read(self, body: bytes | str, content_type: str | None, reading: Reading, columns: Columns) -> np.ndarray:
        """A request body as the model's checked matrix: 413 past ``MAX_BODY_BYTES``, 415 for a type the API
        does not read, 400 for text that is not UTF-8 or a value the schema refuses."""
        matrix = self.decode(body, content_type, reading, columns)
        assert isinstance(matrix, np.ndarray)
        return matrix

    def decode(self, body: bytes | str, content_type: str | None, reading: Reading, columns: Columns) -> object:
        """What ``reading``'s API reads from a request body, checked as ``read`` checks it."""
        if len(body) > MAX_BODY_BYTES:
            raise body_too_large()
        read = self.reader(content_type, reading)
        text = utf8_text(body)
        if len(text) <= LARGE_BODY:
            return read(text, columns)
        with _collection_paused():
            return read(text, columns)

    def listing(self, api: str) -> str:
        """The media types ``api`` reads, for messages: ``text/csv, text/libsvm (or text/x-libsvm) or ...``."""
        names = []
        for codec in self.codecs:
            if api in codec.readers:
                other = [alias for alias in codec.aliases if "/" in alias]
                names.append(codec.media_type + (f" (or {', '.join(other)})" if other else ""))
        return " or ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " or " + names[-1]

    def writers(self) -> dict[str, Codec]:
        """The codecs answers can be written in, by media type."""
        return {codec.media_type: codec for codec in self.codecs if codec.writer is not None}


def utf8_text(body: bytes | str) -> str:
    try:
        return (body.decode("utf-8") if isinstance(body, bytes) else body).removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8 text", code="malformed_body", field="body") from None


@contextmanager
def _collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a large body is read: its thousands of new dicts, lists and tuples
    (none of them in a cycle) would otherwise set off collections that walk every object of the process, a
    third of the reading time for 1000 rows. Collection resumes afterwards, if it was on."""
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


CODECS = Registry(
    Codec(application_json.MEDIA_TYPE, (), {API: application_json.read, V2: tensors.read}, application_json.write,
          application_json.MEDIA_TYPE),
    Codec(text_csv.MEDIA_TYPE, ("csv",), {API: text_csv.read_named, SAGEMAKER: text_csv.read_coded}, text_csv.write,
          "text/csv; charset=utf-8"),
    Codec(text_libsvm.MEDIA_TYPE, ("text/x-libsvm", "libsvm"), {SAGEMAKER: text_libsvm.read}),
    Codec(application_jsonlines.MEDIA_TYPE, (), {SAGEMAKER: application_jsonlines.read}, application_jsonlines.write,
          application_jsonlines.MEDIA_TYPE),
)  # fmt: skip
"""Every format, in the order messages list them."""
