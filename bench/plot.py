"""One PNG with four panels (ours vs baseline): warm latency, cold start, HTTP throughput, image footprint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
import numpy as np

OURS, BASELINE = "#2a9d8f", "#e76f51"


def _pairs(axis: Any, labels: list[str], ours: list[float], baseline: list[float], title: str, unit: str) -> None:
    positions = np.arange(len(labels))
    for offset, values, color, name in ((-0.2, ours, OURS, "ours"), (0.2, baseline, BASELINE, "baseline")):
        bars = axis.bar(positions + offset, values, 0.4, color=color, label=name)
        axis.bar_label(bars, labels=[f"{v:,.0f}" if v >= 100 else f"{v:.3g}" for v in values], fontsize=7)
    axis.set_xticks(positions, labels, fontsize=8)
    axis.set_title(title, fontsize=10)
    axis.set_ylabel(unit)


def plot(results: dict[str, Any], out: Path) -> None:
    models = list(results["models"])
    labels = [results["model_labels"][m].split(" (")[0] for m in models]
    cases = [results["models"][m] for m in models]
    figure, axes = plt.subplots(2, 2, figsize=(11, 8))
    latency = [c["latency"] for c in cases]
    _pairs(axes[0][0], [f"{lb} {q}" for lb in labels for q in ("p50", "p99")],
           [lat["ours"][k] / 1000 for lat in latency for k in ("p50_us", "p99_us")],
           [lat["baseline"][k] / 1000 for lat in latency for k in ("p50_us", "p99_us")],
           "Warm single-row latency, Lambda handler (log)", "ms")  # fmt: skip
    axes[0][0].set_yscale("log")
    _pairs(
        axes[0][1],
        labels,
        [c["cold_start"]["ours_s"] for c in cases],
        [c["cold_start"]["lean_s"] for c in cases],
        "Cold start to first answer (baseline: lean xgboost script)",
        "s",
    )
    _pairs(axes[1][0], labels, [c["load"]["ours"]["requests_per_s"] for c in cases],
           [c["load"]["baseline"]["requests_per_s"] for c in cases], "HTTP single-row requests/s, 1 worker (log)",
           "requests/s")  # fmt: skip
    axes[1][0].set_yscale("log")
    if "footprint" in results:
        archs = ["x86_64", "aarch64"]
        footprint = results["footprint"]
        _pairs(axes[1][1], [f"{img.split('_')[0]} {a}" for img in ("lambda_image", "fargate_image") for a in archs],
               [footprint[f"{img}|{a}"]["mb"] for img in ("lambda_image", "fargate_image") for a in archs],
               [footprint[f"baseline (xgboost + pandas)|{a}"]["mb"] for _ in range(2) for a in archs],
               "Wheels installed per image (baseline: xgboost + pandas)", "MB")  # fmt: skip
    axes[0][0].legend()
    figure.suptitle(f"xgboost-serverless vs naive baseline ({results['machine']['cpu']}, "
                    f"{results['machine']['cores']} cores)", fontsize=11)  # fmt: skip
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)
