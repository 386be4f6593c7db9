"""The assembling map's step (one object: its parts in order into ``<object>.out`` and its errors file) and
the last step (every object's counts into ``_summary.json``, the work area deleted).

A part missing after the scoring map (a range that failed for good, within the tolerated failures) still
gets one line per input line: its lines are counted from the input, answered empty, and each listed in
the errors file as ``range_failed``, so the output lines keep matching the input's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from inference.batch import locations as at
from inference.batch.lines import LongLine, count_lines, lines_of
from inference.batch.multipart import ObjectWriter
from inference.batch.stream import Counts, renumbered

THREADS = 16
FAILED_RANGE = {"status": 500, "code": "range_failed",
                "message": "the range holding this line failed after its retries; score the line again"}  # fmt: skip


def assemble_object(event: dict[str, Any], client: Any) -> dict[str, Any]:
    job, obj = event["job"], event["object"]
    work, output = at.parse(job["work"], "work"), at.parse(job["output"], "output")
    answers = ObjectWriter(client, output.bucket, obj["output_key"])
    errors = ObjectWriter(client, output.bucket, obj["output_key"].removesuffix(at.OUTPUT_SUFFIX) + at.ERRORS_SUFFIX)
    if obj.get("head"):
        answers.add_bytes(obj["head"].encode() + b"\n")
    counts = Counts(lines=int(obj["header_lines"]))
    keys = [at.part(work, obj["object"], index, "answers") for index in range(int(obj["ranges"]))]
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            for index, described in enumerate(pool.map(lambda key: _head(client, work.bucket, key), keys)):
                if described is None:
                    part = _fill(client, job, obj, index, answers, errors, counts.lines)
                else:
                    answers.add_object(work.bucket, keys[index], int(described["ContentLength"]))
                    part = Counts.from_document({k: int(v) for k, v in described["Metadata"].items()})
                    errors_key = at.part(work, obj["object"], index, "errors")
                    for chunk in _chunks(client, work.bucket, errors_key):
                        errors.add_bytes(renumbered(chunk, counts.lines))
                counts.add(part)
        answers.close()
        errors.close()
    except BaseException:
        answers.abort()
        errors.abort()
        raise
    summary = {"object": obj["object"], "input": f"s3://{at.parse(job['input'], 'input').bucket}/{obj['key']}",
               "output": f"s3://{output.bucket}/{obj['output_key']}", "errors": f"s3://{output.bucket}/{errors.key}",
               **counts.to_document()}  # fmt: skip
    client.put_object(Bucket=work.bucket, Key=f"{work.key}objects/{obj['object']}.json", Body=json.dumps(summary))
    _delete(client, work.bucket, [key for index in range(len(keys)) for key in
                                  (keys[index], at.part(work, obj["object"], index, "errors"))])  # fmt: skip
    return summary


def _head(client: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        return dict(client.head_object(Bucket=bucket, Key=key))
    except client.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def _chunks(client: Any, bucket: str, key: str) -> Iterator[bytes]:
    """An object's lines in chunks of whole lines (errors files: renumbered chunk by chunk)."""
    for batch in lines_of(client.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(1 << 20)):
        if not isinstance(batch, LongLine):
            yield b"".join(line + b"\n" for line in batch)


def _fill(client: Any, job: dict[str, Any], obj: dict[str, Any], index: int, answers: ObjectWriter,
          errors: ObjectWriter, lines_before: int) -> Counts:  # fmt: skip
    """A range that has no part: an empty answer line and a ``range_failed`` error for each of its lines."""
    work = at.parse(job["work"], "work")
    bounds = json.loads(client.get_object(Bucket=work.bucket, Key=f"{work.key}bounds/{obj['object']}.json")["Body"]
                        .read())  # fmt: skip
    source = at.parse(job["input"], "input").bucket
    body = client.get_object(Bucket=source, Key=obj["key"], Range=f"bytes={bounds[index]}-{bounds[index + 1] - 1}")
    lines = count_lines(body["Body"].iter_chunks(1 << 20))
    for start in range(0, lines, 100_000):
        count = min(100_000, lines - start)
        answers.add_bytes(b"\n" * count)
        errors.add_bytes(b"".join(_failed(lines_before + start + n + 1) for n in range(count)))
    return Counts(lines, lines, lines, 0)


def _failed(line: int) -> bytes:
    return (json.dumps({"line": line, **FAILED_RANGE}) + "\n").encode()


def _delete(client: Any, bucket: str, keys: Iterable[str]) -> None:
    keys = list(keys)
    for start in range(0, len(keys), 1000):
        objects = [{"Key": key} for key in keys[start : start + 1000]]
        client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})


def summarize(event: dict[str, Any], client: Any) -> dict[str, Any]:
    """Every object's counts added up into ``<output>_summary.json``; the work area deleted; the summary."""
    job, objects = event["job"], int(event["objects"])
    work, output = at.parse(job["work"], "work"), at.parse(job["output"], "output")

    def read(number: int) -> dict[str, Any]:
        key = f"{work.key}objects/{number}.json"
        return dict(json.loads(client.get_object(Bucket=work.bucket, Key=key)["Body"].read()))

    with ThreadPoolExecutor(THREADS) as pool:
        described = list(pool.map(read, range(objects)))
    counts = Counts()
    for item in described:
        counts.add(Counts.from_document(item))
    finished = time.time()
    started = _epoch(job.get("started")) or finished
    summary = {"input": job["input"], "output": job["output"], "objects": objects, **counts.to_document(),
               "seconds": round(finished - started, 3), "model_version": job.get("model_version"),
               "execution": job.get("execution"), "summary": f"s3://{output.bucket}/{output.key}{at.SUMMARY_NAME}",
               "errors": [item["errors"] for item in described if item["failed_rows"]]}  # fmt: skip
    client.put_object(Bucket=output.bucket, Key=output.key + at.SUMMARY_NAME, Body=json.dumps(summary, indent=2))
    listed = client.get_paginator("list_objects_v2").paginate(Bucket=work.bucket, Prefix=work.key)
    _delete(client, work.bucket, [item["Key"] for page in listed for item in page.get("Contents", [])])
    return {**summary, "errors": summary["errors"][:20]}


def _epoch(started: object) -> float | None:
    """An execution's start time (``$$.Execution.StartTime``, ISO 8601) as seconds since the epoch."""
    if not isinstance(started, str):
        return None
    try:
        return datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
