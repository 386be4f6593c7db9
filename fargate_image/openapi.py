"""The OpenAPI 3.1 document of the loaded model, generated from its schema so that it cannot drift.

Feature names, units, ranges, categories, optional features, the example row and the answer's shape
(values in a unit, or labels with probabilities) all come from the ``Schema`` the server loaded. It tells the
truth in schemathesis' sense: every status an operation can answer is listed, every parameter and body is
constrained as the server checks it (CSV and JSON-lines bodies by a ``pattern``, ``fargate_image.openapi_text``),
so that what the document allows is answered 2xx and what it does not is refused with a 4xx. The row limit is a
capacity limit, answered 413 (its description says so), not a shape the JSON schema refuses. Not described
here: ``/endpoints/{name}/invocations`` (boto3's path to ``/invocations``, answering errors as SageMaker Runtime)
and ``/v2`` (the Open Inference Protocol, specified by its own document).
"""

from __future__ import annotations

from typing import Any

from fargate_image.openapi_text import csv_rows, json_lines
from inference.model.schema import Feature, Schema
from inference.protocols.limits import MAX_BODY_BYTES, MAX_ROWS
from inference.protocols.sagemaker.answers import valid_keys
from inference.protocols.v2.documents import SERVER

API_VERSION = SERVER["version"]
_REF = "#/components/schemas/"
_ERROR_MEANINGS = {
    400: "invalid input; error.field names the feature, field or header at fault",
    406: "an Accept that /invocations does not produce",
    408: "the body did not arrive within REQUEST_TIMEOUT_SECONDS",
    413: f"more than {MAX_ROWS} rows, or a body over {MAX_BODY_BYTES} bytes",
    414: "a request target over 16 KiB",
    415: "unsupported Content-Type",
    431: "a request head over 64 KiB or 100 header fields",
    503: "the model is not loaded (model_unavailable), or the server is busy with such requests (overloaded, "
    "with Retry-After)",
}
_EVERY_REQUEST = (414, 431, 503)
_BODIES = (400, 408, 413, 415)


def feature_schema(feature: Feature) -> dict[str, Any]:
    """The JSON Schema of one feature's value (null allowed where the feature may be missing)."""
    value: dict[str, Any] = {"description": feature.describe()}
    if feature.categories is not None and feature.unknown_is_missing:
        value["description"] += f" ({feature.range_text()}; any other name is read as missing)"
        value["type"] = ["string", "null"]
        return value
    if feature.categories is not None:
        value["enum"] = [*feature.categories, *([None] if feature.missing else [])]
        return value
    value["type"] = ["number", "null"] if feature.missing else "number"
    value |= {k: v for k, v in (("minimum", feature.minimum), ("maximum", feature.maximum)) if v is not None}
    return value


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    needed = list(properties) if required is None else required
    return {"type": "object", "properties": properties, "required": needed, "additionalProperties": False}


def _prediction(schema: Schema) -> dict[str, Any]:
    target = schema.target
    if schema.task == "regression":
        unit = f" in {target.unit}" if target.unit else ""
        return {"type": "number", "description": f"{target.description or target.name}{unit}"}
    labels = {"enum": list(target.labels)}
    probability = {"type": "number", "minimum": 0, "maximum": 1}
    row = {"label": labels, "probability": probability,
           "probabilities": _object({label: probability for label in target.labels})}  # fmt: skip
    return _object(row, required=["label"])


