"""The benchmark's bookkeeping: wrk output parsing, goal ratios, the README block, pip's resolved wheel set."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.environment import image_environment
from bench.footprint import _SAVED, platform_options
from bench.load import parse_wrk
from bench.report import END, START, all_goals, case_goals, markdown, update_readme

WRK_OK = """Running 10s test @ http://127.0.0.1:54597/predict
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.00ms    3.27ms  43.44ms   80.58%
    Req/Sec     1.02k   138.61     1.32k    75.00%
  Latency Distribution
     50%  812.00us
     75%    9.08ms
     90%   10.93ms
     99%    1.16s
  10236 requests in 10.02s, 1.97MB read
Requests/sec:   1021.56
Transfer/sec:    201.11KB
"""
WRK_ERRORS = """Running 1s test @ http://127.0.0.1:54597/nothing
  1 threads and 8 connections
  Latency Distribution
     50%    1.06ms
     75%    3.84ms
     90%    6.08ms
     99%   12.89ms
  3881 requests in 1.01s, 799.81KB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 3881
Requests/sec:   3851.35
"""


def test_wrk_output_gives_rate_percentiles_in_milliseconds_and_no_errors() -> None:
    assert parse_wrk(WRK_OK) == {"requests_per_s": 1021.56, "requests": 10236, "p50_ms": pytest.approx(0.812),
                                 "p90_ms": pytest.approx(10.93),
                                 "p99_ms": pytest.approx(1160.0), "non_2xx": 0, "socket_errors": 0}  # fmt: skip


def test_wrk_errors_are_counted() -> None:
    parsed = parse_wrk(WRK_ERRORS)
    assert (parsed["non_2xx"], parsed["socket_errors"], parsed["p50_ms"]) == (3881, 5, pytest.approx(1.06))


def test_output_that_is_not_wrk_is_refused() -> None:
    with pytest.raises(ValueError, match="not wrk --latency output"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def _case(load_failed: bool = False) -> dict[str, object]:
    load = {"requests_per_s": 1200.0, "failed": load_failed, "p50_ms": 8.0, "p99_ms": 20.0}
    return {
        "latency": {"ours": {"p50_us": 150.0, "p99_us": 400.0}, "baseline": {"p50_us": 3500.0, "p99_us": 5000.0},
                    "baseline_variant": "baseline_1thread"},
        "batch": {"adapter_rows_per_s": 9000.0, "raw_rows_per_s": 12000.0, "adapter_vs_raw": 0.75,
                  "adapter_ordered_vs_raw": 0.85, "adapter_csv_vs_raw": 0.7, "raw_vs_xgboost_1thread": 1.4,
                  "versus_raw_rows_per_s": 42000.0, "xgboost_1thread_rows_per_s": 30000.0,
                  "xgboost_all_cores_rows_per_s": 50000.0, "baseline_handler_rows_per_s": 10000.0,
                  "exactness": {"max_abs_diff": 2e-6, "tolerance_used": 0.1, "holdout_rows": 3096,
                                "within_float32_tolerance": True}},
        "cold_start": {"ours_s": 0.15, "ours_plain_s": 0.3, "lean_s": 0.5, "lean_variant": "lean", "baseline_s": 1.0,
                       "ours_cpu_s": 0.14, "ours_plain_cpu_s": 0.28, "lean_cpu_s": 0.45, "baseline_cpu_s": 0.9,
                       "interpreter_alone_s": 0.02, "load_alone": {"compiled_s": 0.012, "plain_s": 0.21},
                       "gunzip": {"zlib_ms": 50.0, "isal_ms": 18.0, "unpacked_mb": 14.2}},
        "load": {"ours": load, "baseline": {"requests_per_s": 100.0, "failed": False, "p50_ms": 90.0, "p99_ms": 150.0}},
    }  # fmt: skip


def test_goal_ratios_and_targets() -> None:
    goals = {goal.goal.split(",")[0]: goal for goal in case_goals(_case(), "ref")}
    single = goals["Warm single-row p50"]
    assert single.ratio == pytest.approx(150 / 3500) and single.met and single.target == "≤ 1/20"
    versus = goals["1000 rows"]
    assert versus.ratio == pytest.approx(1.4) and versus.met and versus.ours == "42,000 rows/s"
    adapter = goals["1000 named-JSON rows via the Lambda handler vs raw predictor"]
    assert adapter.ratio == pytest.approx(0.75) and not adapter.met
    assert goals["Fargate server"].ratio == pytest.approx(12.0) and goals["Fargate server"].met
    compiled = next(g for g in case_goals(_case(), "ref") if "compiled form (as deployed)" in g.goal)
    assert compiled.ratio == pytest.approx(0.3) and compiled.met
    plain = next(g for g in case_goals(_case(), "ref") if "model.tar.gz alone" in g.goal)
    assert plain.ratio == pytest.approx(0.6) and not plain.met and plain.target == "≤ 1/2"
    load = goals["Model load alone (fetch"]
    assert load.ratio == pytest.approx(0.2) and load.met and load.ours == "12.0 ms"


def test_a_single_row_that_is_only_a_tenth_of_the_baseline_misses_its_goal() -> None:
    case = _case()
    case["latency"]["ours"]["p50_us"] = 340.0  # type: ignore[index]
    goal = next(g for g in case_goals(case, "ref") if g.goal.startswith("Warm"))
    assert goal.ratio == pytest.approx(340 / 3500) and not goal.met


def test_a_load_run_with_errors_never_meets_its_goal() -> None:
    goal = next(g for g in case_goals(_case(load_failed=True), "ref") if g.goal.startswith("Fargate"))
    assert goal.ratio == pytest.approx(12.0) and not goal.met


def test_readme_changes_only_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    before, after = "# Title\n\nIntro.\n\n## Performance\n", "\n\n## Next\nText.\n"
    readme.write_text(f"{before}{START}\nold table\n{END}{after}")
    assert update_readme(readme, "| new | table |")
    assert readme.read_text() == f"{before}{START}\n| new | table |\n{END}{after}"


def test_readme_without_markers_is_left_alone(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n")
    assert not update_readme(readme, "| table |")
    assert readme.read_text() == "# Title\n"
    assert not update_readme(tmp_path / "missing.md", "| table |")


def test_pip_download_output_names_every_resolved_wheel_fresh_or_cached() -> None:
    output = """Collecting numpy==2.4.6
  File was already downloaded /c/numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl
