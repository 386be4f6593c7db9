"""The naive baseline HTTP server: a Flask app doing what the baseline handler does (benchmark only).

Run under Flask's built-in server, as typical samples do: ``MODEL_PATH=... PORT=... python baseline_flask.py``.
It binds to 127.0.0.1 only and lives in its own venv (bench/requirements.txt); it is never deployed.
"""

from __future__ import annotations

import os

from baseline_handler import TARGET, predict
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/predict")
def predict_route():  # type: ignore[no-untyped-def]
    body = request.get_json()
    return jsonify({"predictions": predict(body["instances"]), "unit": TARGET.get("unit", "")})


@app.get("/ping")
def ping():  # type: ignore[no-untyped-def]
    return jsonify({"status": "ok"})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
