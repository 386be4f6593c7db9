"""Turn measurements into goals (ratio against target), a markdown table, and the README block."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


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
    adapter = batch["adapter_vs_raw"]  # the median of paired ratios, steadier than a ratio of medians
    rps = load["ours"]["requests_per_s"] / load["baseline"]["requests_per_s"]
    clean = not (load["ours"]["failed"] or load["baseline"]["failed"])
    start = cold["ours_s"] / cold["baseline_s"]
    exact = batch["exactness"]
    return [
        Goal("Warm single-row p50, Lambda handler", label, f"{latency['ours']['p50_us'] / 1000:.3f} ms",
             f"{latency['baseline']['p50_us'] / 1000:.2f} ms{_variant(latency)}", lat, "≤ 0.10", lat <= 0.10),
        Goal("1000-row batch via the adapter vs raw predictor", label, f"{batch['adapter_rows_per_s']:,.0f} rows/s",
             f"raw {batch['raw_rows_per_s']:,.0f} rows/s", adapter, "≥ 0.80", adapter >= 0.8),
        Goal("Fargate server, 1 worker, single-row requests/s", label, f"{load['ours']['requests_per_s']:,.0f} req/s",
             f"{load['baseline']['requests_per_s']:,.0f} req/s{_variant(load)}", rps, "≥ 10", clean and rps >= 10),
        Goal("Cold start: process start to first prediction", label, f"{cold['ours_s']:.3f} s",
             f"{cold['baseline_s']:.3f} s", start, "≤ 1/3", start <= 1 / 3),
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
        f"xgboost {machine['xgboost']}. Ratios are ours / baseline, side by side in one run; medians of several runs.",
        "",
        "| Goal | Model | Ours | Baseline | Ratio | Target | Met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for goal in goals:
        met = "yes" if goal.met else ("n/a" if goal.target == "context" else "**no**")
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
        parts = [
            f"Lambda handler p99 {lat['ours']['p99_us'] / 1000:.3f} ms "
            f"(baseline {lat['baseline']['p99_us'] / 1000:.2f})",
            f"HTTP p50/p99 {ours.get('p50_ms', 0):.2f}/{ours.get('p99_ms', 0):.2f} ms "
            f"(baseline {theirs.get('p50_ms', 0):.1f}/{theirs.get('p99_ms', 0):.1f})",
            f"1000 rows: xgboost inplace_predict {batch['xgboost_1thread_rows_per_s']:,.0f} rows/s on 1 thread, "
            f"{batch['xgboost_all_cores_rows_per_s']:,.0f} on all cores; baseline handler "
            f"{batch['baseline_handler_rows_per_s']:,.0f}; adapter vs raw with ordered JSON rows "
            f"{batch['adapter_ordered_vs_raw']:.2f}, with CSV {batch['adapter_csv_vs_raw']:.2f}",
            f"cold start CPU {cold['ours_cpu_s']:.3f} s vs {cold['baseline_cpu_s']:.3f} s "
            f"(ratio {cold['ours_cpu_s'] / cold['baseline_cpu_s']:.2f}); "
            f"bare interpreter {cold['interpreter_alone_s']:.3f} s",
        ]
        lines.append(f"- {results['model_labels'][name]}: " + "; ".join(parts) + ".")
    return lines


def update_readme(readme: Path, block: str) -> bool:
    """Replace what lies between the bench markers; touch nothing else. False when the markers are absent."""
    if not readme.is_file():
        return False
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        return False
    readme.write_text(text[: start + len(START)] + "\n" + block + "\n" + text[end:], encoding="utf-8")
    return True


def goals_json(goals: list[Goal]) -> list[dict[str, Any]]:
    return [asdict(goal) for goal in goals]
