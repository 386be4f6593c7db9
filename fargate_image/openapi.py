"""The OpenAPI 3.1 document and the /docs page, generated from ``inference.schema`` so they cannot drift."""

from __future__ import annotations

import html
from typing import Any

from inference.schema import (
    EXAMPLE_ROW,
    FEATURE_NAMES,
    FEATURES,
    MAX_BODY_BYTES,
    MAX_ROWS,
    PREDICTION_UNIT,
    TARGET_NAME,
    Feature,
)

API_VERSION = "1.0.0"
EXAMPLE_VALUES = tuple(EXAMPLE_ROW[name] for name in FEATURE_NAMES)
EXAMPLE_CSV = ",".join(map(str, EXAMPLE_VALUES))
_REF = "#/components/schemas/"
_ERROR_MEANINGS = {
    400: "invalid input; error.field names the feature, field or header at fault",
    413: f"more than {MAX_ROWS} rows, or a body over {MAX_BODY_BYTES} bytes",
    415: "unsupported Content-Type",
    503: "the model is not loaded",
}


def _feature(feature: Feature) -> dict[str, Any]:
    description = f"{feature.description} ({feature.unit})"
    return {"type": "number", "minimum": feature.minimum, "maximum": feature.maximum, "description": description}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    required = [name for name in properties if name not in optional]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _schemas() -> dict[str, Any]:
    row = {"oneOf": [{"$ref": _REF + "NamedRow"}, {"$ref": _REF + "OrderedRow"}]}
    instances = {"type": "array", "minItems": 1, "maxItems": MAX_ROWS, "items": row}
    csv_rows = {"type": "string", "description": f"CSV rows without header, in order: {', '.join(FEATURE_NAMES)}"}
    error = {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "field": {"type": "string", "description": "the feature, body field or header at fault"},
        "row": {"type": "integer", "minimum": 0, "description": "0-based index of the offending row"},
    }
    ordered = [_feature(f) for f in FEATURES]
    return {
        "NamedRow": _object({f.name: _feature(f) for f in FEATURES}),
        "OrderedRow": {"type": "array", "prefixItems": ordered, "items": False, "minItems": len(ordered)},
        "PredictRequest": {"oneOf": [_object({"instances": instances}), _object({"pred_x_csv": csv_rows})]},
        "PredictResponse": _object(
            {
                "predictions": {"type": "array", "items": {"type": "number"}, "description": f"{TARGET_NAME} per row"},
                "unit": {"const": PREDICTION_UNIT},
                "model_version": {"type": "string"},
                "count": {"type": "integer", "minimum": 1},
            }
        ),
        "Health": _object(
            {
                "status": {"const": "ok"},
                "model_version": {"type": "string"},
                "trees": {"type": "integer", "minimum": 1},
                "features": {"const": list(FEATURE_NAMES)},
            }
        ),
        "ErrorBody": _object({"error": _object(error, optional=("field", "row"))}),
    }


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": _REF + schema}}}}


def _responses(success: str, *errors: int) -> dict[str, Any]:
    responses = {"200": _json(success, "success")}
    responses.update({str(status): _json("ErrorBody", _ERROR_MEANINGS[status]) for status in errors})
    return responses


def _post_predict(operation_id: str) -> dict[str, Any]:
    examples = {
        "named": {"value": {"instances": [EXAMPLE_ROW]}},
        "ordered": {"value": {"instances": [list(EXAMPLE_VALUES)]}},
        "seeds": {"value": {"pred_x_csv": EXAMPLE_CSV}},
    }
    content = {
        "application/json": {"schema": {"$ref": _REF + "PredictRequest"}, "examples": examples},
        "text/csv": {"schema": {"type": "string"}, "example": EXAMPLE_CSV + "\n"},
    }
    return {
        "operationId": operation_id,
        "summary": "Predict a batch of rows",
        "requestBody": {"required": True, "content": content},
        "responses": _responses("PredictResponse", 400, 413, 415, 503),
    }


def _get_predict() -> dict[str, Any]:
    parameters = [
        {"name": f.name, "in": "query", "required": True, "description": f"{f.description} ({f.unit})",
         "schema": {"type": "number", "minimum": f.minimum, "maximum": f.maximum}, "example": value}
        for f, value in zip(FEATURES, EXAMPLE_VALUES, strict=True)
    ]  # fmt: skip
    return {
        "operationId": "predictOne",
        "summary": "Predict one row given as query parameters",
        "parameters": parameters,
        "responses": _responses("PredictResponse", 400, 503),
    }


def openapi_document() -> dict[str, Any]:
    description = f"Predicts {TARGET_NAME} (median house value of a California block group) in {PREDICTION_UNIT}."
    ping = {
        "operationId": "ping",
        "summary": "200 only while the model is loaded",
        "responses": _responses("Health", 503),
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "xgboost-serverless inference API", "version": API_VERSION, "description": description},
        "paths": {
            "/predict": {"post": _post_predict("predict"), "get": _get_predict()},
            "/invocations": {"post": _post_predict("invocations")},
            "/ping": {"get": ping},
        },
        "components": {"schemas": _schemas()},
    }


def docs_page() -> str:
    """A dependency-free HTML page: the routes, the features with units and ranges, a link to the spec."""
    rows = "".join(
        f"<tr><td><code>{html.escape(f.name)}</code></td><td>{html.escape(f.description)}</td>"
        f"<td>{html.escape(f.unit)}</td><td>{f.minimum:g}</td><td>{f.maximum:g}</td></tr>"
        for f in FEATURES
    )
    query = "&amp;".join(f"{name}={value}" for name, value in EXAMPLE_ROW.items())
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>xgboost-serverless API</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{border:1px solid #ccc;padding:4px 8px}"
        "table{border-collapse:collapse}</style></head><body><h1>xgboost-serverless inference API</h1>"
        f"<p>Predicts {TARGET_NAME} in {PREDICTION_UNIT}. Machine-readable: <a href='openapi.json'>openapi.json</a>"
        " (OpenAPI 3.1).</p><ul><li><code>POST /predict</code> (or <code>/invocations</code>): "
        '<code>application/json</code> <code>{"instances": [{...}, ...]}</code> or <code>[[...], ...]</code>, '
        "or <code>text/csv</code> rows without header</li>"
        f"<li><code>GET /predict?{query}</code>: one row</li>"
        "<li><code>GET /ping</code>: 200 while the model is loaded, else 503</li></ul>"
        f"<p>At most {MAX_ROWS} rows and {MAX_BODY_BYTES} bytes per request. Features, in CSV column order:</p>"
        f"<table><tr><th>name</th><th>description</th><th>unit</th><th>min</th><th>max</th></tr>{rows}</table>"
        "</body></html>"
    )
