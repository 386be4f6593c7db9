"""Train locally and write exactly what SageMaker's built-in XGBoost 3.x job writes, behind the quality gate.

    python -m training.train_local --data build/training-data/<dataset> --out build/models/<dataset>
        [--dataset NAME|PATH] [--force]

Reads the channel CSVs written by ``python -m training.data`` (label in column 0, no header, an empty field
is missing) and trains with the spec's hyperparameters (``--dataset``; default: the bundled data set the
data was prepared from), parsed like the 3.2-0 container parses them, with the same xgboost version. Writes
``model.tar.gz`` (one member, ``xgboost-model``, UBJSON), ``schema.json`` beside it, ``metrics.json``
(held-out test metrics, final train/validation metrics, the gate's verdict) and a plot. The final
``validation:<metric>`` must pass the spec's quality gate: if it misses, nothing new reaches ``--out``
and the exit status is 1. When the artifact was already trained from the same inputs, nothing is retrained.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from training import artifact, hyperparameters
from training.channels import ChannelError
from training.local_run import GateMissedError, TrainingInputError, TrainingResult, train_checked
from training.spec import SpecError


def result_line(out: Path, result: TrainingResult, elapsed: float) -> str:
    metrics = result.metrics
    verb = f"trained in {elapsed:.1f} s" if result.trained else "up to date, not retrained"
    return f"{out / artifact.ARTIFACT_NAME}: {verb}; {trees_text(metrics)}; {held_out_text(metrics)}"


def trees_text(metrics: dict[str, object]) -> str:
    return f"{metrics['trees']} trees of depth {metrics['max_depth']}"


def held_out_text(metrics: dict[str, object]) -> str:
    """The held-out figures in one phrase (California: RMSE and MAE in USD, as it always said)."""
    rows = f"on {metrics['test_rows']} held-out rows"
    if metrics["task"] == "regression":
        suffix, unit = metrics.get("unit_suffix"), f" {metrics['unit']}" if metrics.get("unit") else ""
        rmse, mae = (metrics[f"test_{name}_{suffix}" if suffix else f"test_{name}"] for name in ("rmse", "mae"))
        r2 = metrics["test_r2"]
        r2_text = f"{r2:.4f}" if isinstance(r2, float) else "n/a"
        return f"test RMSE {_figure(rmse)}{unit}, MAE {_figure(mae)}{unit}, R² {r2_text} {rows}"
    auc = metrics["test_auc"]
    auc_text = f"{auc:.4f}" if isinstance(auc, float) else "n/a (a class is absent from the test rows)"
    return (
        f"test accuracy {metrics['test_accuracy']:.4f}, log loss {metrics['test_logloss']:.4f}, AUC {auc_text} {rows}"
    )


def _figure(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return f"{number:,.0f}" if abs(number) >= 100 else f"{number:.4g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.train_local", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="directory written by training.data")
    parser.add_argument("--out", type=Path, required=True, help="output directory for model.tar.gz and schema.json")
    parser.add_argument("--dataset", help="bundled data set name or spec path (default: the one the data came from)")
    parser.add_argument("--force", action="store_true", help="train even when the model is up to date")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        result = train_checked(args.data, args.out, args.dataset, force=args.force)
    except GateMissedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (TrainingInputError, ChannelError, SpecError, hyperparameters.HyperparameterError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(result_line(args.out, result, time.perf_counter() - started))
    print(result.verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
