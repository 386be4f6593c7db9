"""Golden request/answer pairs: /invocations answers what SageMaker's built-in XGBoost container answers.

Expected answers are xgboost's own ``Booster.predict`` on the same rows, written as the container writes them.
Each rule below is read from its serving code (aws/sagemaker-xgboost-container ``algorithm_mode/serve.py`` and
``serve_utils.py``; sagemaker-containers 2.8.6 ``_encoders.py``), restated here, not imported:
- default ``text/csv``: ``encoders.encode(preds.tolist(), accept)``; ``array_to_csv`` makes ``np.array`` of the
  list, a 1-D one a column, and writes it with ``csv.writer(lineterminator="\\n")``;
- default ``application/json``: ``encode_predictions_as_json``, ``json.dumps({"predictions": [{"score": p}]})``;
- selected keys: ``get_selected_predictions`` (the keys each objective has, values from the float32 predictions
  with ``.item()``/``.tolist()``), then ``json.dumps({"predictions": ...})``, ``json_to_jsonlines``
  (``json.dumps(entry) + "\\n"`` per entry) or the csv rule: ``str()`` per value, ``'"{}"'`` around lists,
  rows joined by ``"\\n"``;
- the response type is Flask's ``mimetype=accept``: ``text/csv; charset=utf-8``, ``application/json``.
The container has no default jsonlines answer; ours is ``json_to_jsonlines`` of its JSON answer.
Every answer is the container's byte for byte, numbers included: the trees add up in float32 as xgboost's do.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from inference.model.bundle import ModelBundle
from inference.model.schema import Schema
from inference.protocols.codecs import CODECS
from inference.protocols.sagemaker import answers
from inference.protocols.sagemaker.invocations import invoke
from tests.support.datasets import FRAUD, HOUSING, SPECIES, rows_for, train_for
from tests.support.models import save_like_sagemaker
from tests.unit.test_invocations import with_objective

TASKS = {"reg:squarederror": HOUSING, "binary:logistic": FRAUD, "binary:logitraw": FRAUD, "binary:hinge": FRAUD,
         "multi:softprob": SPECIES, "multi:softmax": SPECIES}  # fmt: skip
ACCEPTS = ["text/csv", "application/json", "application/jsonlines"]


class Served:
    def __init__(self, objective: str, directory: Path) -> None:
        self.schema: Schema = with_objective(TASKS[objective], objective)
        self.booster = train_for(self.schema)
        save_like_sagemaker(self.booster, directory, self.schema)
        self.bundle = ModelBundle.load(str(directory / "model.tar.gz"))
        self.rows = rows_for(self.schema, 400, seed=11)
        self.predictions = self.booster.predict(xgb.DMatrix(self.rows))  # float32, as the container predicts


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Served]:
    return {objective: Served(objective, tmp_path_factory.mktemp(objective.replace(":", "-"))) for objective in TASKS}


def bodies(rows: np.ndarray) -> dict[str, bytes]:
    """The same rows in every request type; missing values as each type writes them."""
    cells = [["" if np.isnan(v) else repr(float(v)) for v in row] for row in rows]
    csv_body = "\n".join(",".join(row) for row in cells)
    libsvm = "\n".join(("1 " if i % 2 else "") + " ".join(f"{j}:{v}" for j, v in enumerate(row) if v)
                       for i, row in enumerate(cells))  # fmt: skip
    values = [[None if v == "" else float(v) for v in row] for row in cells]
    jsonlines = "\n".join(json.dumps({"features": row} if i % 2 else row) for i, row in enumerate(values))
    return {"text/csv": csv_body.encode(), "text/libsvm": libsvm.encode(), "text/x-libsvm": libsvm.encode(),
            "application/jsonlines": jsonlines.encode()}  # fmt: skip


def container_default(predictions: np.ndarray, accept: str) -> bytes:
    listed = predictions.tolist()
    if accept == "text/csv":
        array = np.array(listed)
        stream = io.StringIO()
        csv.writer(stream, lineterminator="\n").writerows(array.reshape(len(array), -1))
        return stream.getvalue().encode()
    return container_json([{"score": p} for p in listed], accept)


def container_json(entries: list[dict[str, Any]], accept: str) -> bytes:
    if accept == "application/json":
        return json.dumps({"predictions": entries}).encode()
    return b"".join(json.dumps(entry).encode() + b"\n" for entry in entries)


def container_row(objective: str, raw: np.ndarray, num_class: int) -> dict[str, Any]:
    """One prediction's selectable keys and values, in the order get_selected_predictions fills them."""
    if objective.startswith("reg:"):
        return {"predicted_score": raw.item()}
    if objective == "multi:softprob":
        best = max(raw).item()
        return {"predicted_label": np.argmax(raw).item(), "labels": list(range(num_class)), "probability": best,
                "probabilities": raw.tolist(), "raw_score": best, "raw_scores": raw.tolist()}  # fmt: skip
    value = raw.item()
    labels = [0, 1] if objective.startswith("binary:") else list(range(num_class))
    label = {"binary:logistic": int(raw > 0.5), "binary:logitraw": int(raw > 0)}.get(objective, value)
    row: dict[str, Any] = {"predicted_label": label, "labels": labels}
    if objective == "binary:logistic":
        row |= {"probability": value, "probabilities": [1.0 - value, value]}
    return row | {"raw_score": value, "raw_scores": [1.0 - value, value]}


