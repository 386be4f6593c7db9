"""The scoring map's step: one range of one object, read by a ranged GET, scored into its two parts.

The parts (answers, errors) go to the job's work area with the range's counts as object metadata, where
the assembler finds them. The same model must score every range of a job: a worker that loaded another
version (a deployment during the job) refuses, and the range is retried, then fails.
"""

from __future__ import annotations

import tempfile
from typing import IO, Any

from inference.batch import locations as at
from inference.batch.options import Options
from inference.batch.plan import reader
from inference.batch.ranges import header
from inference.batch.scorer import Scorer
from inference.batch.stream import score_stream
from inference.errors import ModelUnavailable
from inference.model.bundle import ModelBundle

BLOCK = 1 << 20
SPOOL = 64 << 20
"""Parts up to this size stay in memory; larger ones spill to /tmp."""


def score_range(event: dict[str, Any], client: Any, bundle: ModelBundle) -> dict[str, Any]:
    job, item = event["job"], event["range"]
    if job.get("model_version") not in (None, bundle.version):
        raise ModelUnavailable(f"this job scores with model {job['model_version']} but the worker has "
                               f"{bundle.version}: it was deployed during the job; start the job again")  # fmt: skip
    source = at.Location(at.parse(job["input"], "input").bucket, item["key"])
    start, end = int(item["start"]), int(item["end"])
    options = Options.from_document(job["options"])
    head = header(reader(client, source), start)[0] if options.header else None
    scorer = _scorer(bundle, options, head)
    answer = client.get_object(Bucket=source.bucket, Key=source.key, Range=f"bytes={start}-{end - 1}")
    work = at.parse(job["work"], "work")
    with tempfile.SpooledTemporaryFile(SPOOL) as answers, tempfile.SpooledTemporaryFile(SPOOL) as errors:
        counts = score_stream(scorer, answer["Body"].iter_chunks(BLOCK), answers, errors, at_start=start == 0)
        metadata = {name: str(value) for name, value in counts.to_document().items()}
        for kind, part in (("answers", answers), ("errors", errors)):
            _upload(client, work.bucket, at.part(work, item["object"], item["range"], kind), part, metadata)
    return {"object": item["object"], "range": item["range"], **counts.to_document()}


_SCORERS: dict[tuple[int, Options, str | None], Scorer] = {}


def _scorer(bundle: ModelBundle, options: Options, head: str | None) -> Scorer:
    """One scorer per model, options and header while the function stays warm."""
    key = (id(bundle), options, head)
    if key not in _SCORERS:
        if len(_SCORERS) >= 16:
            _SCORERS.clear()
        _SCORERS[key] = Scorer(bundle, options, head)
    return _SCORERS[key]


def _upload(client: Any, bucket: str, key: str, part: IO[bytes], metadata: dict[str, str]) -> None:
    part.seek(0)
    client.put_object(Bucket=bucket, Key=key, Body=part, Metadata=metadata)
