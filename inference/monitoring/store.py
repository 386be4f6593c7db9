"""The monitor's reads and writes: hourly prefixes of captured and ground-truth records, and its reports, in a
local folder or under an ``s3://bucket/prefix/``.

Records sit under ``<root>/<backend>/yyyy/mm/dd/hh/`` (capture) or ``<root>/yyyy/mm/dd/hh/`` (ground truth, as
SageMaker lays it out). A window is a list of such hours; S3 is listed one hour prefix at a time, so a run
never lists the whole retention period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.model.compile import write

HOUR_FORMAT = "%Y/%m/%d/%H"


@dataclass(frozen=True)
class Window:
    """``hours`` hours from ``start`` (a whole UTC hour)."""

    start: dt.datetime
    hours: int

    @classmethod
    def ending_before(cls, moment: dt.datetime, hours: int, lag: dt.timedelta) -> Window:
        """The ``hours`` whole hours that ended at least ``lag`` before ``moment``: records have arrived."""
        end = (moment.astimezone(dt.UTC) - lag).replace(minute=0, second=0, microsecond=0)
        return cls(end - dt.timedelta(hours=hours), hours)

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(hours=self.hours)

    @property
    def name(self) -> str:
        """The report's folder: ``2024-05-01T09Z-1h``."""
        return f"{self.start:%Y-%m-%dT%H}Z-{self.hours}h"

    def prefixes(self) -> list[str]:
        return [(self.start + dt.timedelta(hours=h)).strftime(HOUR_FORMAT) for h in range(self.hours)]


class Store:
    """A folder, or an S3 bucket and prefix (``root`` ends with ``/``)."""

    def __init__(self, root: str) -> None:
        self.root = root if root.endswith("/") else root + "/"
        self._client: Any = None

    @property
    def remote(self) -> bool:
        return self.root.startswith("s3://")

    def children(self) -> list[str]:
        """The names of the folders right under the root (the backends of a capture root)."""
        if not self.remote:
            root = Path(self.root)
            return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        bucket, prefix = self._bucket_prefix()
        pages = self._s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/")
        return sorted(c["Prefix"][len(prefix) :].rstrip("/") for page in pages for c in page.get("CommonPrefixes", []))

    def keys(self, under: str) -> Iterator[str]:
        """Every object (file) under ``<root><under>``, as a path relative to the root, in name order."""
        if not self.remote:
            folder = Path(self.root) / under
            yield from (str(p.relative_to(self.root)) for p in sorted(folder.rglob("*")) if p.is_file())
            return
        bucket, prefix = self._bucket_prefix()
        pages = self._s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + under)
        yield from (item["Key"][len(prefix) :] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        if not self.remote:
            return (Path(self.root) / key).read_bytes()
        bucket, prefix = self._bucket_prefix()
        body: bytes = self._s3().get_object(Bucket=bucket, Key=prefix + key)["Body"].read()
        return body

    def write(self, key: str, data: bytes, content_type: str) -> str:
        """Write ``data`` at ``key`` (locally through a rename); returns its URI or path."""
        if not self.remote:
            write(self.root + key, data)
            return self.root + key
        bucket, prefix = self._bucket_prefix()
        self._s3().put_object(Bucket=bucket, Key=prefix + key, Body=data, ContentType=content_type)
        return f"s3://{bucket}/{prefix}{key}"

    def _bucket_prefix(self) -> tuple[str, str]:
        from inference.model.s3 import split_uri  # boto3 is imported only for an s3:// root

        bucket, prefix = split_uri(self.root + "x")  # split_uri wants a key; the prefix is what precedes it
        return bucket, prefix[:-1]

    def _s3(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=5, read_timeout=60, retries={"mode": "standard", "total_max_attempts": 5})
            self._client = boto3.client("s3", config=config)
        return self._client