def container_selected(served: Served, objective: str, keys: list[str], accept: str) -> bytes:
    rows = [container_row(objective, raw, served.bundle.ensemble.num_groups) for raw in served.predictions]
    if accept == "text/csv":
        return "\n".join(",".join(f'"{r[k]}"' if isinstance(r[k], list) else str(r[k]) for k in keys)
                         for r in rows).encode()  # fmt: skip
    return container_json([{k: v for k, v in row.items() if k in keys} for row in rows], accept)


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("objective", TASKS)
def test_default_answer_is_the_containers(served: dict[str, Served], objective: str, accept: str) -> None:
    model = served[objective]
    expected = container_default(model.predictions, accept)
    for content_type, body in bodies(model.rows).items():
        answer = invoke(model.bundle, body, content_type, accept, None, None)
        assert (answer.status, answer.content_type) == (200, ANSWER_TYPES[accept])
        assert answer.body == expected


def key_choices() -> list[tuple[str, str]]:
    """Per objective: every valid key alone, and all of them in reverse (csv keeps it, json takes its own order)."""
    choices = []
    for objective in TASKS:
        valid = answers.valid_keys(objective)
        choices += [(objective, key) for key in valid] + [(objective, ",".join(reversed(valid)))]
    return choices


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize(("objective", "keys"), key_choices())
def test_selected_answer_is_the_containers(served: dict[str, Served], objective: str, keys: str, accept: str) -> None:
    model = served[objective]
    expected = container_selected(model, objective, keys.split(","), accept)
    for content_type in ("text/csv", "text/libsvm"):
        answer = invoke(model.bundle, bodies(model.rows)[content_type], content_type, accept, keys, None)
        assert (answer.status, answer.content_type) == (200, ANSWER_TYPES[accept])
        assert answer.body == expected


def test_the_default_accept_of_the_deployment_applies(served: dict[str, Served]) -> None:
    model = served["multi:softprob"]
    answer = invoke(model.bundle, bodies(model.rows)["text/csv"], "text/csv", "*/*", None, "application/json")
    assert answer.body == container_default(model.predictions, "application/json")


ANSWER_TYPES = {media_type: codec.answer_type for media_type, codec in CODECS.writers().items()}


def written(outputs: list[Any], keys: list[str] | None, media_type: str) -> bytes:
    """What the writer of ``media_type`` writes for per-row outputs (values by default; ``row_outputs`` with keys)."""
    if keys is None:
        records = [{"score": value} for value in outputs]
    else:
        records = [{key: row[key] for key in answers.KEY_ORDER if key in keys} for row in outputs]
    writer = CODECS.writers()[media_type].writer
    assert writer is not None
    return writer(records, keys)


# The container's own unit tests (test/unit/algorithm_mode/test_serve_utils.py) as literal golden pairs.
CONTAINER_PREDICTIONS = [answers.row_outputs("binary:logistic", p, 1) for p in (0.6, 0.1)]


def test_the_containers_own_expectations() -> None:
    keys = ["predicted_label", "probabilities"]
    assert written(CONTAINER_PREDICTIONS, keys, "text/csv") == b'1,"[0.4, 0.6]"\n0,"[0.9, 0.1]"'
    assert written(CONTAINER_PREDICTIONS, keys, "application/jsonlines") == (
        b'{"predicted_label": 1, "probabilities": [0.4, 0.6]}\n{"predicted_label": 0, "probabilities": [0.9, 0.1]}\n'
    )
    assert CONTAINER_PREDICTIONS[0] == {"predicted_label": 1, "labels": [0, 1], "probability": 0.6,
                                        "probabilities": [0.4, 0.6], "raw_score": 0.6,
                                        "raw_scores": [0.4, 0.6]}  # fmt: skip
    assert written([0.43861907720565796, 0.4533972144126892], None, "application/json") == (
        b'{"predictions": [{"score": 0.43861907720565796}, {"score": 0.4533972144126892}]}'
    )
    assert answers.row_outputs("reg:logistic", -7.0, 1) == {"predicted_score": -7.0}


def test_float32_values_are_written_as_widened_doubles() -> None:
    values = np.array([0.1, 0.25, 1e-8], dtype=np.float32).tolist()
    assert written(values, None, "text/csv") == b"0.10000000149011612\n0.25\n9.99999993922529e-09\n"
    assert written([[0.25, 0.75]], None, "text/csv") == b"0.25,0.75\n"
    hinge = answers.row_outputs("binary:hinge", 1.0, 1)
    softmax = answers.row_outputs("multi:softmax", 2.0, 3)
    assert written([hinge, softmax], ["predicted_label", "raw_scores"], "text/csv") == (
        b'1.0,"[0.0, 1.0]"\n2.0,"[-1.0, 2.0]"'  # labels as the prediction itself; raw_scores [1 - x, x]
    )
