"""Where captured records go: a line on stdout at once (Lambda), or batches written per hour (Fargate, locally).

- ``StreamSink``: each record one line on a stream. On Lambda that is stdout, which Lambda ships to CloudWatch
  Logs after the answer; a subscription filter sends the lines to Firehose, which writes them to S3 under
  ``capture/<backend>/yyyy/mm/dd/hh/``. Nothing is buffered in the function, so nothing is lost when an
  execution environment is frozen or ends.
- ``BatchSink``: records kept in memory (at most ``max_bytes``) and written by a background thread every
  ``flush_seconds``, one object (or file) per hour of records, and at exit: ``<destination><backend>/yyyy/mm/dd/
  hh/<ms>-<host>-<pid>-<n>.jsonl``. A long-lived server pays one S3 PUT per flush instead of a log ingestion
  per record, and the container log driver's 16 KiB line limit does not apply.

Dropped records (too large, buffer full, a failed write) are counted as ``CaptureDropped`` embedded-metric
lines on stdout: at once by ``StreamSink``, per flush by ``BatchSink``.
"""

from __future__ import annotations

import atexit
import itertools
import os
import socket
import sys
import threading
import time
from collections import Counter, defaultdict
from typing import Any, Protocol, TextIO

from inference.metrics.emf import emf_line

STDOUT = "stdout"
MAX_BATCH_BYTES = 16 * 1024 * 1024
"""Records a BatchSink holds between flushes; past it, records are dropped (and counted), never memory grown."""


class Sink(Protocol):
    def write(self, line: str, hour: str) -> bool:
        """Take one record (a line without newline) of the hour ``yyyy/mm/dd/hh``; False when it cannot."""
        ...

    def drop(self, reason: str) -> None:
        """Count one record dropped for ``reason``."""
        ...


def dropped_line(backend: str, count: int, reason: str) -> str:
    return emf_line({"CaptureDropped": count}, unit="Count", dimensions={"Backend": backend}, fields={"reason": reason})


class StreamSink:
    def __init__(self, stream: TextIO, backend: str) -> None:
        self.stream, self.backend = stream, backend

    def write(self, line: str, hour: str) -> bool:
        self.stream.write(line + "\n")
        self.stream.flush()
        return True

    def drop(self, reason: str) -> None:
        self.stream.write(dropped_line(self.backend, 1, reason) + "\n")
        self.stream.flush()


class BatchSink:
    def __init__(self, destination: str, backend: str, *, flush_seconds: float, max_bytes: int = MAX_BATCH_BYTES,
                 metrics: TextIO | None = None) -> None:  # fmt: skip
        self.prefix = f"{destination.rstrip('/')}/{backend}/"
        self.backend, self.flush_seconds, self.max_bytes = backend, flush_seconds, max_bytes
        self.metrics = metrics or sys.stdout
        self._lock = threading.Lock()
        self._batches: defaultdict[str, list[str]] = defaultdict(list)
        self._size = 0
        self._drops: Counter[str] = Counter()
        self._names = itertools.count()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._client: Any = None
        atexit.register(self.close)

    def write(self, line: str, hour: str) -> bool:
        with self._lock:
            if self._size + len(line) + 1 > self.max_bytes:
                return False
            self._batches[hour].append(line)
            self._size += len(line) + 1
            if self._thread is None:  # started by the first record: after any fork, in the process that writes
                self._thread = threading.Thread(target=self._run, name="capture-flush", daemon=True)
                self._thread.start()
        return True

    def drop(self, reason: str, count: int = 1) -> None:
        with self._lock:
            self._drops[reason] += count

    def flush(self) -> None:
        """Write what is held: one object per hour of records; a batch that cannot be written is counted."""
        with self._lock:
            batches, self._batches, self._size = self._batches, defaultdict(list), 0
        for hour, lines in batches.items():
            name = f"{int(time.time() * 1000)}-{socket.gethostname()}-{os.getpid()}-{next(self._names)}.jsonl"
            try:
                self._put(f"{self.prefix}{hour}/{name}", ("\n".join(lines) + "\n").encode())
            except Exception:
                self.drop("write_failed", len(lines))
        with self._lock:
            drops, self._drops = self._drops, Counter()
        if drops:
            self.metrics.write("".join(dropped_line(self.backend, n, reason) + "\n" for reason, n in drops.items()))
            self.metrics.flush()

    def _put(self, uri: str, data: bytes) -> None:
        """A local file (through a rename: a reader never sees half of it), or one S3 PUT with a kept client."""
        if not uri.startswith("s3://"):
            from inference.model.compile import write

            write(uri, data)
            return
        from inference.model.s3 import split_uri

        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "total_max_attempts": 3})
            self._client = boto3.client("s3", config=config)
        bucket, key = split_uri(uri)
        self._client.put_object(Bucket=bucket, Key=key, Body=data, ContentType="application/jsonl")

    def close(self) -> None:
        self._stop.set()
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self.flush()


def sink_for(destination: str, backend: str, flush_seconds: float) -> Sink:
    """``stdout``: a StreamSink; an ``s3://`` prefix or a local folder: a BatchSink."""
    if destination == STDOUT:
        return StreamSink(sys.stdout, backend)
    return BatchSink(destination, backend, flush_seconds=flush_seconds)
