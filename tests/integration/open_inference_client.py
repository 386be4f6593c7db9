"""Clients of the Open Inference Protocol that this project did not write, run against a served model.

Run by ``build/protocol-venv/bin/python`` (``requirements-protocol.txt``: tritonclient[http], the protocol
working group's generated client and models, jsonschema), never imported by the tests' own interpreter:

    open_inference_client.py BASE_URL PLAN.json

PLAN names the model and holds the same rows twice, for tritonclient: as one ``[N, F]`` matrix (categories by
their code) and as one column per feature (BYTES names for categories), null where a value is missing
(tritonclient writes numpy's NaN as JSON's ``NaN`` literal, which the server reads as missing); and complete rows
for the working group's generated client, whose models allow no missing value. Every JSON answer is checked
against the protocol's JSON schema (from its models); the report (JSON on stdout) holds what the clients
received, for the test to compare with the in-process predictor. Exits non-zero when a check fails.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx
import jsonschema
import numpy as np
import tritonclient.http as triton
from open_inference.openapi import types as protocol
from open_inference.openapi.client import OpenInferenceClient
from tritonclient.utils import InferenceServerException


def schema_of(model: Any) -> dict[str, Any]:
    return model.schema()  # the protocol's JSON schema (pydantic v1 models generated from its specification)


def conforms(document: Any, model: Any) -> Any:
    jsonschema.validate(document, schema_of(model))
    return document


def matrix_input(rows: list[list[float | None]]) -> triton.InferInput:
    values = np.array([[np.nan if value is None else value for value in row] for row in rows], dtype=np.float32)
    tensor = triton.InferInput("input-0", list(values.shape), "FP32")
    tensor.set_data_from_numpy(values, binary_data=False)
    return tensor


def column_inputs(columns: list[dict[str, Any]]) -> list[triton.InferInput]:
    inputs = []
    for column in columns:
        if column["datatype"] == "BYTES":
            values = np.array([[value] for value in column["values"]], dtype=np.object_)
        else:
            values = np.array([[np.nan if v is None else v] for v in column["values"]], dtype=np.float32)
        tensor = triton.InferInput(column["name"], list(values.shape), column["datatype"])
        tensor.set_data_from_numpy(values, binary_data=False)
        inputs.append(tensor)
    return inputs


def infer(client: triton.InferenceServerClient, name: str, inputs: list[triton.InferInput],
          outputs: list[str]) -> dict[str, Any]:  # fmt: skip
    wanted = [triton.InferRequestedOutput(output, binary_data=False) for output in outputs]
    result = client.infer(name, inputs, outputs=wanted, request_id="req-1")
    conforms(result.get_response(), protocol.InferenceResponse)
    return {output: result.as_numpy(output).tolist() for output in outputs} | {"response": result.get_response()}


def refused(base: str, path: str, body: Any) -> dict[str, Any]:
    """A request the server must refuse: its status and body, the body checked against the error schema."""
    answer = httpx.post(base + path, json=body) if body is not None else httpx.get(base + path)
    document = answer.json()
    conforms(document, protocol.InferenceErrorResponse)
    return {"status": answer.status_code, "body": document}


def main(base: str, plan: dict[str, Any]) -> dict[str, Any]:
    client = triton.InferenceServerClient(url=base.split("://", 1)[1])
    name, outputs = plan["model"], plan["outputs"]
    report: dict[str, Any] = {
        "live": client.is_server_live(), "ready": client.is_server_ready(), "model_ready": client.is_model_ready(name),
        "server": conforms(client.get_server_metadata(), protocol.MetadataServerResponse),
        "metadata": conforms(client.get_model_metadata(name), protocol.MetadataModelResponse),
        "matrix": infer(client, name, [matrix_input(plan["matrix"])], outputs),
        "columns": infer(client, name, column_inputs(plan["columns"]), outputs),
    }  # fmt: skip
    try:
        client.get_model_metadata("no_such_model")
        report["unknown_model"] = None
    except InferenceServerException as error:
        report["unknown_model"] = {"status": error.status(), "message": error.message()}
    generated = OpenInferenceClient(base_url=base).model_infer(name, request=protocol.InferenceRequest(
        inputs=[protocol.RequestInput(**column) for column in plan["complete"]]))  # fmt: skip
    report["generated_client"] = generated.dict()
    report["refusals"] = {label: refused(base, path, body) for label, (path, body) in plan["refusals"].items()}
    return report


if __name__ == "__main__":
    url, plan_file = sys.argv[1:]
    with open(plan_file, encoding="utf-8") as stream:
        print(json.dumps(main(url, json.load(stream))))