Collecting scipy
  Downloading scipy-1.18.1-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl (35.1 MB)
Saved /c/scipy-1.18.1-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl
Successfully downloaded numpy scipy
"""
    assert [Path(p).name.split("-")[0] for p in _SAVED.findall(output)] == ["numpy", "scipy"]


def test_platform_tags_cover_older_manylinux_wheels() -> None:
    tags = platform_options("aarch64")[1::2]
    assert tags[0] == "manylinux_2_28_aarch64" and "manylinux_2_17_aarch64" in tags and "manylinux2014_aarch64" in tags


def test_image_environment_reads_every_env_form_of_a_dockerfile(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM python:3.12-slim\n"
        'ENV PYTHONUNBUFFERED=1 \\\n    OPENBLAS_NUM_THREADS=1 \\\n    GREETING="two words"  # a comment\n'
        "ENV LEGACY spaced value\n"
        "RUN echo ENV=not-this 'unbalanced\n"
    )
    assert image_environment(dockerfile) == {"PYTHONUNBUFFERED": "1", "OPENBLAS_NUM_THREADS": "1",
                                             "GREETING": "two words", "LEGACY": "spaced value"}  # fmt: skip


def test_markdown_table_rows_and_context_lines() -> None:
    sizes = {"lambda_image": 16.0, "fargate_image": 40.0, "baseline (xgboost + pandas)": 500.0,
             "baseline (xgboost-cpu + pandas)": 70.0}  # fmt: skip
    footprint = {f"{name}|{arch}": {"mb": mb} for arch in ("x86_64", "aarch64") for name, mb in sizes.items()}
    machine = {"cpu": "Test CPU", "cores": 2, "load_average_1min": 0.5, "python": "3.12.0", "numpy": "2.4.6",
               "xgboost": "3.2.0"}  # fmt: skip
    results = {"machine": machine, "models": {"reference": _case()}, "model_labels": {"reference": "ref"},
               "footprint": footprint}  # fmt: skip
    table = markdown(results, all_goals(results)).splitlines()
    rows = [line.split(" | ") for line in table if line.startswith("| ")]
    by_goal = {(row[0].lstrip("| "), row[1]): row[2:] for row in rows}
    assert by_goal["Warm single-row p50, Lambda handler vs naive handler", "ref"] == [
        "0.150 ms", "3.50 ms (xgboost on 1 thread)", "0.0429", "≤ 1/20", "yes |"]  # fmt: skip
    cold = "Cold start to first answer, SageMaker's model.tar.gz alone vs lean xgboost script"
    assert by_goal[cold, "ref"] == ["0.300 s", "0.500 s", "0.6", "≤ 1/2", "**no** |"]
    lambda_x86 = by_goal["Wheels installed by lambda_image (x86_64)", "vs xgboost + pandas"]
    assert lambda_x86 == ["16.0 MB", "500.0 MB", "0.032", "≤ 0.20", "yes |"]
    assert by_goal["Wheels installed by fargate_image (aarch64)", "vs xgboost-cpu + pandas"][2:] == [
        "0.571", "context", "n/a |"]  # fmt: skip
    context = next(line for line in table if line.startswith("- ref:"))
    assert "ordered JSON rows 0.85, with CSV 0.70" in context and "vs lean xgboost 0.450 s" in context
    assert "zlib 50.0 ms, ISA-L 18.0 ms" in context


def test_a_classifier_reports_its_batch_figures_as_context() -> None:
    goals = case_goals({**_case(), "task": "binary"}, "clf")
    batch = [g for g in goals if g.goal.startswith("1000")]
    assert len(batch) == 2 and {g.target for g in batch} == {"context"}
    assert next(g for g in goals if g.goal.startswith("Warm")).target == "≤ 1/20"
    machine = {"cpu": "Test CPU", "cores": 2, "load_average_1min": 0.5, "python": "3.12.0", "numpy": "2.4.6",
               "xgboost": "3.2.0"}  # fmt: skip
    results = {"machine": machine, "models": {"clf": {**_case(), "task": "binary"}}, "model_labels": {"clf": "clf"}}
    row = next(line for line in markdown(results, all_goals(results)).splitlines() if "inplace_predict" in line)
    assert row.endswith("| 1.4 | context | n/a |")  # faster than xgboost, but not a target: neither yes nor no
