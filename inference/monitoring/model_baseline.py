"""The whole baseline of a trained model: the data baseline from ``make data`` plus the model's answers on the
validation channel, written beside the model.

Only a step that holds the trained model can add the answers: local training does (``training.local_run``),
and on AWS the compile step after the training job (``lambda_image/compile_handler.py``), which already loads
the model once per job; the built-in training container cannot run our code.
"""

from __future__ import annotations

import json
import posixpath

import numpy as np

from inference.model import artifact
from inference.model.bundle import ModelBundle
from inference.model.compile import write
from inference.model.schema import Schema
from inference.monitoring import quality
from inference.monitoring.baseline import BASELINE_NAME, AnswerBaseline, Baseline, Bins
from inference.monitoring.baseline_document import parse_baseline
from inference.monitoring.channel import parse_channel
from inference.trees.forest import Forest


def answer_baseline(schema: Schema, forest: Forest, features: np.ndarray, labels: np.ndarray,
                    metric: str) -> AnswerBaseline:  # fmt: skip
    """The answers to the validation rows: their distribution, and ``metric`` on them."""
    predicted = quality.scores(forest, features, schema.task)
    categories = schema.target.labels if schema.task == "multiclass" else None
    bins = Bins.of(quality.answers(schema, predicted), categories)
    validation = quality.metric(metric, labels, predicted)
    kind = quality.answer_kind(schema)
    return AnswerBaseline(kind, bins, metric, validation, len(labels))


def model_baseline(bundle: ModelBundle, data_baseline: Baseline, validation_csv: str, metric: str,
                   origin: str = "validation channel") -> Baseline:  # fmt: skip
    data_baseline.check_schema(bundle.schema)
    labels, features = parse_channel(validation_csv, len(bundle.schema.features), origin)
    return data_baseline.with_answers(answer_baseline(bundle.schema, bundle.ensemble, features, labels, metric))


def write_model_baseline(*, model_uri: str, schema_uri: str | None, compiled_uri: str | None, data_baseline_uri: str,
                         validation_uri: str, metric: str, out_uri: str | None = None) -> str:  # fmt: skip
    """Read the model, the data baseline and the validation channel (local paths or ``s3://``), write the whole
    baseline (by default ``baseline.json`` beside the model) and return where."""
    bundle = ModelBundle.load(model_uri, schema_uri=schema_uri, compiled_uri=compiled_uri)
    data = parse_baseline(artifact.fetch(data_baseline_uri, what="baseline").data, data_baseline_uri)
    csv = artifact.fetch(validation_uri, what="validation channel").data.decode("utf-8")
    baseline = model_baseline(bundle, data, csv, metric, validation_uri)
    destination = out_uri or posixpath.join(posixpath.dirname(model_uri), BASELINE_NAME)
    write(destination, (json.dumps(baseline.to_document(), indent=2) + "\n").encode())
    return destination
