"""Held-out metrics, facts about a trained booster, and the predicted-vs-actual plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from inference.schema import USD_PER_TARGET_UNIT


def regression_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """RMSE and MAE in model units (100,000 USD) and in USD, and R² (unitless, the same in both)."""
    errors = predicted.astype(np.float64) - actual.astype(np.float64)
    rmse = float(np.sqrt(np.mean(errors**2)))
    mae = float(np.mean(np.abs(errors)))
    spread = float(np.sum((actual - np.mean(actual)) ** 2))
    r2 = 1.0 - float(np.sum(errors**2)) / spread if spread > 0 else float("nan")
    return {
        "rmse": rmse,
        "mae": mae,
        "r2": r2,
        "rmse_usd": rmse * USD_PER_TARGET_UNIT,
        "mae_usd": mae * USD_PER_TARGET_UNIT,
    }


def booster_facts(booster: Any) -> dict[str, Any]:
    """Tree count, depth and learning rate as the trained booster itself reports them."""
    config = json.loads(booster.save_config())["learner"]["gradient_booster"]
    tree_params = config["tree_train_param"]
    return {
        "trees": int(config["gbtree_model_param"]["num_trees"]),
        "max_depth": int(tree_params["max_depth"]),
        "eta": round(float(tree_params["eta"]), 6),
    }


def plot_predicted_vs_actual(actual: np.ndarray, predicted: np.ndarray, rmse_usd: float, path: Path) -> None:
    """Scatter of test-set predictions against the truth, in USD, with the y = x diagonal."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    actual_usd = actual * USD_PER_TARGET_UNIT
    predicted_usd = predicted * USD_PER_TARGET_UNIT
    figure, axes = pyplot.subplots(figsize=(6.5, 6.0), dpi=110)
    axes.scatter(actual_usd, predicted_usd, s=4, alpha=0.35, color="tab:blue", label="test rows")
    low = float(min(actual_usd.min(), predicted_usd.min()))
    high = float(max(actual_usd.max(), predicted_usd.max()))
    axes.plot([low, high], [low, high], color="tab:red", linewidth=1.2, label="predicted = actual")
    axes.set_xlabel("actual median house value (USD)")
    axes.set_ylabel("predicted median house value (USD)")
    axes.set_title(f"Test set: {len(actual)} rows, RMSE {rmse_usd:,.0f} USD")
    axes.xaxis.set_major_formatter("{x:,.0f}")
    axes.yaxis.set_major_formatter("{x:,.0f}")
    axes.legend(loc="upper left")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
