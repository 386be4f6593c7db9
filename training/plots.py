"""The held-out plot beside the model: predicted vs actual (regression) or the confusion matrix (classification)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from inference.model.schema import Target

REGRESSION_PLOT = "predicted_vs_actual.png"
CLASSIFICATION_PLOT = "confusion_matrix.png"
PLOT_NAMES = (REGRESSION_PLOT, CLASSIFICATION_PLOT)


def plot_name(target: Target) -> str:
    return REGRESSION_PLOT if target.task == "regression" else CLASSIFICATION_PLOT


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def plot_predicted_vs_actual(actual: np.ndarray, predicted: np.ndarray, target: Target, path: Path) -> None:
    """Scatter of test-set predictions against the truth, in the target's unit, with the y = x diagonal."""
    pyplot = _pyplot()
    actual_scaled, predicted_scaled = actual * target.scale, predicted * target.scale
    rmse = float(np.sqrt(np.mean((predicted_scaled - actual_scaled) ** 2)))
    unit = f" ({target.unit})" if target.unit else ""
    what = target.description or target.name
    figure, axes = pyplot.subplots(figsize=(6.5, 6.0), dpi=110)
    axes.scatter(actual_scaled, predicted_scaled, s=4, alpha=0.35, color="tab:blue", label="test rows")
    low = float(min(actual_scaled.min(), predicted_scaled.min()))
    high = float(max(actual_scaled.max(), predicted_scaled.max()))
    axes.plot([low, high], [low, high], color="tab:red", linewidth=1.2, label="predicted = actual")
    axes.set_xlabel(f"actual {what}{unit}")
    axes.set_ylabel(f"predicted {what}{unit}")
    axes.set_title(f"Test set: {len(actual)} rows, RMSE {_figure(rmse)}{' ' + target.unit if target.unit else ''}")
    if high - low >= 1000:
        axes.xaxis.set_major_formatter("{x:,.0f}")
        axes.yaxis.set_major_formatter("{x:,.0f}")
    axes.legend(loc="upper left")
    axes.grid(alpha=0.3)
    _save(pyplot, figure, path)


def plot_confusion_matrix(matrix: list[list[int]], labels: tuple[str, ...], accuracy: float, path: Path) -> None:
    """Counts of test rows per (actual, predicted) class, with the label names on both axes."""
    pyplot = _pyplot()
    counts = np.asarray(matrix)
    size = max(4.5, 1.0 + 0.7 * len(labels))
    figure, axes = pyplot.subplots(figsize=(size + 1.0, size), dpi=110)
    image = axes.imshow(counts, cmap="Blues")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    ticks = range(len(labels))
    axes.set_xticks(ticks, labels=labels, rotation=45 if max(map(len, labels)) > 8 else 0, ha="right")
    axes.set_yticks(ticks, labels=labels)
    threshold = counts.max() / 2 if counts.size else 0
    for (row, column), count in np.ndenumerate(counts):
        color = "white" if count > threshold else "black"
        axes.text(column, row, str(count), ha="center", va="center", color=color)
    axes.set_xlabel("predicted")
    axes.set_ylabel("actual")
    axes.set_title(f"Test set: {int(counts.sum())} rows, accuracy {accuracy:.3f}")
    _save(pyplot, figure, path)


def _figure(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def _save(pyplot: Any, figure: Any, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
