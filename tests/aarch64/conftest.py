"""The aarch64 tier: each image's code on an emulated aarch64 CPython 3.11 (QEMU user mode), next to the host's.

scripts/aarch64_root.py sets up qemu, a Debian arm64 root and each image's aarch64 wheels (cached in
build/aarch64); the tier skips only where that cannot be installed. Models come from ``MODEL_CASES``: one entry per
kind of model, each writing its artifact files into a folder and returning the handler's environment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scripts import aarch64_root
from tests.conftest import REPO_ROOT
from tests.integration.test_images import copy_like_dockerfile
from tests.support.models import save_like_sagemaker, train_booster

RUNNER = Path(__file__).with_name("run_handler.py")
RUN_TIMEOUT_SECONDS = 600  # emulation on a busy 2-core machine; a normal run takes seconds
EMULATED_CPUS = ("neoverse-n1", "max")
"""Graviton2's core (NEON only; arm64 Lambda runs on it) and QEMU's everything CPU (SVE too, as Graviton3 and later
have): NumPy picks its kernels by the CPU's features at run time, so both paths are compared."""


@dataclass(frozen=True)
class ModelCase:
    """A kind of model: ``build(folder)`` writes its artifact files there and returns the handler's environment."""

    name: str
    build: Callable[[Path], dict[str, str]]


def regression_model(folder: Path) -> dict[str, str]:
    return {"MODEL_URI": str(save_like_sagemaker(train_booster(), folder)), "MODEL_VERSION": "parity-regression"}


MODEL_CASES = [ModelCase("regression", regression_model)]


@pytest.fixture(scope="session")
def emulated_python() -> aarch64_root.EmulatedPython:
    try:
        return aarch64_root.ensure()
    except aarch64_root.EmulationUnavailable as error:
        pytest.skip(f"aarch64 emulation unavailable: {error}")


@pytest.fixture(scope="session", params=MODEL_CASES, ids=[case.name for case in MODEL_CASES])
def model_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The handler's environment for one model case (its artifact files in a fresh folder)."""
    case: ModelCase = request.param
    return {"LOG_LEVEL": "WARNING", **case.build(tmp_path_factory.mktemp(f"model-{case.name}"))}


@pytest.fixture(scope="session")
def lambda_task_root(emulated_python, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """A folder holding exactly what lambda_image/Dockerfile copies into ${LAMBDA_TASK_ROOT}, compiled as there."""
    sandbox, variables = tmp_path_factory.mktemp("lambda-image"), {"LAMBDA_TASK_ROOT": "/var/task"}
    task_root = copy_like_dockerfile(REPO_ROOT / "lambda_image/Dockerfile", sandbox, "/var/task", variables)
    aarch64_root.compile_bytecode(task_root, emulated_python.command())
    return task_root


@pytest.fixture(scope="session")
def fargate_app_root(emulated_python, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """A folder holding exactly what fargate_image/Dockerfile copies into its WORKDIR, compiled as there."""
    app_root = copy_like_dockerfile(REPO_ROOT / "fargate_image/Dockerfile", tmp_path_factory.mktemp("fargate"), "/", {})
    aarch64_root.compile_bytecode(app_root, emulated_python.command())
    return app_root


@dataclass(frozen=True)
class Answers:
    """One run's answers file (bytes, compared as is), the machine the runner reported and the CPU it was given."""

    machine: str
    cpu: str
    raw: bytes

    def decoded(self) -> list[Any]:
        return [json.loads(line) for line in self.raw.splitlines()]


Job = tuple[list[Any], dict[str, str]]
"""Events, and the environment the handler starts with for them."""
HandlerRunner = Callable[[dict[str, Job]], dict[str, list[Answers]]]
"""Named jobs in; for each, the host's answers first, then those of each emulated CPU."""


def _write_jobs(folder: Path, jobs: dict[str, Job], arches: tuple[str, ...]) -> list[Path]:
    """The events files (shared) and one jobs file per architecture, each naming its own answers files."""
    for number, (events, _) in enumerate(jobs.values()):
        (folder / f"events-{number}.jsonl").write_text("".join(json.dumps(event) + "\n" for event in events))
    jobs_files = []
    for arch in arches:
        entries = [{"name": name, "env": env, "events": str(folder / f"events-{number}.jsonl"),
                    "answers": str(folder / f"{arch}-{number}.jsonl")}
                   for number, (name, (_, env)) in enumerate(jobs.items())]  # fmt: skip
        jobs_files.append(folder / f"{arch}-jobs.json")
        jobs_files[-1].write_text(json.dumps(entries))
    return jobs_files


def _start(command: list[str], pythonpath: str, jobs_file: Path) -> subprocess.Popen[bytes]:
    environ = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    environ.update({"OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": pythonpath})  # as both Dockerfiles set it
    return subprocess.Popen([*command, str(RUNNER), str(jobs_file)], env=environ, cwd=jobs_file.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _finish(process: subprocess.Popen[bytes], jobs_file: Path, cpu: str) -> dict[str, Answers]:
    stdout, stderr = process.communicate(timeout=RUN_TIMEOUT_SECONDS)
    output = (stdout + stderr).decode(errors="replace")
    assert process.returncode == 0, f"{process.args} exited {process.returncode}:\n{output}"
    machine = re.findall(r"^machine=(\S+)$", stderr.decode(errors="replace"), flags=re.MULTILINE)
    jobs = json.loads(jobs_file.read_text())
    return {
        job["name"]: Answers(machine[-1] if machine else "?", cpu, Path(job["answers"]).read_bytes()) for job in jobs
    }


@pytest.fixture(scope="session")
def answer_everywhere(
    emulated_python, lambda_task_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> HandlerRunner:  # type: ignore[no-untyped-def]
    """Run the image's handler over named jobs on the host and on each emulated CPU, one process each, concurrently."""

    def answer(jobs: dict[str, Job]) -> dict[str, list[Answers]]:
        sides = ("host", *EMULATED_CPUS)
        jobs_files = dict(zip(sides, _write_jobs(tmp_path_factory.mktemp("handler-run"), jobs, sides), strict=True))
        emulated_path = f"{lambda_task_root}{os.pathsep}{emulated_python.site_dirs['lambda_image']}"
        runs = {"host": _start([sys.executable], str(lambda_task_root), jobs_files["host"])}
        runs.update(
            {cpu: _start(emulated_python.command(cpu), emulated_path, jobs_files[cpu]) for cpu in EMULATED_CPUS}
        )
        try:
            answers = {side: _finish(runs[side], jobs_files[side], side) for side in sides}
        finally:  # a failed or timed-out run must not leave the others running
            for process in runs.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()
        return {name: [answers[side][name] for side in sides] for name in jobs}

    return answer
