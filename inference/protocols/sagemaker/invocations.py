"""``POST /invocations``: SageMaker's built-in XGBoost container contract, answered from the loaded model.

Bodies are read and answers written through ``CODECS``; ``Accept`` picks the writer (``*/*``: the
deployment's default, else ``text/csv``), output keys come from the request or ``SAGEMAKER_INFERENCE_OUTPUT``.
An empty body answers 204. The differences from the container are in the README.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from inference.errors import InferenceError, InvalidInput, UnsupportedMediaType, echoed
from inference.model.bundle import ModelBundle
from inference.protocols.codecs import CODECS, SAGEMAKER, Codec, Reading
from inference.protocols.formats.text_csv import MEDIA_TYPE as CSV
from inference.protocols.limits import MAX_BODY_BYTES, body_too_large
from inference.protocols.sagemaker.answers import key_list, records, selected_keys
from inference.settings import Env

OUTPUT_PARAMETER, OUTPUT_HEADER = "output", "X-Inference-Output"
READING = Reading(SAGEMAKER, "/invocations", CSV, ", or JSON to /predict")


class NotAcceptable(InferenceError):
    status = 406
    default_code = "not_acceptable"


class Invocation(NamedTuple):
    status: int
    content_type: str | None  # None with 204: no body, no Content-Type
    body: bytes
    predicted: list[Any] | None = None
    """What the model predicted for each row, as Python numbers (the metrics summarize it)."""

    @property
    def rows(self) -> int:
        return 0 if self.predicted is None else len(self.predicted)


def invoke(bundle: ModelBundle, body: bytes, content_type: str | None, accept: str | None, output_keys: str | None,
           default_accept: str | None) -> Invocation:  # fmt: skip
    """Answer one request like the container; every refusal is an InferenceError (400/406/413/415)."""
    if len(body) > MAX_BODY_BYTES:
        raise body_too_large()
    CODECS.reader(content_type, READING)  # 415 before 406 and the keys' 400, as the container answers
    _check_label_size(content_type or "")
    answer_codec = negotiate(accept, default_accept)
    objective = bundle.ensemble.objective
    keys = selected_keys(output_keys, objective, OUTPUT_PARAMETER)
    if not body:  # 204, once the request is one this service answers (the container answers it whatever it says)
        return Invocation(204, None, b"")
    rows = CODECS.read(body, content_type, READING, bundle.columns)
    predicted = bundle.ensemble.predict(rows)  # float32, bit for bit what Booster.predict returns
    if not np.isfinite(predicted).all():
        raise InferenceError("the model predicted a value that is not finite", code="non_finite_prediction")
    values = predicted.tolist()  # Python floats, as the container's .tolist() gives them
    writer, answer_type = answer_codec.writer, answer_codec.answer_type
    assert writer is not None and answer_type is not None
    body = writer(records(values, keys, objective, bundle.ensemble.num_groups), keys)
    return Invocation(200, answer_type, body, values)


def requested_output(query: str | None, header: str | None, deployment: str | None) -> str | None:
    """The keys a request gets: its ``output`` parameter or ``X-Inference-Output`` header, else the deployment's."""
    if query is not None and header is not None and key_list(query) != key_list(header):
        raise InvalidInput(f"the {OUTPUT_PARAMETER} parameter and the {OUTPUT_HEADER} header disagree; send one",
                           code="conflicting_output", field=OUTPUT_PARAMETER)  # fmt: skip
    return query if query is not None else header if header is not None else deployment


def negotiate(accept: str | None, default_accept: str | None) -> Codec:
    """The answer's codec: the first of ``accept``'s types (by q) that is produced, ``*/*`` the default."""
    produced = CODECS.writers()
    for media in _media_ranges(accept) if accept and accept.strip() else ["*/*"]:
        if media == "*/*":
            default = (default_accept or "").split(";", 1)[0].strip().lower() or CSV
            if default not in produced:
                setting = f"the deployment's {Env.DEFAULT_INVOCATIONS_ACCEPT} is {echoed(default)!r}"
                message = f"{setting}, which is not produced; send an Accept of {_listing(produced)}"
                raise NotAcceptable(message, field="Accept")
            return produced[default]
        if media in produced:
            return produced[media]
    hint = " (recordio-protobuf is not produced)" if "recordio" in (accept or "") else ""
    raise NotAcceptable(
        f"Accept {echoed(accept)!r} is not produced{hint}; ask for {_listing(produced)}", field="Accept"
    )


def _check_label_size(content_type: str) -> None:
    settings = [part.partition("=") for part in content_type.split(";")[1:]]
    if any(name.strip().lower() == "label_size" and size.strip() != "1" for name, _, size in settings):
        raise UnsupportedMediaType("text/csv takes label_size=1 only, and rows without a label", field="Content-Type")


def _media_ranges(accept: str) -> list[str]:
    ranges = []
    for part in accept.split(","):
        media, *parameters = (item.strip().lower() for item in part.split(";"))
        weights = [p[2:].strip() for p in parameters if p.startswith("q=")]
        try:
            weight = float(weights[0]) if weights else 1.0
        except ValueError:
            weight = 0.0
        if media and weight > 0:
            ranges.append((-weight, media))
    return [media for _, media in sorted(ranges, key=lambda pair: pair[0])]


def _listing(produced: Mapping[str, Codec]) -> str:
    return ", ".join(produced)


def answer_request(bundle: ModelBundle, body: bytes, headers: Mapping[str, str], query: Mapping[str, Sequence[str]],
                   inference_output: str | None, default_accept: str | None) -> Invocation:  # fmt: skip
    """``invoke`` for an HTTP request: ``headers`` with lower-case names, ``query`` each name with its values,
    then the deployment's ``SAGEMAKER_INFERENCE_OUTPUT`` and ``SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT``."""
    chosen = query.get(OUTPUT_PARAMETER)
    keys = requested_output(",".join(chosen) if chosen is not None else None, headers.get(OUTPUT_HEADER.lower()),
                            inference_output)  # fmt: skip
    return invoke(bundle, body, headers.get("content-type"), headers.get("accept"), keys, default_accept)
