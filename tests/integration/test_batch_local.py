"""``python -m inference.batch`` as a user runs it: a subprocess on real files, answers against xgboost's.

Bad files lose no good row: binary garbage, a 2 GB line (a sparse file: nothing written to disk) and rows of
the wrong width each fail by themselves, listed with their line numbers, and the command exits 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.support.batch import housing_rows, xgboost_answers

TWO_GB = 2 * 1024**3


def score(*args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inference.batch", *map(str, args)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip


def errors_of(output: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.with_name(output.name + ".errors.jsonl").read_text().splitlines()]


def test_help_says_how_to_use_it() -> None:
    result = score("--help")
    assert result.returncode == 0, result.stderr
    assert "usage: python -m inference.batch" in result.stdout and "--header" in result.stdout


def test_every_core_scores_its_ranges_and_the_answers_equal_xgboosts(model_tarball: Path, tmp_path: Path) -> None:
    rows, lines = housing_rows(30_000)
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = score(source, output, "--model", model_tarball, "--workers", 2, "--range-mb", 1)
    assert result.returncode == 0, result.stderr
    answers = np.array([float(line) for line in output.read_text().splitlines()], dtype=np.float32)
    np.testing.assert_allclose(answers, xgboost_answers(model_tarball, rows), rtol=1e-6, atol=1e-6)
    assert "scored 30,000 rows" in result.stderr and "0 failed" in result.stderr and errors_of(output) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv", "out.csv", "out.csv.errors.jsonl"]


def test_binary_garbage_fails_only_its_own_lines(model_tarball: Path, tmp_path: Path) -> None:
    _, lines = housing_rows(2000)
    garbage = np.random.default_rng(7).integers(0, 256, 50_000, dtype=np.uint8).tobytes()
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(b"\n".join(lines[:1000]) + b"\n" + garbage + b"\n" + b"\n".join(lines[1000:]) + b"\n")
    result = score(source, output, "--model", model_tarball, "--workers", 2)
    assert result.returncode == 1, result.stderr
    answers = output.read_bytes().split(b"\n")[:-1]
    garbage_lines = garbage.count(b"\n") + 1
    assert len(answers) == 2000 + garbage_lines
    good = answers[:1000] + answers[1000 + garbage_lines :]
    assert all(good) and not any(answers[1000 : 1000 + garbage_lines])  # every good row answered
    failed = errors_of(output)
    assert [e["line"] for e in failed] == [n for n in range(1001, 1001 + garbage_lines)
                                           if garbage.split(b"\n")[n - 1001].strip()]  # fmt: skip
    assert {e["code"] for e in failed} <= {"malformed_body", "wrong_row_length", "not_a_number"}


def test_a_two_gigabyte_line_is_refused_alone_in_bounded_memory(model_tarball: Path, tmp_path: Path) -> None:
    _, lines = housing_rows(20)
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    with source.open("wb") as handle:
        handle.write(b"\n".join(lines[:10]) + b"\n")
        handle.seek(TWO_GB, 1)  # a hole: 2 GB of NUL bytes that take no disk
        handle.write(b"\n" + b"\n".join(lines[10:]) + b"\n")
    result = score(source, output, "--model", model_tarball, "--workers", 2, timeout=300)
    assert result.returncode == 1, result.stderr
    answers = output.read_bytes().split(b"\n")[:-1]
    assert len(answers) == 21 and answers[10] == b"" and all(answers[:10]) and all(answers[11:])
    assert errors_of(output) == [{"line": 11, "status": 413, "code": "body_too_large", "field": "body",
                                  "message": "request body is larger than 1048576 bytes"}]  # fmt: skip


def test_rows_of_the_wrong_width_are_listed_by_line_and_the_rest_scored(model_tarball: Path, tmp_path: Path) -> None:
    _, lines = housing_rows(5)
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(b"\r\n".join([lines[0], b"1,2,3", lines[1], b"", lines[2] + b",9", lines[3]]))  # no final \n
    result = score(source, output, "--model", model_tarball)
    assert result.returncode == 1
    answers = output.read_text().split("\n")
    assert [bool(a) for a in answers] == [True, False, True, False, False, True, False]  # 6 lines, each ending \n
    assert [(e["line"], e["code"]) for e in errors_of(output)] == [(2, "wrong_row_length"), (5, "wrong_row_length")]
    assert "scored 5 rows" in result.stderr and "3 answered, 2 failed, 1 blank lines" in result.stderr


def test_a_header_and_a_join_keep_the_id_beside_each_answer(model_tarball: Path, tmp_path: Path) -> None:
    rows, lines = housing_rows(3)
    names = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude"]
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    body = ",".join(["customer", *reversed(names)]) + "\n"
    body += "".join(f"c{i}," + ",".join(reversed(line.decode().split(","))) + "\n" for i, line in enumerate(lines))
    source.write_text(body)
    result = score(source, output, "--model", model_tarball, "--header", "--join", "customer")
    assert result.returncode == 0, result.stderr
    written = output.read_text().splitlines()
    assert written[0] == "customer,score" and [line.split(",")[0] for line in written[1:]] == ["c0", "c1", "c2"]
    expected = xgboost_answers(model_tarball, rows)
    np.testing.assert_allclose([float(line.split(",")[1]) for line in written[1:]], expected, rtol=1e-6)


@pytest.mark.parametrize(("args", "message"), [
    (["--accept", "image/png"], "Accept 'image/png' is not produced"),
    (["--header"], "the header has no column 'MedInc'"),
    (["--model", "/nowhere/model.tar.gz"], "/nowhere/model.tar.gz"),
])  # fmt: skip
def test_a_job_that_cannot_run_exits_2_with_the_reason(model_tarball: Path, tmp_path: Path, args: list[str],
                                                       message: str) -> None:  # fmt: skip
    source = tmp_path / "in.csv"
    source.write_bytes(b"\n".join(housing_rows(3)[1]) + b"\n")
    result = score(source, tmp_path / "out.csv", "--model", model_tarball, *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_a_stopped_job_leaves_no_parts_and_no_output(model_tarball: Path, tmp_path: Path) -> None:
    import signal
    import time

    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(b"\n".join(housing_rows(400_000)[1]) + b"\n")
    command = [sys.executable, "-m", "inference.batch", str(source), str(output), "--model", str(model_tarball)]
    process = subprocess.Popen([*command, "--workers", "2"], cwd=REPO_ROOT, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not any(path.name.startswith(".out.csv.") for path in tmp_path.iterdir()):  # scoring has begun
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 128 + signal.SIGTERM, process.stderr.read() if process.stderr else ""
    finally:
        if process.poll() is None:  # never leave it running: kill its whole group of workers too
            subprocess.run(["pkill", "-KILL", "-P", str(process.pid)], check=False)
            process.kill()
            process.wait()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]
