"""Data capture: each answered request with its answer, as one record of SageMaker's Data Capture format.

Both adapters call ``Capture.record`` once per request to ``/predict``, ``/explain``, ``/invocations`` (either
path) or the Open Inference Protocol's ``/v2/models/{name}/infer``, with
the ``Request`` and the ``Response``. A sampled share (``CAPTURE_PERCENT``) becomes one JSON line, written by a
sink (``inference.capture_sinks``); the client gets its ``eventId`` in ``x-event-id`` to send ground truth for
it later. Capture never fails or holds an answer: any error, a record over ``MAX_RECORD_BYTES`` or a full
buffer drops the record and counts it (``CaptureDropped``, an embedded-metric line). Why this shape and
delivery: docs/dev/runtime.md ("Data capture").
"""

from __future__ import annotations

import base64
import random
import time
import urllib.parse
import uuid
from collections.abc import Callable

from inference.capture_sinks import Sink, sink_for
from inference.protocols.codecs import API, SAGEMAKER, V2
from inference.protocols.json_text import dumps
from inference.routes import Request, Response
from inference.settings import Settings

CAPTURED_ROUTES = {"/predict": API, "/explain": API, "/invocations": SAGEMAKER,
                   "/endpoints/{name}/invocations": SAGEMAKER, "/v2/models/{name}/infer": V2,
                   "/v2/models/{name}/versions/{version}/infer": V2}  # fmt: skip
"""The routes whose requests are captured, and the API that reads their bodies."""
DEFAULT_MEDIA_TYPES = {API: "application/json", SAGEMAKER: "text/csv", V2: "application/json"}
"""What a body without a Content-Type is read as, so the record says what the model was given."""
QUERY_MEDIA_TYPE = "application/x-www-form-urlencoded"
"""A GET request's query string, captured in place of a body."""
EVENT_ID_HEADER = "x-event-id"
MAX_RECORD_BYTES = 250_000
"""A CloudWatch Logs event holds at most 256 KiB: a longer line would be cut, so the record is dropped."""
TEXT_ENCODINGS = {"application/json": "JSON", "text/csv": "CSV"}
"""Media types stored as text; SageMaker stores any other body as BASE64."""


class Capture:
    """Samples and records requests of one backend (``backend``: its name in records and prefixes)."""

    def __init__(
        self, sink: Sink, *, backend: str, percent: float = 100.0, sample: Callable[[], float] = random.random
    ) -> None:
        self.sink, self.backend, self.percent, self._sample = sink, backend, percent, sample
        self.dropped = 0
        self._second, self._time_text = -1, ""

    @classmethod
    def from_settings(cls, settings: Settings, default_backend: str) -> Capture | None:
        """The capture ``settings`` ask for; None when it is off (no destination, or 0 %)."""
        destination, percent, flush_seconds = settings.capture
        if destination is None or percent <= 0:
            return None
        backend = settings.backend_name or default_backend
        return cls(sink_for(destination, backend, flush_seconds), backend=backend, percent=percent)

    def record(self, route: str, request: Request, response: Response, *, model_version: str | None,
               event_id: str | None = None) -> Response:  # fmt: skip
        """``response``, with ``x-event-id`` when this request was captured. Never raises."""
        api = CAPTURED_ROUTES.get(route)
        if api is None or (self.percent < 100 and self._sample() * 100 >= self.percent):
            return response
        event_id = event_id or str(uuid.uuid4())
        try:  # a record that cannot be made or written is dropped (and counted), never the answer
            line = self.line(api, route, request, response, model_version, event_id)
            reason = (
                "too_large" if len(line) > MAX_RECORD_BYTES else None if self.sink.write(line, self._hour) else "full"
            )
        except Exception:
            reason = "error"
        if reason is not None:
            self.dropped += 1
            self.sink.drop(reason)
            return response
        return response._replace(headers={**response.headers, EVENT_ID_HEADER: event_id})

    def line(self, api: str, route: str, request: Request, response: Response, model_version: str | None,
             event_id: str) -> str:  # fmt: skip
        """The record as one line of JSON (no newline)."""
        if request.method == "GET":
            query = urllib.parse.urlencode(request.query, doseq=True).encode()
            endpoint_input = _data(query, QUERY_MEDIA_TYPE, "INPUT")
        else:
            media_type = request.headers.get("content-type") or DEFAULT_MEDIA_TYPES[api]
            endpoint_input = _data(request.body, media_type, "INPUT")
        metadata = {"eventId": event_id, "inferenceTime": self._now(), "modelVersion": model_version,
                    "backend": self.backend, "route": route, "status": response.status}  # fmt: skip
        record = {"captureData": {"endpointInput": endpoint_input,
                                  "endpointOutput": _data(response.body, response.content_type or "", "OUTPUT")},
                  "eventMetadata": metadata, "eventVersion": "0"}  # fmt: skip
        return dumps(record)

    def _now(self) -> str:
        """``inferenceTime`` (ISO 8601, UTC, whole seconds), the text kept for the current second."""
        now = int(time.time())
        if now != self._second:
            self._second, self._time_text = now, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        return self._time_text

    @property
    def _hour(self) -> str:
        """``yyyy/mm/dd/hh`` of the record just made: the prefix it is written under."""
        text = self._time_text
        return f"{text[0:4]}/{text[5:7]}/{text[8:10]}/{text[11:13]}"


def _data(body: bytes | str, media_type: str, mode: str) -> dict[str, str]:
    """SageMaker's ``endpointInput``/``endpointOutput``: CSV and JSON as text, anything else as BASE64."""
    encoding = TEXT_ENCODINGS.get(media_type.split(";", 1)[0].strip().lower())
    if encoding is not None:
        try:
            text = body if isinstance(body, str) else body.decode("utf-8")
            return {"observedContentType": media_type, "mode": mode, "data": text, "encoding": encoding}
        except UnicodeDecodeError:
            pass
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    data = base64.b64encode(raw).decode("ascii")
    return {"observedContentType": media_type, "mode": mode, "data": data, "encoding": "BASE64"}