def _schemas(schema: Schema) -> dict[str, Any]:
    ordered = [feature_schema(f) for f in schema.features]
    required = [f.name for f in schema.features if not f.missing]
    named = _object({f.name: feature_schema(f) for f in schema.features}, required)
    row = {"oneOf": [{"$ref": _REF + "NamedRow"}, {"$ref": _REF + "OrderedRow"}]}
    instances = {"type": "array", "minItems": 1, "items": row,
                 "description": f"at most {MAX_ROWS} rows a request (more is answered 413)"}  # fmt: skip
    csv_text = {"type": "string", "description": f"CSV rows without header, in order: {', '.join(schema.names)}",
                "pattern": csv_rows(schema, coded=False)}  # fmt: skip
    answer = {"predictions": {"type": "array", "items": _prediction(schema)}, "model_version": {"type": "string"},
              "count": {"type": "integer", "minimum": 1}}  # fmt: skip
    if schema.task == "regression" and schema.target.unit:
        answer["unit"] = {"const": schema.target.unit}
    error = {"code": {"type": "string"}, "message": {"type": "string"},
             "field": {"type": "string", "description": "the feature, body field or header at fault"},
             "row": {"type": "integer", "minimum": 0, "description": "0-based index of the offending row"}}  # fmt: skip
    health = {"status": {"const": "ok"}, "model_version": {"type": "string"},
              "trees": {"type": "integer", "minimum": 1}, "dataset": {"const": schema.name},
              "task": {"const": schema.task}, "features": {"const": list(schema.names)}}  # fmt: skip
    return {
        "NamedRow": named,
        "OrderedRow": {"type": "array", "prefixItems": ordered, "items": False, "minItems": len(ordered)},
        "PredictRequest": {"oneOf": [_object({"instances": instances}), _object({"pred_x_csv": csv_text})]},
        "PredictResponse": _object(answer),
        "Health": _object(health),
        "ExplainResponse": _explain_response(schema),
        "ErrorBody": _object({"error": _object(error, required=["code", "message"])}),
    }


def _explain_response(schema: Schema) -> dict[str, Any]:
    number = {"type": "number"}
    part = _object({"bias": number, "total": number,
                    "contributions": _object(dict.fromkeys(schema.names, number))})  # fmt: skip
    row = part
    if schema.task == "multiclass":
        row = _object({"label": {"enum": list(schema.target.labels)},
                       "classes": _object(dict.fromkeys(schema.target.labels, part))})  # fmt: skip
    elif schema.task == "binary":
        row = {**part, "properties": {**part["properties"], "label": {"enum": list(schema.target.labels)}},
               "required": [*part["required"], "label"]}  # fmt: skip
    answer = {"explanations": {"type": "array", "items": row}, "space": {"type": "string"},
              "model_version": {"type": "string"}, "count": {"type": "integer", "minimum": 1}}  # fmt: skip
    if schema.task == "binary":
        answer["positive_label"] = {"const": schema.target.labels[1]}
    return _object(answer)


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": _REF + schema}}}}


def _responses(success: str, *errors: int) -> dict[str, Any]:
    responses = {"200": _json(success, "success")}
    responses.update({str(status): _json("ErrorBody", _ERROR_MEANINGS[status]) for status in errors})
    return responses


def example_csv(schema: Schema) -> str:
    return ",".join("" if value is None else str(value) for value in schema.example_values())


def _post_predict(schema: Schema, operation_id: str) -> dict[str, Any]:
    example = {name: value for name, value in schema.example.items() if value is not None}
    examples = {
        "named": {"value": {"instances": [example]}},
        "ordered": {"value": {"instances": [schema.example_values()]}},
        "seeds": {"value": {"pred_x_csv": example_csv(schema)}},
    }
    content = {
        "application/json": {"schema": {"$ref": _REF + "PredictRequest"}, "examples": examples},
        "text/csv": {"schema": {"type": "string", "pattern": csv_rows(schema, coded=False)},
                     "example": example_csv(schema) + "\n"},
    }  # fmt: skip
    return {"operationId": operation_id, "summary": "Predict a batch of rows",
            "requestBody": {"required": True, "content": content},
            "responses": _responses("PredictResponse", *_BODIES, *_EVERY_REQUEST)}  # fmt: skip


