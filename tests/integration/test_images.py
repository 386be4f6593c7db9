"""What goes into each image works on its own: no Docker engine here, so rebuild the image's contents instead.

For each image: a fresh venv with only ``<image>/requirements.txt``, and a sandbox holding exactly what the
Dockerfile's COPY instructions copy (parsed from the Dockerfile, so the two cannot drift). The adapter runs
from there and must predict, while xgboost, pandas and scikit-learn must not be importable.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from string import Template

import pytest

from inference import Predictor
from tests.conftest import REPO_ROOT

LAMBDA_TASK_ROOT = "/var/task"
FORBIDDEN_MODULES = ("xgboost", "pandas", "sklearn")
EVENT = REPO_ROOT / "tests" / "events" / "http_api_v2_post_named.json"
CSV_ROW = "8.3252,41.0,6.984127,1.02381,322.0,2.555556,37.88,-122.23"


def image_python() -> str:
    """A CPython 3.12 like the images' (IMAGE_PYTHON, python3.12, pyenv), else this interpreter."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [os.environ.get("IMAGE_PYTHON"), shutil.which("python3.12")]
    with contextlib.suppress(OSError):  # a PYENV_ROOT this user may not read (another user's, kept by su)
        candidates += [str(path) for path in sorted(pyenv_root.glob("versions/3.12*/bin/python3.12"))]
    for candidate in filter(None, candidates):
        probe = [candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 12)"]
        if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
            return candidate
    return sys.executable


def fresh_venv(image: str, root: Path) -> Path:
    """A new venv holding only the image's requirements, installed from wheels as the Dockerfile does."""
    subprocess.run([image_python(), "-m", "venv", str(root)], check=True)
    python = root / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--only-binary=:all:"]
    subprocess.run([*install, "-r", str(REPO_ROOT / image / "requirements.txt")], check=True, timeout=900)
    return python


def copy_like_dockerfile(dockerfile: Path, sandbox: Path, workdir: str, variables: dict[str, str]) -> Path:
    """Replay the Dockerfile's COPY instructions into ``sandbox`` (the image's /); return its final WORKDIR."""
    text = dockerfile.read_text().replace("\\\n", " ")
    for line in (line.strip() for line in text.splitlines()):
        instruction, _, arguments = line.partition(" ")
        if instruction == "WORKDIR":
            workdir = posixpath.join(workdir, Template(arguments.strip()).substitute(variables))
        elif instruction == "COPY":
            tokens = shlex.split(Template(arguments).substitute(variables))
            *sources, dest = [token for token in tokens if not token.startswith("--")]
            _copy(sources, posixpath.join(workdir, dest), sandbox)
    return sandbox / workdir.lstrip("/")


def _copy(sources: list[str], dest: str, sandbox: Path) -> None:
    target = sandbox / dest.lstrip("/")
    for source in (REPO_ROOT / name for name in sources):
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        elif dest.endswith("/") or len(sources) > 1:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / source.name)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def clean_env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **extra}


