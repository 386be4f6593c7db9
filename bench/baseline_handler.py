"""The naive baseline Lambda handler, written the way typical XGBoost-on-Lambda samples are (benchmark only).

At import it unpacks ``model.tar.gz`` and loads the booster with xgboost, and reads the feature names (and
for regression the answer's scale) from the ``schema.json`` beside it. Each request is parsed with pandas,
turned into a ``DMatrix`` and predicted with ``Booster.predict``: values for regression (scaled and rounded
like ours), the probability of the last class for a binary model. No validation, no error mapping: it
exists to be measured against, in its own venv (bench/requirements.txt), never to be deployed.
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import xgboost as xgb

SAFE_EXTRACT = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
"""tarfile's data filter where it exists (Python 3.11.4 on; Debian 12's python3 is 3.11.2)."""


def load_model(tarball: str) -> xgb.Booster:
    directory = tempfile.mkdtemp()
    with tarfile.open(tarball) as tar:
        tar.extractall(directory, **SAFE_EXTRACT)
    booster = xgb.Booster()
    booster.load_model(f"{directory}/xgboost-model")
    return booster


MODEL = load_model(os.environ["MODEL_PATH"])
SCHEMA = json.loads((Path(os.environ["MODEL_PATH"]).parent / "schema.json").read_text(encoding="utf-8"))
FEATURES = [feature["name"] for feature in SCHEMA["features"]]
TARGET = SCHEMA["target"]


def predict(instances: list[dict[str, float]]) -> list[float]:
    frame = pd.DataFrame(instances)[FEATURES]
    predictions = MODEL.predict(xgb.DMatrix(frame))
    if TARGET["task"] != "regression":
        return [float(value) for value in predictions]
    values = [float(value) * TARGET["scale"] for value in predictions]
    return values if TARGET["decimals"] is None else [round(value, TARGET["decimals"]) for value in values]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = json.loads(event["body"])
    result = {"predictions": predict(body["instances"]), "unit": TARGET.get("unit", "")}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(result)}