def _invocations(schema: Schema) -> dict[str, Any]:
    """SageMaker's built-in XGBoost container contract (``inference.protocols.sagemaker``; see the README). The
    bodies described are CSV and JSON lines with categories by code; libsvm and names are read too (README)."""
    csv_text = {"type": "string", "pattern": f"^$|{csv_rows(schema, coded=True)}"}
    lines = {"type": "string", "pattern": f"^$|{json_lines(schema)}"}
    content = {"text/csv": {"schema": csv_text, "example": _coded_csv(schema) + "\n"},
               "application/jsonlines": {"schema": lines}}  # fmt: skip
    text = {"schema": {"type": "string"}}
    answers = {"text/csv": text, "application/jsonlines": text, "application/json": {"schema": {"type": "object"}}}
    responses = _responses("Health", 400, 406, *_BODIES[1:], *_EVERY_REQUEST)
    responses["200"] = {"description": "the model's own output in the container's format", "content": answers}
    responses["204"] = {"description": "an empty body"}
    keys = "(" + "|".join(valid_keys(schema.target.objective)) + ")"
    output = {"name": "output", "in": "query", "required": False, "schema": {"type": "string",
              "pattern": f"^({keys}(,{keys})*)?$"},
              "description": "output keys, comma-separated (SAGEMAKER_INFERENCE_OUTPUT for this request)"}  # fmt: skip
    return {
        "operationId": "invocations",
        "summary": "SageMaker's /invocations: CSV or JSON lines rows (libsvm too, see the README)",
        "parameters": [output],
        "requestBody": {"required": False, "content": content},
        "responses": responses,
    }


def _coded_csv(schema: Schema) -> str:
    """The example row with each category as its code, as the container takes it."""
    cells = []
    for feature, value in zip(schema.features, schema.example_values(), strict=True):
        code = None if value is None or feature.categories is None else feature.categories.index(str(value))
        cells.append("" if value is None else str(code if code is not None else value))
    return ",".join(cells)


def _get_predict(schema: Schema) -> dict[str, Any]:
    parameters = []
    for feature, value in zip(schema.features, schema.example_values(), strict=True):
        parameter = {"name": feature.name, "in": "query", "required": not feature.missing,
                     "description": feature.describe(), "schema": _query_value(feature)}  # fmt: skip
        if value is not None:
            parameter["example"] = value
        parameters.append(parameter)
    return {"operationId": "predictOne", "summary": "Predict one row given as query parameters",
            "parameters": parameters, "responses": _responses("PredictResponse", 400, *_EVERY_REQUEST)}  # fmt: skip


def _post_explain(schema: Schema) -> dict[str, Any]:
    operation = _post_predict(schema, "explain")
    return operation | {"summary": "Explain a batch of rows: exact TreeSHAP contributions and the bias",
                        "responses": _responses("ExplainResponse", *_BODIES, *_EVERY_REQUEST)}  # fmt: skip


def _get_explain(schema: Schema) -> dict[str, Any]:
    operation = _get_predict(schema)
    return operation | {"operationId": "explainOne", "summary": "Explain one row given as query parameters",
                        "responses": _responses("ExplainResponse", 400, *_EVERY_REQUEST)}  # fmt: skip


def _query_value(feature: Feature) -> dict[str, Any]:
    value = feature_schema(feature)
    value.pop("description")
    if feature.categories is not None:
        value["enum"] = list(feature.categories)
    else:
        value["type"] = "number"
    return value


def openapi_document(schema: Schema) -> dict[str, Any]:
    target = schema.target
    what = target.description or target.name
    answer = f"in {target.unit}" if schema.task == "regression" and target.unit else "as " + ", ".join(target.labels)
    if schema.task == "regression" and not target.unit:
        answer = "as a number"
    ping = {"operationId": "ping", "summary": "200 only while the model is loaded",
            "responses": _responses("Health", *_EVERY_REQUEST)}  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"xgboost-serverless: {schema.name}",
            "version": API_VERSION,
            "description": f"Predicts {what} ({schema.task}) {answer}.",
        },
        "paths": {
            "/predict": {"post": _post_predict(schema, "predict"), "get": _get_predict(schema)},
            "/explain": {"post": _post_explain(schema), "get": _get_explain(schema)},
            "/invocations": {"post": _invocations(schema)},
            "/ping": {"get": ping},
        },
        "components": {"schemas": _schemas(schema)},
    }