def assert_forbidden_modules_absent(python: Path, cwd: Path) -> None:
    probe = f"import importlib.util as u; print([n for n in {FORBIDDEN_MODULES!r} if u.find_spec(n)])"
    result = subprocess.run([str(python), "-c", probe], cwd=cwd, env=clean_env(), capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.slow
def test_lambda_image_contents_answer_an_http_api_event(tmp_path, model_tarball):
    python = fresh_venv("lambda_image", tmp_path / "venv")
    variables = {"LAMBDA_TASK_ROOT": LAMBDA_TASK_ROOT}
    task_root = copy_like_dockerfile(REPO_ROOT / "lambda_image/Dockerfile", tmp_path / "image", "/var/task", variables)
    assert sorted(p.name for p in task_root.iterdir()) == ["batch_handler.py", "compile_handler.py", "handler.py",
                                                           "inference", "monitor_handler.py",
                                                           "pre_traffic_handler.py"]  # fmt: skip
    invoke = (
        "import json, sys, handler; print('RESULT', json.dumps(handler.handler(json.load(open(sys.argv[1])), None)))"
    )
    result = subprocess.run(
        [str(python), "-c", invoke, str(EVENT)], cwd=task_root, env=clean_env(MODEL_URI=str(model_tarball)),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout.split("RESULT ", 1)[1])
    assert response["statusCode"] == 200, response
    expected = Predictor(str(model_tarball)).predict_payload(json.loads(json.loads(EVENT.read_text())["body"]))
    assert json.loads(response["body"]) == expected  # the same values as this venv's runtime, not just a count
    assert_forbidden_modules_absent(python, task_root)
    assert_the_monitor_runs(python, task_root, model_tarball, tmp_path)


def assert_the_monitor_runs(python: Path, task_root: Path, model_tarball: Path, tmp_path: Path) -> None:
    """The image's third command writes a report (Jinja2 and the template are in the image)."""
    from inference import Predictor
    from tests.support.datasets import HOUSING, rows_for
    from tests.support.monitoring import baseline_for, capture_lines

    predictor = Predictor(str(model_tarball), "m1")
    (tmp_path / "baseline.json").write_text(json.dumps(baseline_for(predictor.bundle, "rmse").to_document()))
    hour = tmp_path / "capture" / "lambda-arm64" / "2026/05/01/09"
    hour.mkdir(parents=True)
    lines = [line for _, line in capture_lines(predictor, HOUSING, rows_for(HOUSING, 20))]
    (hour / "r.jsonl").write_text("\n".join(lines) + "\n")
    env = clean_env(MODEL_URI=str(model_tarball), BASELINE_URI=str(tmp_path / "baseline.json"),
                    CAPTURE_URI=str(tmp_path / "capture"), REPORT_URI=str(tmp_path / "reports"))  # fmt: skip
    invoke = "import json, monitor_handler; print('RESULT', json.dumps(monitor_handler.handler({'time': "
    invoke += "'2026-05-01T10:20:00Z'}, None)))"
    result = subprocess.run([str(python), "-c", invoke], cwd=task_root, env=env, capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.split("RESULT ", 1)[1])["rows"] == 20
    assert (tmp_path / "reports" / "latest" / "report.html").read_text().startswith("<!DOCTYPE html>")


@pytest.mark.slow
def test_fargate_image_contents_serve_predictions(tmp_path, model_tarball, start_server):
    python = fresh_venv("fargate_image", tmp_path / "venv")
    app_root = copy_like_dockerfile(REPO_ROOT / "fargate_image/Dockerfile", tmp_path / "image", "/", {})
    assert sorted(p.name for p in app_root.iterdir()) == ["fargate_image", "inference"]
    server = start_server({"MODEL_URI": str(model_tarball)}, python=str(python), cwd=app_root)
    reply = server.request("POST", "/predict", CSV_ROW, {"content-type": "text/csv"})
    assert reply.status == 200, reply.body
    assert reply.json() == Predictor(str(model_tarball)).predict(CSV_ROW, "text/csv")
    assert server.stop() == 0
    assert_forbidden_modules_absent(python, app_root)


@pytest.mark.slow
def test_every_image_dependency_has_wheels_for_both_architectures():
    script = REPO_ROOT / "scripts" / "check_image_wheels.py"
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    for image in ("lambda_image", "fargate_image"):
        for platform in ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64"):
            assert f"{image} {platform}: " in result.stdout


def test_dockerfiles_pass_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"
    dockerfiles = [str(REPO_ROOT / image / "Dockerfile") for image in ("lambda_image", "fargate_image")]
    result = subprocess.run([str(hadolint), *dockerfiles], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerignore_admits_exactly_the_folders_the_dockerfiles_copy_from():
    lines = [line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    assert patterns[0] == "*", "the context must start from nothing and admit folders one by one"
    admitted = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    copied_from: set[str] = set()
    for image in ("lambda_image", "fargate_image"):
        for line in (REPO_ROOT / image / "Dockerfile").read_text().splitlines():
            if line.startswith("COPY "):
                copied_from.update(token.split("/")[0] for token in shlex.split(line)[1:-1])
    assert admitted == copied_from
