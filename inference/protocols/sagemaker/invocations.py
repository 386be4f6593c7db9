"""``POST /invocations``: SageMaker's built-in XGBoost container contract, answered from the loaded model.

Requests: ``text/csv``, ``text/libsvm``/``text/x-libsvm`` or ``application/jsonlines`` rows (see
``inference.protocols.sagemaker.formats``); no Content-Type means ``text/csv``; an empty body answers 204. Values are
the model's own: inputs as the model was trained on them, outputs in its own units (no schema scaling),
classes by index, every float the float32 that xgboost predicts, written as the container writes it.

Answers (``Accept``; absent or ``*/*`` means ``SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT``, else ``text/csv``;
a list takes its first available type by ``q``; anything else is a 406):
- ``text/csv``: one line per row, ``\\n``-terminated, comma-separated (one value per class for multi:softprob);
- ``application/json``: ``{"predictions": [{"score": x}, ...]}``; ``application/jsonlines``: ``{"score": x}``
  per line.
Selected output (``SAGEMAKER_INFERENCE_OUTPUT``, comma-separated keys, case-insensitive): per row the keys the
objective allows (``predicted_label``, ``labels``, ``probability``, ``probabilities``, ``raw_score``,
``raw_scores``; regression ``predicted_score``), as json ``{"predictions": [{key: value}]}`` (keys in the
container's fixed order), jsonlines one object per line, csv the values in the requested order, lists quoted.
A key the objective does not allow is a 400 (the container writes NaN). A request chooses its own keys with
the query parameter ``output`` or the header ``X-Inference-Output`` (the same value if both are given);
an empty value asks for the default answer. ``requested_output`` applies that precedence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from inference.errors import InferenceError, InvalidInput, UnsupportedMediaType
from inference.model.bundle import ModelBundle
from inference.model.columns import Columns, echoed
from inference.model.schema import MAX_BODY_BYTES
from inference.protocols.api.instances import body_too_large
from inference.protocols.sagemaker import formats
from inference.protocols.sagemaker.answers import (
    CSV,
    JSON,
    JSONLINES,
    default_answer,
    key_list,
    row_outputs,
    selected_answer,
)
from inference.protocols.sagemaker.answers import selected_keys as chosen_keys
from inference.service import DEFAULT_ACCEPT_ENV, OUTPUT_ENV

OUTPUT_PARAMETER, OUTPUT_HEADER = "output", "X-Inference-Output"
ANSWER_TYPES = {CSV: "text/csv; charset=utf-8", JSON: JSON, JSONLINES: JSONLINES}
DECODERS: dict[str, Callable[[str, Columns], list[list[float]]]] = {
    CSV: formats.decode_csv, "csv": formats.decode_csv, "text/libsvm": formats.decode_libsvm,
    "text/x-libsvm": formats.decode_libsvm, "libsvm": formats.decode_libsvm, JSONLINES: formats.decode_jsonlines,
}  # fmt: skip
SENT = "text/csv, text/libsvm (or text/x-libsvm) or application/jsonlines"


class NotAcceptable(InferenceError):
    status = 406
    default_code = "not_acceptable"


@dataclass(frozen=True)
class Invocation:
    status: int
    content_type: str | None  # None with 204: no body, no Content-Type
    body: bytes


def invoke(bundle: ModelBundle, body: bytes, content_type: str | None, accept: str | None, output_keys: str | None,
           default_accept: str | None) -> Invocation:  # fmt: skip
    """Answer one request like the container; every refusal is an InferenceError (400/406/413/415)."""
    if len(body) > MAX_BODY_BYTES:
        raise body_too_large()
    if not body:
        return Invocation(204, None, b"")
    decode = _decoder(content_type)
    answer_type = negotiate(accept, default_accept)
    objective = bundle.ensemble.objective
    keys = chosen_keys(output_keys, objective, OUTPUT_PARAMETER)
    rows = formats.checked_matrix(decode(_text(body), bundle.columns), bundle.columns)
    predicted = bundle.ensemble.predict(rows).astype(np.float32)  # what Booster.predict returns
    if not np.isfinite(predicted).all():
        raise InferenceError("the model predicted a value that is not finite", code="non_finite_prediction")
    values = predicted.tolist()  # Python floats, as the container's .tolist() gives them
    if keys is None:
        return Invocation(200, ANSWER_TYPES[answer_type], default_answer(values, answer_type))
    selected = [row_outputs(objective, value, bundle.ensemble.num_groups) for value in values]
    return Invocation(200, ANSWER_TYPES[answer_type], selected_answer(selected, keys, answer_type))


def requested_output(query: str | None, header: str | None, deployment: str | None) -> str | None:
    """The keys a request gets: its ``output`` parameter or ``X-Inference-Output`` header, else the deployment's."""
    if query is not None and header is not None and key_list(query) != key_list(header):
        raise InvalidInput(f"the {OUTPUT_PARAMETER} parameter and the {OUTPUT_HEADER} header disagree; send one",
                           code="conflicting_output", field=OUTPUT_PARAMETER)  # fmt: skip
    return query if query is not None else header if header is not None else deployment


