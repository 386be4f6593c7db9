"""``make monitor``: the drift report of what ``make local`` captured, against the served model's baseline.

    python -m scripts.monitor [--model build/models/california_housing/model.tar.gz] [--hours N]
        [--capture build/capture/<data set>] [--ground-truth build/ground-truth/<data set>]
        [--out build/monitor/<data set>]

Reads every captured hour under ``--capture`` (or the last ``--hours``), the ground truth under
``--ground-truth`` if there is any, and the model's ``baseline.json`` beside it; writes ``report.json`` and
``report.html`` into ``--out`` and prints the page's path. The same code as the scheduled job on AWS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from inference.errors import ModelFormatError
from inference.monitoring.baseline import BaselineError
from inference.monitoring.run import Sources, load_subject, monitor
from inference.monitoring.store import Store, Window
from inference.settings import Settings
from scripts.local import dataset_folder

REPO_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.monitor", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "build/models/california_housing/model.tar.gz")
    parser.add_argument("--capture", type=Path, help="default: build/capture/<data set>, where make local captures")
    parser.add_argument("--ground-truth", type=Path, help="default: build/ground-truth/<data set>")
    parser.add_argument("--out", type=Path, help="default: build/monitor/<data set>, the report the page links to")
    parser.add_argument("--hours", type=int, help="only the last N hours (default: every captured hour)")
    args = parser.parse_args(argv)
    args.capture = args.capture or dataset_folder("capture", args.model)
    args.ground_truth = args.ground_truth or dataset_folder("ground-truth", args.model)
    args.out = args.out or dataset_folder("monitor", args.model)
    try:
        bundle, baseline = load_subject(Settings(model_uri=str(args.model), model_version="local"))
    except (ModelFormatError, BaselineError) as error:
        print(f"error: {error} (run `make local` first: it trains, writes the baseline and captures)", file=sys.stderr)
        return 2
    if not args.capture.is_dir():
        print(f"error: nothing captured in {args.capture}: run `make local` and send it requests", file=sys.stderr)
        return 2
    now = dt.datetime.now(dt.UTC)
    hour_ahead = now + dt.timedelta(hours=1)  # the current hour included
    window = None if args.hours is None else Window.ending_before(hour_ahead, args.hours, dt.timedelta())
    truth = Store(str(args.ground_truth)) if args.ground_truth.is_dir() else None
    document, written = monitor(bundle, baseline, Sources(Store(str(args.capture)), truth, Store(str(args.out)), ("",)),
                                window, now)  # fmt: skip
    drifted = ", ".join(document["drifted_features"]) or "none"
    print(f"{document['records']['lines']} records, {document['rows']} rows; drifted features: {drifted}")
    print(written[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
