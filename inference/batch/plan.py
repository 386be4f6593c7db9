"""The state machine's first step: what to score, in which ranges, written as the manifests the maps read.

The inputs are listed (one object, or every object under a prefix), the options checked against the model
and each header, and each object planned into byte ranges at line boundaries (``inference.batch.ranges``,
small ranged GETs in parallel). ``ranges.json`` lists every range of every object (the scoring map's
items), ``objects.json`` every object (the assembling map's), ``bounds/<n>.json`` each object's range
bounds (to fill in a range that failed for good). A job that cannot run fails here, with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from inference.batch import locations as at
from inference.batch.options import Options
from inference.batch.ranges import Read, header, plan
from inference.batch.scorer import Scorer
from inference.errors import InvalidInput
from inference.model.bundle import ModelBundle
from inference.settings import Settings

PLANNING_THREADS = 16


def plan_job(event: dict[str, Any], client: Any, settings: Settings, bundle: ModelBundle) -> dict[str, Any]:
    request = event.get("request")
    if not isinstance(request, dict):
        raise InvalidInput("start the execution with {\"input\": \"s3://...\", \"output\": \"s3://.../\"}",
                           code="invalid_request", field="input")  # fmt: skip
    source, output = at.parse(request.get("input"), "input"), at.prefix(at.parse(request.get("output"), "output"))
    at.check_within(source, settings.batch_input_uri, "input")
    at.check_within(output, settings.batch_output_uri, "output")
    options = Options.from_document(request.get("options"))
    if not options.header:
        Scorer(bundle, options)  # refuses the content type (415), the accept (406), the keys (400) before any read
    work = at.work(output, str(event["execution"]))
    objects, ranges = [], []
    for number, (key, size) in enumerate(_inputs(client, source, output)):
        location = at.Location(source.bucket, key)
        described, bounds = _object(client, number, location, size, options, bundle, settings.batch_range_mb)
        described["output_key"] = at.output_key(location, source, output)
        objects.append(described)
        ranges += [{"object": number, "key": key, "range": index, "start": start, "end": end}
                   for index, (start, end) in enumerate(pairwise(bounds))]  # fmt: skip
        _put(client, work, f"bounds/{number}.json", bounds)
    _put(client, work, "ranges.json", ranges)
    _put(client, work, "objects.json", objects)
    job = {"input": source.uri, "output": output.uri, "work": work.uri, "options": options.to_document(),
           "execution": event["execution"], "started": event.get("started"),
           "model_version": bundle.version}  # fmt: skip
    return {"job": job, "bucket": work.bucket, "ranges_key": work.key + "ranges.json",
            "objects_key": work.key + "objects.json", "objects": len(objects), "ranges": len(ranges)}  # fmt: skip


def _object(client: Any, number: int, source: at.Location, size: int, options: Options, bundle: ModelBundle,
            range_mb: int) -> tuple[dict[str, Any], list[int]]:  # fmt: skip
    read = reader(client, source)
    head, first = header(read, size) if options.header else ("", 0)
    line = Scorer(bundle, options, head).header_line() if options.header else None
    planned = plan(size, range_mb << 20, read, first=first, threads=PLANNING_THREADS)
    bounds = [planned[0].start, *(end for _, end in planned)] if planned else []
    described = {"object": number, "key": source.key, "size": size, "header_lines": 1 if options.header else 0,
                 "head": None if line is None else line.decode(), "ranges": len(planned)}  # fmt: skip
    return described, bounds


def reader(client: Any, source: at.Location) -> Read:
    """``read(offset, size)`` by ranged GETs of ``source``."""

    def read(offset: int, size: int) -> bytes:
        if size <= 0:
            return b""
        answer = client.get_object(Bucket=source.bucket, Key=source.key, Range=f"bytes={offset}-{offset + size - 1}")
        return bytes(answer["Body"].read())

    return read


def _inputs(client: Any, source: at.Location, output: at.Location) -> Iterator[tuple[str, int]]:
    """(key, size) of the input object, or of every object under the input prefix but the job's own outputs."""
    if source.key and not source.key.endswith("/"):
        try:
            yield source.key, int(client.head_object(Bucket=source.bucket, Key=source.key)["ContentLength"])
        except client.exceptions.ClientError as error:
            raise InvalidInput(f"input {source.uri} cannot be read: {error}", code="input_unreadable",
                               field="input") from None  # fmt: skip
        return
    found = False
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=source.bucket, Prefix=source.key):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key.endswith("/") or (source.bucket == output.bucket and key.startswith(output.key)):
                continue
            found = True
            yield key, int(item["Size"])
    if not found:
        raise InvalidInput(f"no objects under input {source.uri}", code="input_unreadable", field="input")


def _put(client: Any, work: at.Location, name: str, document: object) -> None:
    client.put_object(Bucket=work.bucket, Key=work.key + name, Body=json.dumps(document).encode(),
                      ContentType="application/json")  # fmt: skip
