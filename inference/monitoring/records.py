"""Captured records and ground-truth records read back: each request's rows as the model's matrix.

A record's input is read by the same codecs as the route read it (``/invocations`` by SageMaker's reading,
``/predict`` and ``/explain`` by ours, a GET's query string as its query), through lenient columns that refuse
no value the monitor should see: every feature may be missing, no range applies, and a category name that
is not one of the categories reads as ``UNSEEN`` (a code never used), so the monitor counts it. Records
written by SageMaker itself (no ``route`` in ``eventMetadata``) are read as ``/invocations`` requests.
"""

from __future__ import annotations

import base64
import dataclasses
import urllib.parse

import msgspec
import numpy as np

from inference.capture import CAPTURED_ROUTES, QUERY_MEDIA_TYPE
from inference.errors import InvalidInput
from inference.model.columns import Columns
from inference.model.schema import Schema
from inference.protocols.api.requests import READING, read_query
from inference.protocols.codecs import CODECS, SAGEMAKER, V2
from inference.protocols.sagemaker.invocations import READING as INVOCATIONS_READING
from inference.protocols.v2.documents import infer_request

UNSEEN = -1.0


class Data(msgspec.Struct):  # the structs spell SageMaker's keys
    data: str = ""
    encoding: str = "CSV"
    observedContentType: str = ""
    mode: str = ""


class CaptureData(msgspec.Struct):
    endpointInput: Data
    endpointOutput: Data | None = None


class EventMetadata(msgspec.Struct):
    eventId: str
    inferenceTime: str = ""
    modelVersion: str | None = None
    backend: str = "sagemaker"
    route: str = "/invocations"
    status: int = 200


class CaptureRecord(msgspec.Struct):
    captureData: CaptureData
    eventMetadata: EventMetadata
    eventVersion: str = "0"


class GroundTruthId(msgspec.Struct):
    eventId: str


class GroundTruthRecord(msgspec.Struct):
    groundTruthData: Data
    eventMetadata: GroundTruthId
    eventVersion: str = "0"


read_capture = msgspec.json.Decoder(CaptureRecord).decode
read_ground_truth = msgspec.json.Decoder(GroundTruthRecord).decode
RecordError = (msgspec.DecodeError, msgspec.ValidationError)


def lenient(schema: Schema) -> Schema:
    """``schema`` with every feature optional and unbounded (categories kept: a name reads as its code, a code as
    itself, so a code the categories never had lands in the histogram's unseen bin)."""
    features = tuple(dataclasses.replace(f, missing=True, minimum=None, maximum=None) for f in schema.features)
    return dataclasses.replace(schema, features=features)


def text_of(data: Data) -> bytes | str:
    return base64.b64decode(data.data) if data.encoding == "BASE64" else data.data


class RecordReader:
    """Reads the rows of records against one schema."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.columns = Columns(lenient(schema), unseen=UNSEEN)

    def rows(self, record: CaptureRecord) -> np.ndarray:
        """The request's rows (float32, a category by its code, NaN missing, ``UNSEEN`` for an unknown
        category name); ``InferenceError`` when they cannot be read at all (malformed, a wrong row length)."""
        data, route = record.captureData.endpointInput, record.eventMetadata.route
        body = text_of(data)
        if data.observedContentType == QUERY_MEDIA_TYPE:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
            return read_query(urllib.parse.parse_qs(text, keep_blank_values=True), self.columns)
        content_type = data.observedContentType or None
        api = CAPTURED_ROUTES.get(route, SAGEMAKER)
        if api == SAGEMAKER:
            return CODECS.read(body, content_type, INVOCATIONS_READING, self.columns)
        if api == V2:
            return infer_request(body, content_type, self.columns).rows
        return CODECS.read(body, content_type, READING, self.columns)

    def labels(self, record: GroundTruthRecord) -> np.ndarray:
        """Ground truth as training's labels: one per row, by CSV lines or commas; a class by its label or its
        index; a regression value in the answers' unit (divided by the schema's scale)."""
        body = text_of(record.groundTruthData)
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        cells = [cell.strip() for line in text.splitlines() for cell in line.split(",") if cell.strip()]
        target = self.schema.target
        if target.task == "regression":
            return np.array([float(cell) / target.scale for cell in cells])
        index = {label: float(i) for i, label in enumerate(target.labels)}
        values = [index[cell] if cell in index else float(cell) for cell in cells]
        if any(value not in index.values() for value in values):
            raise InvalidInput(f"ground truth must be labels ({', '.join(target.labels)}) or their indices")
        return np.array(values)
