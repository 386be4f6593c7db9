"""/explain through the Lambda handler, one row per event: ``python -m bench.measure_explain_handler``.

The issue's targets are per request, as a client of the default route pays them: an HTTP API (2.0) event
with one named JSON row, decoded, predicted, explained and encoded by ``lambda_image/handler.py``. Models:
the project's (``build/models/california_housing``, ``make model``) and the 1864-tree reference of ``make bench``
(``build/bench/reference``, with its schema.json; ``python -m bench.run`` writes it). The explainer's build
(on the first explanation) is timed apart; the p50 is over distinct held-out rows after it.
"""

from __future__ import annotations

import importlib
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bench.events import http_api_event
from inference import Predictor

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS = {"project (600 trees, depth 6)": (REPO_ROOT / "build/models/california_housing/model.tar.gz", 2.0),
          "reference (1864 trees, depth 7)": (REPO_ROOT / "build/bench/reference/model.tar.gz", 5.0)}  # fmt: skip
ROWS = 300


def held_out(tarball: Path, names: tuple[str, ...]) -> list[dict[str, float]]:
    holdout = tarball.with_name("holdout.npy")
    if holdout.is_file():
        rows = np.load(holdout, allow_pickle=False)[:ROWS]
    else:
        lines = (REPO_ROOT / "build/training-data/california_housing/test/test.csv").read_text().splitlines()[:ROWS]
        rows = np.array([[float(v) for v in line.split(",")[1:]] for line in lines], dtype=np.float32)
    return [dict(zip(names, row.tolist(), strict=True)) for row in rows]


def measure(tarball: Path) -> dict[str, float]:
    sys.path.insert(0, str(REPO_ROOT / "lambda_image"))
    handler = importlib.import_module("handler")
    predictor = Predictor.from_env({"MODEL_URI": str(tarball), "LOG_LEVEL": "WARNING"})
    events = [http_api_event(json.dumps({"instances": [row]}), path="/explain")
              for row in held_out(tarball, predictor.bundle.schema.names)]  # fmt: skip
    started = time.perf_counter()
    first = handler.handle(events[0], None, predictor)
    build = time.perf_counter() - started
    assert first["statusCode"] == 200, first["body"]
    timings = []
    for event in events[1:]:
        started = time.perf_counter()
        answer = handler.handle(event, None, predictor)
        timings.append(time.perf_counter() - started)
        assert answer["statusCode"] == 200, answer["body"]
    timings.sort()
    return {"first_explain_s": build, "p50_ms": 1000 * statistics.median(timings),
            "p99_ms": 1000 * timings[int(0.99 * (len(timings) - 1))], "rows": len(timings)}  # fmt: skip


def main() -> None:
    import logging

    logging.getLogger("inference").setLevel(logging.WARNING)
    for name, (tarball, target) in MODELS.items():
        if not tarball.is_file():
            print(f"{name}: {tarball} is missing (make model; python -m bench.run)")
            continue
        result = measure(tarball)
        met = "met" if result["p50_ms"] <= target else "MISSED"
        print(f"{name}: /explain via the Lambda handler p50 {result['p50_ms']:.2f} ms (target <= {target:g} ms: {met}),"
              " "
              f"p99 {result['p99_ms']:.2f} ms over {result['rows']} rows; first explanation (builds the explainer) "
              f"{result['first_explain_s']:.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
