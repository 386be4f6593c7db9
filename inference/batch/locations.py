"""Where a batch job's objects are in S3: the inputs, each ``<object>.out`` and its errors, the work area.

Inputs are one object, or every object under a prefix (``s3://bucket/in/``); outputs go under the output
prefix by the input's name relative to its prefix, as Batch Transform writes them: ``in/a/x.csv`` ->
``out/a/x.csv.out``. Parts, manifests and per-object counts live under ``<output>_work/<execution>/`` and
are deleted when the job is done. The stack may read and write only the prefixes it was deployed with: a
URI outside them is refused here, by name, before anything is read.
"""

from __future__ import annotations

import posixpath
from typing import NamedTuple

from inference.errors import InvalidInput, echoed

OUTPUT_SUFFIX, ERRORS_SUFFIX, SUMMARY_NAME, WORK = ".out", ".out.errors.jsonl", "_summary.json", "_work/"


class Location(NamedTuple):
    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse(uri: object, field: str) -> Location:
    """``s3://bucket/key`` (or a prefix ending in ``/``); an ``InvalidInput`` naming ``field`` otherwise."""
    text = uri if isinstance(uri, str) else ""
    bucket, _, key = text.removeprefix("s3://").partition("/")
    if not text.startswith("s3://") or not bucket or ".." in key.split("/"):
        raise InvalidInput(f"{field} must be an s3://bucket/key URI, got {echoed(str(uri))!r}", code="invalid_uri",
                           field=field)  # fmt: skip
    return Location(bucket, key)


def prefix(location: Location) -> Location:
    """The location as a prefix (ending in ``/``, or the whole bucket)."""
    if not location.key or location.key.endswith("/"):
        return location
    return Location(location.bucket, location.key + "/")


def check_within(location: Location, allowed: str | None, field: str) -> None:
    """Refuse ``location`` outside ``allowed`` (an ``s3://`` prefix), which is all the stack's role may reach."""
    if allowed is None:
        return
    scope = prefix(parse(allowed, field))
    if location.bucket != scope.bucket or not location.key.startswith(scope.key):
        raise InvalidInput(f"{field} {location.uri} is outside {scope.uri}, the only {field} prefix this stack may "
                           "use; put the data there, or deploy with another prefix", code="outside_prefix",
                           field=field)  # fmt: skip


def output_key(source: Location, input_root: Location, output: Location) -> str:
    """``<output prefix><the input's key relative to its prefix>.out``."""
    relative = source.key[len(input_root.key) :] if input_root.key.endswith("/") else posixpath.basename(source.key)
    return prefix(output).key + relative + OUTPUT_SUFFIX


def work(output: Location, execution: str) -> Location:
    return Location(output.bucket, f"{prefix(output).key}{WORK}{execution}/")


def part(work_area: Location, obj: int, index: int, kind: str) -> str:
    return f"{work_area.key}parts/{obj}/{index}.{kind}"
