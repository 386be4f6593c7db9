"""The plain script a user would write to score a CSV with xgboost: pandas in, ``inplace_predict`` on every
core, pandas out. Run by ``bench.measure_score`` in the baseline's venv (build/bench-venv).

    python bench/baseline_score.py MODEL_TARBALL INPUT.csv OUTPUT.csv
"""

import os
import sys
import tarfile
import tempfile
from pathlib import Path

import pandas as pd
import xgboost as xgb

SAFE_EXTRACT = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
"""tarfile's data filter where it exists (Python 3.11.4 on; Debian 12's python3 is 3.11.2)."""

model, source, target = sys.argv[1:4]
with tempfile.TemporaryDirectory() as directory, tarfile.open(model) as tar:
    tar.extractall(directory, **SAFE_EXTRACT)
    booster = xgb.Booster(
        model_file=bytearray((Path(directory) / "xgboost-model").read_bytes())
    )  # raw bytes: no format guess
booster.set_param({"nthread": os.cpu_count()})
frame = pd.read_csv(source, header=None)
predictions = booster.inplace_predict(frame.values)
pd.DataFrame(predictions).to_csv(target, header=False, index=False)
