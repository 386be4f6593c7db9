"""A model and a schema that disagree are refused, with a message that says how; so is a missing or broken schema."""

from __future__ import annotations

import json

import pytest

from inference import ModelFormatError, Predictor
from inference.model.bundle import ModelBundle
from tests.support.datasets import FRAUD, HOUSING, SPECIES, SPECIES_DOCUMENT, train_for
from tests.support.models import save_like_sagemaker, write_schema


def test_model_and_schema_that_agree_load_together(species_model) -> None:
    bundle = ModelBundle.load(str(species_model))
    assert (bundle.schema.name, bundle.ensemble.num_groups, bundle.schema.num_classes) == ("species", 3, 3)


@pytest.mark.parametrize(
    ("schema_document", "message"),
    [
        (HOUSING.to_document(), "the model takes 4 features but its schema 'california_housing' has 8 (MedInc, "),
        ({**SPECIES_DOCUMENT, "target": {**SPECIES_DOCUMENT["target"], "objective": "multi:softmax"}},
         "the model's objective is 'multi:softprob' but its schema 'species' says 'multi:softmax'"),
        ({**SPECIES_DOCUMENT, "target": {**SPECIES_DOCUMENT["target"], "labels": ["a", "b", "c", "d"]}},
         "the model has 3 classes but its schema 'species' labels 4 (a, b, c, d)"),
    ],
)  # fmt: skip
def test_a_schema_that_disagrees_with_the_model_is_refused(species_model, tmp_path, schema_document, message) -> None:
    (tmp_path / "schema.json").write_text(json.dumps(schema_document))
    with pytest.raises(ModelFormatError) as caught:
        ModelBundle.load(str(species_model), schema_uri=str(tmp_path / "schema.json"))
    assert message in str(caught.value)


def test_a_disagreeing_pair_fails_the_health_check_and_never_predicts(tmp_path) -> None:
    tarball = save_like_sagemaker(train_for(SPECIES), tmp_path, schema=None)
    write_schema(FRAUD, tmp_path)
    predictor = Predictor.from_env({"MODEL_URI": str(tarball), "MODEL_RETRY_SECONDS": "3600"})
    status, body = predictor.health()
    assert status == 503
    assert "the model takes 4 features but its schema 'card_fraud' has 5" in body["error"]["message"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "schema file '{dir}/schema.json' does not exist (SCHEMA_URI is not set, so it was looked for beside"),
        ("{not json", "the model's schema is invalid: {dir}/schema.json: not valid JSON (Expecting property name"),
        ('{"name": "x", "features": [], "target": {"task": "regression", "name": "y"}}',
         "features must be a non-empty list of features"),
        ('{"name": "x", "features": [{"name": "a"}], "target": {"task": "regression", "name": "y", "labels": ["a"]}}',
         "target.labels is only for classification tasks"),
    ],
)  # fmt: skip
def test_a_missing_or_broken_schema_is_refused(tmp_path, content, message) -> None:
    tarball = save_like_sagemaker(train_for(SPECIES), tmp_path, schema=None)
    if content is not None:
        (tmp_path / "schema.json").write_text(content)
    with pytest.raises(ModelFormatError) as caught:
        ModelBundle.load(str(tarball))
    assert message.format(dir=tmp_path) in str(caught.value)
