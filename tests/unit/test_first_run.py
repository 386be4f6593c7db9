"""What a newcomer's first commands do: `make help`, what `make local`/`make test` say they fetch (scripts/fetches.py),
and one data folder and one model folder per data set (the Makefile, dry-run)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scripts import fetches
from tests.conftest import REPO_ROOT


def make(*arguments: str) -> str:
    done = subprocess.run(["make", "--no-print-directory", *arguments], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    return done.stdout


@pytest.fixture
def fresh_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """fetches.py looking at an empty checkout, on a PATH without Chromium, with California Housing cached."""
    monkeypatch.setattr(fetches, "REPO_ROOT", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    (tmp_path / "sklearn" / "cal_housing_py3.pkz").parent.mkdir()
    (tmp_path / "sklearn" / "cal_housing_py3.pkz").touch()
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "sklearn"))
    return tmp_path


def test_make_help_starts_with_the_two_set_up_commands() -> None:
    lines = [line.strip() for line in make("help").splitlines() if line.strip()]
    assert lines[:3] == ["Start here", lines[1], lines[2]]
    assert lines[1].startswith("make local ") and lines[2].startswith("make test ")


def test_make_local_says_what_it_fetches_how_big_why_and_where(fresh_clone: Path) -> None:
    lines = fetches.plan("local", is_root=False)
    assert lines[0] == "make local fetches, once (later runs reuse it):" and len(lines) == 3
    assert "uv 0.13.9" in lines[1] and "17 MB" in lines[1] and "build/uv" in lines[1]
    assert "96 MB download, 330 MB installed, into .venv-local" in lines[2] and "Why: training" in lines[2]


def test_california_housing_is_announced_when_it_is_not_cached(fresh_clone: Path) -> None:
    (fresh_clone / "sklearn" / "cal_housing_py3.pkz").unlink()
    rows = "  - California Housing's rows (scikit-learn downloads them): 0.4 MB, into $SCIKIT_LEARN_DATA"
    assert fetches.plan("local", is_root=False)[-1].startswith(rows)
    assert len(fetches.plan("local", is_root=False, dataset="iris")) == 3, "iris ships inside scikit-learn"


def test_make_test_without_root_names_what_it_skips_and_why(fresh_clone: Path) -> None:
    lines = fetches.plan("test", is_root=False)
    skipped = lines[lines.index("Not fetched, as this user is not root:") + 1 :]
    names = ["  - Debian's Chromium", "  - Debian's wrk", "  - a Debian arm64 root with Python 3.11"]
    assert [line.split(" (")[0] for line in skipped] == names
    assert all("needs root" in line and "skipped" in line for line in skipped)
    assert any("395 MB download, 1.3 GB installed, into .venv " in line for line in lines)


def test_as_root_everything_is_fetched_and_a_second_run_prints_nothing(fresh_clone: Path) -> None:
    assert len(fetches.plan("test", is_root=True)) == 1 + 8
    markers = ("build/uv/bin/uv", ".venv/.installed", "node_modules/.installed", "build/scan-venv/.installed",
               "build/protocol-venv/.installed", "build/aarch64/root/.ready")  # fmt: skip
    for marker in markers:
        (fresh_clone / marker).parent.mkdir(parents=True, exist_ok=True)
        (fresh_clone / marker).touch()
    (fresh_clone / "bin").mkdir()
    for command in ("chromium", "wrk"):
        (fresh_clone / "bin" / command).write_text("#!/bin/sh\n")
        (fresh_clone / "bin" / command).chmod(0o755)
    assert fetches.plan("test", is_root=True) == []
    assert fetches.main(["nothing"]) == 2


@pytest.mark.parametrize(("dataset", "name"), [("iris", "iris"), ("datasets/breast_cancer.toml", "breast_cancer"),
                                               ("/somewhere/specs/churn.toml", "churn")])  # fmt: skip
def test_each_data_set_has_its_own_data_and_model_folders(dataset: str, name: str) -> None:
    commands = make("-n", "model", f"DATASET={dataset}", "PYTHON=python3")
    assert f'-m training.data --dataset "{dataset}" --out build/training-data/{name}' in commands
    assert f"--data build/training-data/{name} --out build/models/{name}" in commands


def test_make_clean_still_removes_every_model() -> None:
    assert "rm -rf build cdk.out" in make("-n", "clean")  # build/models/<dataset> and build/training-data/<dataset>


def test_an_old_python_is_stopped_before_anything_is_fetched() -> None:
    problem = fetches.python_problem("local", (3, 10, 13, "final", 0), "/usr/bin/python3")
    assert (
        problem
        == "make local needs Python 3.11 or newer, and /usr/bin/python3 is 3.10.13: make local PYTHON=python3.12"
    )
    assert fetches.python_problem("test", (3, 11, 7), "python3") is None
