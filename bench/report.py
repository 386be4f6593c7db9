"""Turn measurements into goals (ratio against target), a markdown table, and the README block."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
LOAD_BUDGET_S = 0.060
"""The model load alone (fetch, decode, compile) may take this long for the 1864-tree reference."""


@dataclass(frozen=True)
class Goal:
    goal: str
    model: str
    ours: str
    baseline: str
    ratio: float
    target: str
    met: bool


def _variant(measured: dict[str, Any]) -> str:
    return " (xgboost on 1 thread)" if measured.get("baseline_variant") == "baseline_1thread" else ""


def case_goals(case: dict[str, Any], label: str) -> list[Goal]:
    """The per-model goals; ``label`` names the model in the table."""
    latency, batch, cold, load = case["latency"], case["batch"], case["cold_start"], case["load"]
    lat = latency["ours"]["p50_us"] / latency["baseline"]["p50_us"]
    versus, adapter = batch["raw_vs_xgboost_1thread"], batch["adapter_vs_raw"]  # medians of paired ratios
    rps = load["ours"]["requests_per_s"] / load["baseline"]["requests_per_s"]
    clean = not (load["ours"]["failed"] or load["baseline"]["failed"])
    compiled, plain = cold["ours_s"] / cold["lean_s"], cold["ours_plain_s"] / cold["lean_s"]
    lean = f"{cold['lean_s']:.3f} s" + (" (1 OpenMP thread)" if cold.get("lean_variant") == "lean_1thread" else "")
    load_s = cold["load_alone"]["compiled_s"]
    exact = batch["exactness"]
    batch_target = case.get("task", "regression") == "regression"  # the batch targets are the regression models
    return [
        Goal("Warm single-row p50, Lambda handler vs naive handler", label,
             f"{latency['ours']['p50_us'] / 1000:.3f} ms", f"{latency['baseline']['p50_us'] / 1000:.2f} ms"
             f"{_variant(latency)}", lat, "≤ 1/20", lat <= 0.05),
        Goal("1000 rows, raw predictor vs xgboost inplace_predict (1 thread), speed", label,
             f"{batch['versus_raw_rows_per_s']:,.0f} rows/s", f"{batch['xgboost_1thread_rows_per_s']:,.0f} rows/s",
             versus, "≥ 1" if batch_target else "context", versus >= 1.0),
        Goal("1000 named-JSON rows via the Lambda handler vs raw predictor", label,
             f"{batch['adapter_rows_per_s']:,.0f} rows/s", f"raw {batch['raw_rows_per_s']:,.0f} rows/s", adapter,
             "≥ 0.80" if batch_target else "context", adapter >= 0.8),
        Goal("Fargate server, 1 worker, single-row requests/s vs Flask", label,
             f"{load['ours']['requests_per_s']:,.0f} req/s", f"{load['baseline']['requests_per_s']:,.0f} req/s"
             f"{_variant(load)}", rps, "≥ 10", clean and rps >= 10),
        Goal("Cold start to first answer, compiled form (as deployed) vs lean xgboost script", label,
             f"{cold['ours_s']:.3f} s", lean, compiled, "≤ 1/3", compiled <= 1 / 3),
        Goal("Cold start to first answer, SageMaker's model.tar.gz alone vs lean xgboost script", label,
             f"{cold['ours_plain_s']:.3f} s", lean, plain, "≤ 1/2", plain <= 1 / 2),
        Goal("Model load alone (fetch, decode, compile), compiled form, share of 60 ms", label,
             f"{load_s * 1000:.1f} ms", f"tarball {cold['load_alone']['plain_s'] * 1000:.0f} ms",
             load_s / LOAD_BUDGET_S, "≤ 1", load_s <= LOAD_BUDGET_S),
        Goal("Equal to XGBoost on the held-out set (share of float32 tolerance used)", label,
             f"max abs diff {exact['max_abs_diff']:.1e}", f"{exact['holdout_rows']} rows", exact["tolerance_used"],
             "≤ 1 (rtol=atol=1e-5)", exact["within_float32_tolerance"]),
    ]  # fmt: skip


def footprint_goals(footprint: dict[str, Any]) -> list[Goal]:
    goals = []
    for image in ("lambda_image", "fargate_image"):
        for arch in ("x86_64", "aarch64"):
            ours = footprint[f"{image}|{arch}"]["mb"]
            for baseline, counted in (("xgboost + pandas", True), ("xgboost-cpu + pandas", False)):
                theirs = footprint[f"baseline ({baseline})|{arch}"]["mb"]
                goals.append(Goal(f"Wheels installed by {image} ({arch})", f"vs {baseline}", f"{ours:.1f} MB",
                                  f"{theirs:.1f} MB", ours / theirs, "≤ 0.20" if counted else "context",
                                  ours / theirs <= 0.2))  # fmt: skip
    return goals


def all_goals(results: dict[str, Any]) -> list[Goal]:
    goals = []
    for name, case in results["models"].items():
        goals += case_goals(case, results["model_labels"][name])
    return goals + footprint_goals(results["footprint"]) if "footprint" in results else goals


def markdown(results: dict[str, Any], goals: list[Goal]) -> str:
    machine = results["machine"]
    lines = [
        f"Measured by `make bench` on {machine['cpu']} ({machine['cores']} cores, 1-min load average "
        f"{machine['load_average_1min']} at start), Python {machine['python']}, numpy {machine['numpy']}, "
        f"xgboost {machine['xgboost']}. Ratios are ours / baseline (speeds: ours / xgboost), side by side in one "
        "run; medians of several runs.",
        "",
        "| Goal | Model | Ours | Baseline | Ratio | Target | Met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for goal in goals:
        met = "n/a" if goal.target == "context" else ("yes" if goal.met else "**no**")
        lines.append(f"| {goal.goal} | {goal.model} | {goal.ours} | {goal.baseline} | {goal.ratio:.3g} | "
                     f"{goal.target} | {met} |")  # fmt: skip
    lines += ["", *context_lines(results), "", "![latency](bench/results/latency.png)"]
    return "\n".join(lines)


def context_lines(results: dict[str, Any]) -> list[str]:
    """One line per model with the figures that have no target: tails, xgboost's own speed, start-up floors."""
    lines = []
    for name, case in results["models"].items():
        lat, batch, cold = case["latency"], case["batch"], case["cold_start"]
        ours, theirs = case["load"]["ours"], case["load"]["baseline"]
        gunzip = cold.get("gunzip", {})
        parts = [
            f"Lambda handler p99 {lat['ours']['p99_us'] / 1000:.3f} ms "
            f"(baseline {lat['baseline']['p99_us'] / 1000:.2f})",
            f"HTTP p50/p99 {ours.get('p50_ms', 0):.2f}/{ours.get('p99_ms', 0):.2f} ms "
            f"(baseline {theirs.get('p50_ms', 0):.1f}/{theirs.get('p99_ms', 0):.1f})",
            f"1000 rows: xgboost inplace_predict on all cores {batch['xgboost_all_cores_rows_per_s']:,.0f} rows/s; "
            f"naive handler {batch['baseline_handler_rows_per_s']:,.0f}; our handler vs raw with ordered JSON rows "
            f"{batch['adapter_ordered_vs_raw']:.2f}, with CSV {batch['adapter_csv_vs_raw']:.2f}",
            f"cold start CPU {cold['ours_cpu_s']:.3f} s (tarball alone {cold['ours_plain_cpu_s']:.3f}) vs lean "
            f"xgboost {cold['lean_cpu_s']:.3f} s; against the naive handler ({cold['baseline_s']:.3f} s) "
            f"{cold['ours_s'] / cold['baseline_s']:.2f}; bare interpreter {cold['interpreter_alone_s']:.3f} s",
        ]
        if gunzip:
            parts.append(f"inflating model.tar.gz ({gunzip['unpacked_mb']:.1f} MB): zlib {gunzip['zlib_ms']:.1f} ms, "
                         f"ISA-L {gunzip['isal_ms']:.1f} ms")  # fmt: skip
        lines.append(f"- {results['model_labels'][name]}: " + "; ".join(parts) + ".")
    return lines


def update_readme(readme: Path, block: str, markers: tuple[str, str] = (START, END)) -> bool:
    """Replace what lies between the markers; touch nothing else. False when the markers are absent."""
    if not readme.is_file():
        return False
    text = readme.read_text(encoding="utf-8")
    opening, closing = markers
    start, end = text.find(opening), text.find(closing)
    if start < 0 or end < start:
        return False
    readme.write_text(text[: start + len(opening)] + "\n" + block + "\n" + text[end:], encoding="utf-8")
    return True


def goals_json(goals: list[Goal]) -> list[dict[str, Any]]:
    return [asdict(goal) for goal in goals]
