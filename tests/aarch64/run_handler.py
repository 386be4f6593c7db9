"""Answer files of Lambda events with the image's ``handler.handler``: the same script runs on both architectures.

    python run_handler.py JOBS.json

JOBS.json is a list of ``{"env": {...}, "events": PATH, "answers": PATH}``. For each job the environment is set,
then ``handler`` is imported afresh, which is what a new Lambda execution environment does at init (the model loads
at import, configured only by the environment: MODEL_URI, MODEL_VERSION, LOG_LEVEL, ...). One JSON event per line
in, one JSON answer per line out with sorted keys, so two architectures' answer files compare byte for byte.
One process for every job keeps emulation cheap: the interpreter and NumPy start once. ``handler`` must be
importable from PYTHONPATH (a folder holding exactly what the Lambda image copies). Standard library only.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
from typing import Any


def answer(job: dict[str, Any], base_env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update({**base_env, **job["env"]})
    sys.modules.pop("handler", None)
    handler = importlib.import_module("handler")
    with open(job["events"], encoding="utf-8") as events, open(job["answers"], "w", encoding="utf-8") as answers:
        for line in events:
            answers.write(json.dumps(handler.handler(json.loads(line), None), sort_keys=True) + "\n")


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as jobs_file:
        jobs = json.load(jobs_file)
    base_env = dict(os.environ)
    for job in jobs:
        answer(job, base_env)
    print(f"machine={platform.machine()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
