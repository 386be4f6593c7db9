"""The batch state machine's steps against a real S3-compatible endpoint (moto's server) with real boto3.

Each test runs the steps as the state machine chains them: plan, every range's score (the items of the
ranges manifest the planner wrote, as the Distributed Map's ItemReader reads them), every object's
assembly, then the summary; and checks the objects a user finds afterwards.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest

from inference.batch import steps
from inference.batch.multipart import MIN_PART, ObjectWriter
from inference.errors import InvalidInput
from inference.metrics.names import Dimension, Metric
from inference.metrics.recorder import Recorder
from inference.model.bundle import ModelBundle
from inference.settings import Settings
from tests.support import emf
from tests.support.batch import housing_rows, xgboost_answers

BUCKET = "batch-bucket"


@pytest.fixture
def s3(aws_env: str) -> Any:
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture(scope="module")
def bundle(model_tarball: Path) -> ModelBundle:
    return ModelBundle.load(str(model_tarball))


def settings(range_mb: int = 1) -> Settings:
    return Settings(batch_input_uri=f"s3://{BUCKET}/in/", batch_output_uri=f"s3://{BUCKET}/out/",
                    batch_range_mb=range_mb)  # fmt: skip


Step = Callable[[dict[str, Any], Any, Settings, Callable[[], ModelBundle]], dict[str, Any]]


def run_job(s3: Any, bundle: ModelBundle, request: dict[str, Any], *, config: Settings | None = None,
            lose: Callable[[dict[str, Any]], bool] = lambda item: False,
            run: Step = steps.run) -> dict[str, Any]:  # fmt: skip
    """The state machine's data flow: plan, score each range (but the ``lose`` ones), assemble, summarize; each
    step by ``run`` (the steps themselves, or the Lambda function's adapter)."""
    config = config or settings()
    plan = run({"step": "plan", "request": request, "execution": "exec-1", "started": "2026-01-01T00:00:00Z"},
                     s3, config, lambda: bundle)  # fmt: skip
    ranges = json.loads(s3.get_object(Bucket=plan["bucket"], Key=plan["ranges_key"])["Body"].read())
    assert len(ranges) == plan["ranges"]
    for item in ranges:
        if not lose(item):
            run({"step": "score", "job": plan["job"], "range": item}, s3, config, lambda: bundle)
    for obj in json.loads(s3.get_object(Bucket=plan["bucket"], Key=plan["objects_key"])["Body"].read()):
        run({"step": "assemble", "job": plan["job"], "object": obj}, s3, config, lambda: bundle)
    return run({"step": "summarize", "job": plan["job"], "objects": plan["objects"]}, s3, config, lambda: bundle)


def read(s3: Any, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def keys(s3: Any, prefix: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


def test_a_job_writes_each_answer_on_its_line_in_order_across_ranges(s3: Any, bundle: ModelBundle,
                                                                       model_tarball: Path) -> None:  # fmt: skip
    rows, lines = housing_rows(40_000)
    lines[7] = b"1,2,3"  # wrong column count
    lines[20_000] = b""  # a blank line
    s3.put_object(Bucket=BUCKET, Key="in/day/1.csv", Body=b"\n".join(lines) + b"\n")
    s3.put_object(Bucket=BUCKET, Key="in/day/2.csv", Body=b"\r\n".join(lines[:10]))  # CRLF, no final newline
    summary = run_job(s3, bundle, {"input": f"s3://{BUCKET}/in/", "output": f"s3://{BUCKET}/out/"})
    answers = read(s3, "out/day/1.csv.out").split(b"\n")
    assert len(answers) == len(lines) + 1 and answers[-1] == b""  # one line per input line, each ending in \n
    expected = xgboost_answers(model_tarball, rows)
    good = [i for i in range(len(lines)) if i not in (7, 20_000)]
    np.testing.assert_allclose([float(answers[i]) for i in good], expected[good], rtol=1e-6, atol=1e-6)
    assert answers[7] == b"" and answers[20_000] == b""
    errors = [json.loads(line) for line in read(s3, "out/day/1.csv.out.errors.jsonl").splitlines()]
    assert errors == [{"line": 8, "status": 400, "code": "wrong_row_length", "field": "body",
                       "message": "row 0 has 3 values; expected 8 in this order: MedInc, HouseAge, AveRooms, "
                       "AveBedrms, Population, AveOccup, Latitude, Longitude"}]  # fmt: skip
    assert len(read(s3, "out/day/2.csv.out").splitlines()) == 10
    assert json.loads(read(s3, "out/day/2.csv.out.errors.jsonl"))["line"] == 8  # the same bad row, CRLF
    assert (summary["objects"], summary["rows"], summary["failed_rows"], summary["blank_lines"]) == (2, 40_009, 2, 1)
    assert summary["errors"] == [f"s3://{BUCKET}/out/day/{n}.csv.out.errors.jsonl" for n in (1, 2)]
    assert json.loads(read(s3, "out/_summary.json"))["model_version"] == bundle.version
    assert keys(s3, "out/_work/") == []  # parts, manifests and counts are deleted


def test_a_range_lost_for_good_still_gets_its_lines_as_failed(s3: Any, bundle: ModelBundle) -> None:
    _, lines = housing_rows(40_000)
    s3.put_object(Bucket=BUCKET, Key="in/x.csv", Body=b"\n".join(lines) + b"\n")
    summary = run_job(s3, bundle, {"input": f"s3://{BUCKET}/in/x.csv", "output": f"s3://{BUCKET}/out/"},
                      lose=lambda item: item["range"] == 1)  # fmt: skip
    answers = read(s3, "out/x.csv.out").split(b"\n")[:-1]
    errors = [json.loads(line) for line in read(s3, "out/x.csv.out.errors.jsonl").splitlines()]
    assert len(answers) == len(lines) and errors
    lost = [error["line"] for error in errors]
    assert lost == list(range(lost[0], lost[-1] + 1)) and {e["code"] for e in errors} == {"range_failed"}
    assert all(answers[line - 1] == b"" for line in lost)
    assert answers[lost[0] - 2] != b"" and answers[lost[-1]] != b""
    assert summary["failed_rows"] == len(lost)


def test_a_header_names_the_columns_and_a_join_keeps_an_id(s3: Any, bundle: ModelBundle) -> None:
    names = list(bundle.schema.names)
    rows, _ = housing_rows(5)
    body = "id," + ",".join(reversed(names)) + ",note\n"
    body += "".join(f"row-{i}," + ",".join(repr(float(v)) for v in reversed(row.tolist())) + ',"a, b"\n'
                    for i, row in enumerate(rows))  # fmt: skip
    s3.put_object(Bucket=BUCKET, Key="in/named.csv", Body=body.encode())
    request = {"input": f"s3://{BUCKET}/in/named.csv", "output": f"s3://{BUCKET}/out/",
               "options": {"header": True, "join": "id"}}  # fmt: skip
    run_job(s3, bundle, request)
    lines = read(s3, "out/named.csv.out").decode().splitlines()
    assert lines[0] == "id,score" and [line.split(",")[0] for line in lines[1:]] == [f"row-{i}" for i in range(5)]
    assert np.allclose([float(line.split(",")[1]) for line in lines[1:]], bundle.ensemble.predict(rows))


def test_a_job_outside_the_stacks_prefixes_is_refused_before_any_read(s3: Any, bundle: ModelBundle) -> None:
    with pytest.raises(InvalidInput, match="outside s3://batch-bucket/in/"):
        run_job(s3, bundle, {"input": f"s3://{BUCKET}/secret/x.csv", "output": f"s3://{BUCKET}/out/"})
    with pytest.raises(InvalidInput, match="no objects under input"):
        run_job(s3, bundle, {"input": f"s3://{BUCKET}/in/none/", "output": f"s3://{BUCKET}/out/"})


@pytest.mark.parametrize("sizes", [[MIN_PART + 10, 3, MIN_PART * 2 + 1, 0, 100, MIN_PART - 1, 7], [1, 2, 3], []])
def test_the_object_writer_joins_pieces_in_order_whatever_their_sizes(s3: Any, sizes: list[int]) -> None:
    pieces = [bytes([65 + n % 26]) * size for n, size in enumerate(sizes)]
    writer = ObjectWriter(s3, BUCKET, "joined")
    for n, piece in enumerate(pieces):
        if n % 3 == 1:
            writer.add_bytes(piece)
        else:
            s3.put_object(Bucket=BUCKET, Key=f"piece/{n}", Body=piece)
            writer.add_object(BUCKET, f"piece/{n}", len(piece))
    writer.close()
    assert read(s3, "joined") == b"".join(pieces)


def test_the_batch_function_counts_its_steps_as_serving_counts_requests(s3: Any, bundle: ModelBundle) -> None:
    """lambda_image/batch_handler.py with its recorder: one EMF line per step, checked as CloudWatch would extract
    it: every step an invocation under its Route, the ranges' answered rows and failed rows, a refused step a 4xx."""
    adapter = importlib.import_module("lambda_image.batch_handler")
    written: list[dict[str, Any]] = []
    recorder = Recorder("batch", 0.0, lambda: bundle.version)

    def through_the_function(event: dict[str, Any], client: Any, config: Settings,
                             load: Callable[[], ModelBundle]) -> dict[str, Any]:  # fmt: skip
        return dict(adapter.handle(event, client, config, load, recorder, written.append))

    _, lines = housing_rows(40_000)
    lines[7] = b"1,2,3"
    s3.put_object(Bucket=BUCKET, Key="in/counted/m.csv", Body=b"\n".join(lines) + b"\n")
    summary = run_job(s3, bundle, {"input": f"s3://{BUCKET}/in/counted/", "output": f"s3://{BUCKET}/out/counted/"},
                      run=through_the_function)  # fmt: skip
    with pytest.raises(InvalidInput):
        through_the_function({"step": "retrain"}, s3, settings(), lambda: bundle)
    metrics = emf.extracted(json.loads(json.dumps(document)) for document in written)
    by_route = Counter[tuple[str, str]]()
    for metric in metrics:
        dimensions = dict(metric.dimensions)
        if Dimension.ROUTE in dimensions and metric.name in (Metric.INVOCATIONS, Metric.ERRORS_4XX, Metric.ROWS):
            assert dimensions[Dimension.BACKEND] == "batch" and dimensions[Dimension.MODEL_VERSION] == bundle.version
            by_route[metric.name, dimensions[Dimension.ROUTE]] += int(sum(metric.values))
    ranges = by_route[Metric.INVOCATIONS, "score"]
    assert ranges >= 2, "40,000 rows in 1 MB ranges"
    assert {key: count for key, count in by_route.items() if key[0] != Metric.INVOCATIONS or key[1] != "score"} == {
        (Metric.INVOCATIONS, "plan"): 1, (Metric.INVOCATIONS, "assemble"): 1, (Metric.INVOCATIONS, "summarize"): 1,
        (Metric.INVOCATIONS, "unknown"): 1, (Metric.ERRORS_4XX, "unknown"): 1,
        (Metric.ROWS, "score"): 39_999, (Metric.ROWS, "plan"): 0, (Metric.ROWS, "assemble"): 0,
        (Metric.ROWS, "summarize"): 0, (Metric.ROWS, "unknown"): 0,
    }  # fmt: skip
    failed = [m for m in metrics if m.name == Metric.FAILED_ROWS]
    assert [(dict(m.dimensions), m.values) for m in failed] == [
        ({Dimension.BACKEND: "batch", Dimension.MODEL_VERSION: bundle.version}, (1,))
    ]
    assert summary["failed_rows"] == 1 and summary["rows"] == 40_000