def negotiate(accept: str | None, default_accept: str | None) -> str:
    """The answer's media type: the first of ``accept``'s types (by q) that is produced, ``*/*`` the default."""
    for media in _media_ranges(accept) if accept and accept.strip() else ["*/*"]:
        if media == "*/*":
            default = (default_accept or "").split(";", 1)[0].strip().lower() or CSV
            if default not in ANSWER_TYPES:
                raise NotAcceptable(f"the deployment's {DEFAULT_ACCEPT_ENV} is {echoed(default)!r}, which is not "
                                    f"produced; send an Accept of {_produced()}", field="Accept")  # fmt: skip
            return default
        if media in ANSWER_TYPES:
            return media
    hint = " (recordio-protobuf is not produced)" if "recordio" in (accept or "") else ""
    raise NotAcceptable(f"Accept {echoed(accept)!r} is not produced{hint}; ask for {_produced()}", field="Accept")


def _decoder(content_type: str | None) -> Callable[[str, Columns], list[list[float]]]:
    media, _, parameters = (content_type or CSV).partition(";")
    media = media.strip().lower() or CSV
    if media not in DECODERS:
        hint = " (recordio-protobuf is not read)" if "recordio" in media else ""
        raise UnsupportedMediaType(f"Content-Type {echoed(media)!r} is not read on /invocations{hint}; send {SENT}, "
                                   "or JSON to /predict", field="Content-Type")  # fmt: skip
    settings = [part.partition("=") for part in parameters.split(";")]
    if any(name.strip().lower() == "label_size" and size.strip() != "1" for name, _, size in settings):
        raise UnsupportedMediaType("text/csv takes label_size=1 only, and rows without a label", field="Content-Type")
    return DECODERS[media]


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8 text", code="malformed_body", field="body") from None


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


def _produced() -> str:
    return ", ".join(ANSWER_TYPES)


def answer_request(bundle: ModelBundle, body: bytes, headers: Mapping[str, str], query: Mapping[str, Sequence[str]],
                   settings: Mapping[str, str]) -> Invocation:  # fmt: skip
    """``invoke`` for an HTTP request: ``headers`` with lower-case names, ``query`` each name with its values,
    ``settings`` the deployment's environment (``SAGEMAKER_INFERENCE_OUTPUT``, ``..._DEFAULT_INVOCATIONS_ACCEPT``)."""
    chosen = query.get(OUTPUT_PARAMETER)
    keys = requested_output(",".join(chosen) if chosen is not None else None, headers.get(OUTPUT_HEADER.lower()),
                            settings.get(OUTPUT_ENV))  # fmt: skip
    accept, default_accept = headers.get("accept"), settings.get(DEFAULT_ACCEPT_ENV)
    return invoke(bundle, body, headers.get("content-type"), accept, keys, default_accept)
