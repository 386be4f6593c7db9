"""The naive baseline Lambda handler, written the way typical XGBoost-on-Lambda samples are (benchmark only).

At import it unpacks ``model.tar.gz`` and loads the booster with xgboost. Each request is parsed with
pandas, turned into a ``DMatrix`` and predicted with ``Booster.predict``. No validation, no error mapping:
it exists to be measured against, in its own venv (bench/requirements.txt), never to be deployed.
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
from typing import Any

import pandas as pd
import xgboost as xgb

FEATURES = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude"]


def load_model(tarball: str) -> xgb.Booster:
    directory = tempfile.mkdtemp()
    with tarfile.open(tarball) as tar:
        tar.extractall(directory, filter="data")
    booster = xgb.Booster()
    booster.load_model(f"{directory}/xgboost-model")
    return booster


MODEL = load_model(os.environ["MODEL_PATH"])


def predict(instances: list[dict[str, float]]) -> list[float]:
    frame = pd.DataFrame(instances)[FEATURES]
    predictions = MODEL.predict(xgb.DMatrix(frame))
    return [round(float(value) * 100_000, 2) for value in predictions]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = json.loads(event["body"])
    result = {"predictions": predict(body["instances"]), "unit": "USD"}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(result)}
