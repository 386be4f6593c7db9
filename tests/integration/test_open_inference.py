"""The Open Inference Protocol (v2 REST) through clients this project did not write: tritonclient[http] and the
protocol working group's generated client, against the real server and the Lambda handler (over loopback, behind a
route prefix), for a regression, a binary (categorical feature, optional features) and a 3-class model.

The clients run in their own venv (``build/protocol-venv``, ``requirements-protocol.txt``, installed by ``make
test``), checking every answer against the protocol's JSON schema (tests/integration/open_inference_client.py);
here, what they received is compared with the in-process predictor and with xgboost, bit for bit.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from inference import Predictor
from inference.model.schema import Schema
from tests.conftest import REPO_ROOT
from tests.integration.conftest import launch_server
from tests.support.datasets import FRAUD, HOUSING, SPECIES, rows_for
from tests.support.exact import assert_same_bits
from tests.support.lambda_shim import lambda_over_http

PROTOCOL_PYTHON = REPO_ROOT / "build" / "protocol-venv" / "bin" / "python"
CLIENT = Path(__file__).with_name("open_inference_client.py")
MODELS = {"housing": (HOUSING, "model_tarball"), "fraud": (FRAUD, "fraud_model"), "species": (SPECIES, "species_model")}

pytestmark = pytest.mark.skipif(not PROTOCOL_PYTHON.exists(),
                                reason="protocol venv missing: run `make protocol-venv` (make test does)")  # fmt: skip


def plan_for(schema: Schema, rows: np.ndarray) -> dict[str, Any]:
    """What the clients send (see open_inference_client.py): the rows as a matrix and as columns, complete rows
    for the generated client, and requests that must be refused."""
    cells = [[None if np.isnan(v) else float(v) for v in row] for row in rows.tolist()]
    columns = []
    for column, feature in enumerate(schema.features):
        values = [row[column] for row in cells]
        if feature.categories is not None:
            columns.append({"name": feature.name, "datatype": "BYTES",
                            "values": [feature.categories[int(v)] for v in values]})  # fmt: skip
        else:
            columns.append({"name": feature.name, "datatype": "FP32", "values": values})
    complete = rows_for(schema, 5, seed=3, missing_share=0.0)
    inputs = [{"name": "input-0", "shape": list(complete.shape), "datatype": "FP64", "data": complete.tolist()}]
    infer = f"/v2/models/{schema.name}/infer"
    width = {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [1.0, 2.0]}]}
    refusals = {"wrong_width": [infer, width], "unknown_model": ["/v2/models/nope/infer", width],
                "no_body": [infer, {}], "unknown_path": ["/v2/models", None]}  # fmt: skip
    outputs = ["predict"] if schema.task == "regression" else ["predict", "predict_proba"]
    return {"model": schema.name, "outputs": outputs, "matrix": cells, "columns": columns, "complete": inputs,
            "refusals": refusals}  # fmt: skip


@pytest.fixture(scope="module", params=list(MODELS))
def served(request: pytest.FixtureRequest) -> tuple[Schema, Path, Predictor]:
    schema, fixture = MODELS[request.param]
    model: Path = request.getfixturevalue(fixture)
    return schema, model, Predictor(str(model))


@pytest.fixture(scope="module", params=["server", "lambda"])
def base_url(request: pytest.FixtureRequest, served: tuple[Schema, Path, Predictor],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # fmt: skip
    _, model, predictor = served
    if request.param == "server":
        server = launch_server({"MODEL_URI": str(model)}, tmp_path_factory.mktemp("v2"))
        yield f"http://127.0.0.1:{server.port}"
        assert server.stop() == 0, server.logs()
        return
    adapter: ModuleType = request.getfixturevalue("lambda_adapter")
    with lambda_over_http(adapter, predictor) as url:
        yield url + "/lambda/x86"


def booster_of(model: Path) -> xgb.Booster:
    with tarfile.open(model) as tar:
        member = tar.extractfile("xgboost-model")
        assert member is not None
        return xgb.Booster(model_file=bytearray(member.read()))


def test_clients_get_xgboosts_predictions_and_conforming_answers(
    served: tuple[Schema, Path, Predictor], base_url: str, tmp_path: Path
) -> None:
    schema, model, predictor = served
    rows = rows_for(schema, 40, seed=7, missing_share=0.2)
    plan = plan_for(schema, rows)
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    run = subprocess.run([str(PROTOCOL_PYTHON), str(CLIENT), base_url, str(tmp_path / "plan.json")],
                         capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert (report["live"], report["ready"], report["model_ready"]) == (True, True, True)
    assert report["server"] == {"name": "xgboost-serverless", "version": "2.1.0", "extensions": []}
    metadata = report["metadata"]
    assert (metadata["name"], metadata["versions"], metadata["platform"]) == (schema.name, [predictor.model_version],
                                                                              "xgboost")  # fmt: skip
    assert [(i["name"], i["datatype"]) for i in metadata["inputs"]] == [
        (f.name, "BYTES" if f.categorical else "FP32") for f in schema.features]  # fmt: skip
    expected = booster_of(model).predict(xgb.DMatrix(rows))
    assert_same_bits(predictor.bundle.ensemble.predict(rows), expected)
    for shape in ("matrix", "columns"):
        received = report[shape]
        assert_same_bits(np.array(received["predict"], dtype=np.float32), expected)
        answered = received["response"]
        assert (answered["id"], answered["model_version"]) == ("req-1", predictor.model_version)
        if "predict_proba" in received:
            probabilities = expected if expected.ndim == 2 else np.column_stack((np.float32(1) - expected, expected))
            assert_same_bits(np.array(received["predict_proba"], dtype=np.float32), probabilities)
    complete = np.array(plan["complete"][0]["data"], dtype=np.float32)
    [generated] = [o for o in report["generated_client"]["outputs"] if o["name"] == "predict"]
    assert_same_bits(np.array(generated["data"], dtype=np.float32), booster_of(model).predict(xgb.DMatrix(complete)))
    assert report["unknown_model"]["status"] == "404" and "no_such_model" in report["unknown_model"]["message"]
    statuses = {label: refusal["status"] for label, refusal in report["refusals"].items()}
    assert statuses == {"wrong_width": 400, "unknown_model": 404, "no_body": 400, "unknown_path": 404}
    assert "one column per feature" in report["refusals"]["wrong_width"]["body"]["error"]
