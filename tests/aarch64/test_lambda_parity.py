"""The Lambda handler answers byte for byte the same on aarch64 (emulated) as on x86_64 (the host venv).

Every job of this module (recorded events, held-out rows and explanations, broken artifacts) runs in one process on
the host and one per emulated CPU (tests/aarch64/run_handler.py, once per model case); each test compares its own
answer files.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.aarch64.conftest import Answers, HandlerRunner, Job
from tests.aarch64.rows import ROWS_SOURCE, feature_rows
from tests.conftest import REPO_ROOT
from tests.reliability.artifacts import pickled_model
from tests.support.models import tar_bytes

pytestmark = pytest.mark.slow  # the first run sets up the emulated root and downloads wheels

RECORDED_EVENTS = sorted((REPO_ROOT / "tests" / "events").glob("*.json"))
PING, PREDICT = "http_api_v2_ping.json", "direct_named.json"
BATCH_ROWS = 1000  # the handler's limit of rows per request
"""Every row is predicted; the first batch is also explained (TreeSHAP costs ~4 s of emulated CPU per 1,000 rows)."""


def csv_event(rows: list[str], route: str) -> dict[str, Any]:
    """An HTTP API (payload 2.0) POST of CSV rows to ``route``, as API Gateway delivers it."""
    return {"version": "2.0", "rawPath": route, "rawQueryString": "", "headers": {"content-type": "text/csv"},
            "requestContext": {"http": {"method": "POST", "path": route}}, "body": "\n".join(rows) + "\n",
            "isBase64Encoded": False}  # fmt: skip


def assert_identical(answers: list[Answers]) -> list[Any]:
    """Every emulated run's answers file byte for byte the host's; returns the decoded answers."""
    host, *emulated = answers
    assert [run.machine for run in answers] == [platform.machine()] + ["aarch64"] * len(emulated)
    for run in emulated:
        for number, (ours, theirs) in enumerate(zip(host.raw.splitlines(), run.raw.splitlines(), strict=False)):
            assert theirs == ours, (
                f"answer {number} differs on {run.cpu}:\nhost: {ours[:400]!r}\n{run.cpu}: {theirs[:400]!r}"
            )
        assert run.raw == host.raw, run.cpu
    return host.decoded()


def batches(rows: list[str]) -> list[list[str]]:
    return [rows[start : start + BATCH_ROWS] for start in range(0, len(rows), BATCH_ROWS)]


def prediction_events(rows: list[str]) -> list[Any]:
    """Each batch twice: as CSV over HTTP, and as a direct invocation with JSON arrays."""
    events: list[Any] = []
    for batch in batches(rows):
        events += [
            csv_event(batch, "/predict"),
            {"instances": [[float(value) for value in row.split(",")] for row in batch]},
        ]
    return events


BROKEN_ARTIFACTS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "pickle in the tarball": (lambda good: tar_bytes({"xgboost-model": pickled_model()}), "pickle/joblib"),
    "truncated tarball": (lambda good: good[:400], "truncated or corrupt"),
}
FAULT_EVENTS = [json.loads((REPO_ROOT / "tests/events" / name).read_text()) for name in (PING, PREDICT)]


def broken_artifact_jobs(model_env: dict[str, str], folder: Path) -> dict[str, Job]:
    jobs: dict[str, Job] = {}
    for number, (fault, (build, _)) in enumerate(BROKEN_ARTIFACTS.items()):
        broken = folder / f"broken-{number}.tar.gz"
        broken.write_bytes(build(Path(model_env["MODEL_URI"]).read_bytes()))
        env = {**model_env, "MODEL_URI": str(broken), "MODEL_RETRY_SECONDS": "3600"}  # no background reload
        jobs[fault] = (FAULT_EVENTS, env)
    return jobs


@pytest.fixture(scope="module")
def rows() -> list[str]:
    return feature_rows()


@pytest.fixture(scope="module")
def parity(answer_everywhere: HandlerRunner, model_env: dict[str, str], rows: list[str],  # type: ignore[no-untyped-def]
           tmp_path_factory: pytest.TempPathFactory):  # fmt: skip
    """Every job's answers on both architectures, for one model case."""
    jobs: dict[str, Job] = {
        "recorded": ([json.loads(path.read_text()) for path in RECORDED_EVENTS], model_env),
        "rows": (prediction_events(rows), model_env),
        "explain": ([csv_event(rows[:BATCH_ROWS], "/explain")], model_env),
        **broken_artifact_jobs(model_env, tmp_path_factory.mktemp("broken")),
    }
    return answer_everywhere(jobs)


def test_recorded_events_answer_identically(parity) -> None:  # type: ignore[no-untyped-def]
    answers = assert_identical(parity["recorded"])
    assert len(answers) == len(RECORDED_EVENTS)
    statuses = {path.stem: answer.get("statusCode", 200) for path, answer in zip(RECORDED_EVENTS, answers, strict=True)}
    assert all(status < 500 for status in statuses.values()), statuses
    assert statuses["http_api_v2_ping"] == 200, "the model did not load"


@pytest.mark.parametrize("rows_source", [ROWS_SOURCE])
def test_rows_answer_identically(parity, rows: list[str], rows_source: str) -> None:  # type: ignore[no-untyped-def]
    answers = assert_identical(parity["rows"])
    bodies = [json.loads(answer["body"]) for answer in answers[::2]]
    assert [answer["statusCode"] for answer in answers[::2]] == [200] * len(bodies), bodies[0]
    assert [body["predictions"] for body in bodies] == [answer["predictions"] for answer in answers[1::2]]
    assert sum(body["count"] for body in bodies) == len(rows)
    print(f"{rows_source}: {len(rows)} rows in {len(bodies)} batches, answers identical on x86_64 and emulated aarch64")


@pytest.mark.parametrize("rows_source", [ROWS_SOURCE])
def test_explanations_answer_identically(parity, rows: list[str], rows_source: str) -> None:  # type: ignore[no-untyped-def]
    (answer,) = assert_identical(parity["explain"])
    body = json.loads(answer["body"])
    assert answer["statusCode"] == 200, body
    assert len(body["explanations"]) == min(len(rows), BATCH_ROWS)
    print(f"{rows_source}: {len(body['explanations'])} rows explained, identical on x86_64 and emulated aarch64")


@pytest.mark.parametrize("fault", BROKEN_ARTIFACTS)
def test_broken_artifacts_are_refused_identically(parity, fault: str) -> None:  # type: ignore[no-untyped-def]
    ping, predict = assert_identical(parity[fault])
    cause = BROKEN_ARTIFACTS[fault][1]
    assert ping["statusCode"] == 503, ping
    assert cause in json.loads(ping["body"])["error"]["message"]
    assert cause in predict["error"]["message"]
