"""The compiled form: it predicts exactly what the tarball predicts, is served first, and stays tied to its sources."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from inference import ModelFormatError, ModelUnavailable, Predictor
from inference.expected import EXPECTED_NAME
from inference.model.artifact import model_document
from inference.model.bundle import ModelBundle
from inference.model.compile import compile_to, main
from inference.model.compiled import COMPILED_NAME, from_bytes
from inference.trees.ensemble import PERFECT_DEPTH, compile_model
from lambda_image.compile_handler import custom_resource_handler, lambda_handler
from tests.support.datasets import FRAUD, HOUSING, SPECIES, rows_for, train_for
from tests.support.models import save_like_sagemaker, synthetic_rows, synthetic_target, train_booster, write_schema


def _rows_with_missing(n: int, seed: int = 3) -> np.ndarray:
    rows = synthetic_rows(n, seed)
    rows[::3, 0] = np.nan
    rows[1::5, 6] = np.nan
    return rows


def _compiled_copy(tarball: Path, directory: Path) -> Path:
    """model.tar.gz and schema.json copied into ``directory``, and model.compiled.npz compiled beside them."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("model.tar.gz", "schema.json"):
        shutil.copy(tarball.with_name(name), directory / name)
    compile_to(str(directory / "model.tar.gz"))
    return directory / "model.tar.gz"


@pytest.mark.parametrize("kind", ["regression", "dart", "multiclass", "deep"])
def test_the_archive_predicts_bit_for_bit_what_the_tarball_predicts(kind: str, tmp_path: Path) -> None:
    rows = _rows_with_missing(700)
    if kind == "multiclass":
        booster, schema, rows = train_for(SPECIES), SPECIES, rows_for(SPECIES, 700, seed=5)
    else:
        params = {"dart": {"booster": "dart", "rate_drop": 0.3}, "deep": {"max_depth": PERFECT_DEPTH + 2}}.get(kind, {})
        train = synthetic_rows(3000, seed=1)
        labels = synthetic_target(train) + np.sin(train[:, 4] / 300).astype(np.float32)
        train[::4, 1] = np.nan  # the trees learn default ways for missing values
        settings = {"max_depth": 5, "nthread": 1, "seed": 0, **params}
        booster, schema = xgb.train(settings, xgb.DMatrix(train, label=labels), 25), HOUSING
    tarball = _compiled_copy(save_like_sagemaker(booster, tmp_path / "trained", schema), tmp_path / "served")
    served = ModelBundle.load(str(tarball)).ensemble
    plain = ModelBundle.load(str(tarball), compiled_uri="none").ensemble
    assert (served.node_left is None) is (kind != "deep") and (served.depth > PERFECT_DEPTH) is (kind == "deep")
    for count in (1, 5, 31, 32, 65, 700):  # the path method, the bit-parallel one, partial 64-row blocks
        np.testing.assert_array_equal(served.predict(rows[:count]), plain.predict(rows[:count]))
    np.testing.assert_allclose(served.predict(rows), booster.predict(xgb.DMatrix(rows)), rtol=1e-5, atol=1e-5)


def test_every_batch_size_gives_each_row_the_margin_it_gets_alone(tmp_path: Path) -> None:
    booster = train_booster(num_round=40, max_depth=7, seed=2)
    forest = compile_model(model_document(save_like_sagemaker(booster, tmp_path).read_bytes())).forest
    rows = _rows_with_missing(200, seed=9)
    alone = np.concatenate([forest.predict_margin(row[None, :]) for row in rows])
    for count in (2, 31, 32, 33, 64, 100, 200):
        np.testing.assert_array_equal(forest.predict_margin(rows[:count]), alone[:count])


def test_the_compiled_form_is_served_first_and_the_tarball_read_only_for_explanations(model_tarball, tmp_path) -> None:
    tarball = _compiled_copy(model_tarball, tmp_path)
    bundle = ModelBundle.load(str(tarball))
    assert bundle.version == ModelBundle.load(str(tarball), compiled_uri="none").version  # the tarball's digest
    assert len(bundle.document["learner"]["gradient_booster"]["model"]["trees"]) == bundle.ensemble.num_trees
    tarball.unlink()  # predictions never needed it; a fresh load from the archive alone still predicts
    alone = ModelBundle.load(str(tmp_path / COMPILED_NAME))
    assert alone.ensemble.predict(synthetic_rows(3)).shape == (3,)
    with pytest.raises(ModelUnavailable, match="explanations need the model document, which could not be read"):
        _ = alone.document


def test_a_stale_archive_is_refused_rather_than_served(model_tarball, tmp_path) -> None:
    tarball = _compiled_copy(model_tarball, tmp_path)
    save_like_sagemaker(train_booster(num_round=3, seed=5), tmp_path)  # retrained, archive not rebuilt
    with pytest.raises(ModelFormatError, match=f"{COMPILED_NAME} was compiled from another model than {tarball}"):
        ModelBundle.load(str(tarball))


def test_the_archive_remembers_the_schema_it_was_compiled_with(model_tarball, tmp_path) -> None:
    tarball = _compiled_copy(model_tarball, tmp_path)
    renamed = json.loads((tmp_path / "schema.json").read_text())
    renamed["features"][0]["name"], renamed["example"]["Income"] = "Income", renamed["example"].pop("MedInc")
    (tmp_path / "schema.json").write_text(json.dumps(renamed))
    with pytest.raises(ModelFormatError, match="the compiled model was built for the features MedInc, HouseAge"):
        ModelBundle.load(str(tarball))


def test_a_missing_archive_is_an_error_when_named_and_not_when_looked_for(model_tarball, tmp_path) -> None:
    with pytest.raises(ModelFormatError, match=r"compiled model .* does not exist"):
        ModelBundle.load(str(model_tarball), compiled_uri=str(tmp_path / COMPILED_NAME))
    assert ModelBundle.load(str(model_tarball)).ensemble.num_trees == 20


def test_the_command_writes_beside_the_model_and_refuses_what_it_cannot_compile(
    model_tarball, tmp_path, capsys
) -> None:
    shutil.copy(model_tarball, tmp_path / "model.tar.gz")
    assert main([str(tmp_path / "model.tar.gz"), "--schema", "none"]) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / COMPILED_NAME}\n"
    assert from_bytes((tmp_path / COMPILED_NAME).read_bytes()).feature_names is None
    other_schema = str(write_schema(FRAUD, tmp_path / "fraud"))
    assert main([str(tmp_path / "model.tar.gz"), str(tmp_path / "out"), "--schema", other_schema]) == 2
    assert "the model takes 8 features but its schema 'card_fraud' has 5" in capsys.readouterr().err
    (tmp_path / "junk.tar.gz").write_bytes(b"not a model")
    assert main([str(tmp_path / "junk.tar.gz")]) == 2
    assert "legacy binary format" in capsys.readouterr().err


def test_a_predictor_serves_the_compiled_form_and_explains_from_the_tarball(fraud_model, tmp_path) -> None:
    tarball = _compiled_copy(fraud_model, tmp_path)
    predictor = Predictor(str(tarball))
    row = json.dumps({"instances": [FRAUD.example]})
    assert predictor.predict(row, "application/json")["predictions"][0]["label"] in FRAUD.target.labels
    explained = predictor.explain(row, "application/json")
    assert explained["model_version"] == predictor.model_version


def test_the_step_after_a_training_job_compiles_in_s3_and_the_service_serves_it(aws_env, model_tarball) -> None:
    import boto3

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="models-compiled")
    for name in ("model.tar.gz", "schema.json"):
        s3.upload_file(str(model_tarball.with_name(name)), "models-compiled", f"job-7/output/{name}")
    answer = lambda_handler({"model_uri": "s3://models-compiled/job-7/output/model.tar.gz"}, None)
    written = s3.get_object(Bucket="models-compiled", Key=f"job-7/output/{COMPILED_NAME}")["Body"].read()
    assert answer == {"compiled_uri": f"s3://models-compiled/job-7/output/{COMPILED_NAME}",
                      "source_sha256": hashlib.sha256(model_tarball.read_bytes()).hexdigest(),
                      "expected_uri": f"s3://models-compiled/job-7/output/{EXPECTED_NAME}",
                      "compiled_sha256": hashlib.sha256(written).hexdigest()}  # fmt: skip
    bundle = ModelBundle.load("s3://models-compiled/job-7/output/model.tar.gz", compiled_uri=answer["compiled_uri"])
    plain = ModelBundle.load("s3://models-compiled/job-7/output/model.tar.gz")  # in S3 only a named one is read
    rows = synthetic_rows(50, seed=4)
    np.testing.assert_array_equal(bundle.ensemble.predict(rows), plain.ensemble.predict(rows))
    assert bundle.version.startswith("job-7/output/model.compiled.npz@")
    environment = {
        "MODEL_URI": "s3://models-compiled/job-7/output/model.tar.gz",
        "COMPILED_MODEL_URI": answer["compiled_uri"],
    }
    served = Predictor.from_env(environment)
    assert served.ready and served.model_version == bundle.version  # COMPILED_MODEL_URI is what the backends read
    broken = {**environment, "COMPILED_MODEL_URI": "s3://models-compiled/job-7/output/missing.npz"}
    assert not Predictor.from_env(broken).ready  # a named archive that is not there fails /ping, no silent fallback


def _custom_resource_event(
    request_type: str, properties: dict[str, str], physical_id: str | None = None
) -> dict[str, Any]:
    """An event as the Provider framework hands it to ``onEvent`` (CloudFormation's, with every property a string)."""
    token = "arn:aws:lambda:us-east-1:123456789012:function:framework-onEvent"
    event: dict[str, Any] = {"RequestType": request_type, "ServiceToken": token, "LogicalResourceId": "Compiled",
                             "ResourceType": "Custom::CompiledModel",
                             "ResourceProperties": {"ServiceToken": token, **properties}}  # fmt: skip
    return event | ({} if physical_id is None else {"PhysicalResourceId": physical_id})


def test_the_custom_resource_compiles_after_a_job_fails_with_why_and_keeps_the_archive_on_delete(  # type: ignore[no-untyped-def]
    aws_env, model_tarball, tmp_path
) -> None:
    import boto3

    s3, bucket = boto3.client("s3"), "models-custom-resource"
    s3.create_bucket(Bucket=bucket)
    s3.upload_file(str(model_tarball), bucket, "models/xgboost-1/output/model.tar.gz")
    s3.upload_file(str(model_tarball.with_name("schema.json")), bucket, "data/0123/schema.json")  # as TrainingStack
    s3.upload_file(str(write_schema(FRAUD, tmp_path / "fraud")), bucket, "data/4567/schema.json")
    model_uri, compiled_uri = (
        f"s3://{bucket}/models/xgboost-1/output/model.tar.gz",
        f"s3://{bucket}/models/xgboost-1/output/{COMPILED_NAME}",
    )
    properties = {"ModelUri": model_uri, "SchemaUri": f"s3://{bucket}/data/0123/schema.json", "ArchiveFormat": "1"}
    answer = custom_resource_handler(_custom_resource_event("Create", properties), None)
    written = s3.get_object(Bucket=bucket, Key=f"models/xgboost-1/output/{COMPILED_NAME}")["Body"].read()
    assert answer == {"PhysicalResourceId": compiled_uri, "Data": {
        "CompiledUri": compiled_uri, "CompiledKey": f"models/xgboost-1/output/{COMPILED_NAME}",
        "SourceSha256": hashlib.sha256(model_tarball.read_bytes()).hexdigest(),
        "ExpectedUri": f"s3://{bucket}/models/xgboost-1/output/{EXPECTED_NAME}",
        "ExpectedKey": f"models/xgboost-1/output/{EXPECTED_NAME}",
        "CompiledSha256": hashlib.sha256(written).hexdigest()}}  # fmt: skip
    expected = json.loads(s3.get_object(Bucket=bucket, Key=answer["Data"]["ExpectedKey"])["Body"].read())
    assert expected["row"] == dict(HOUSING.example) and expected["predict"]["count"] == 1  # the schema's example
    assert from_bytes(written).feature_names == HOUSING.names  # checked against the schema it names, and bound to it
    served = {"MODEL_URI": model_uri, "SCHEMA_URI": properties["SchemaUri"], "COMPILED_MODEL_URI": compiled_uri}
    assert Predictor.from_env(served).ready  # what every backend reads, once the step has run

    wrong_schema = {**properties, "SchemaUri": f"s3://{bucket}/data/4567/schema.json"}
    message = f"{model_uri} cannot be compiled, so it is not served: the model takes 8 features but its schema "
    message += "'card_fraud' has 5"
    with pytest.raises(ModelFormatError, match=re.escape(message)):  # the framework fails the deployment with this
        custom_resource_handler(_custom_resource_event("Update", wrong_schema, compiled_uri), None)
    assert s3.get_object(Bucket=bucket, Key=answer["Data"]["CompiledKey"])["Body"].read() == written  # untouched

    deleted = custom_resource_handler(_custom_resource_event("Delete", properties, compiled_uri), None)
    assert deleted == {"PhysicalResourceId": compiled_uri}
    assert s3.get_object(Bucket=bucket, Key=answer["Data"]["CompiledKey"])["Body"].read() == written  # kept


def test_the_custom_resource_writes_the_models_baseline_beside_it(aws_env, model_tarball) -> None:  # type: ignore[no-untyped-def]
    import boto3

    from inference.monitoring.baseline import feature_baseline
    from inference.monitoring.baseline_document import baseline_of

    s3, bucket = boto3.client("s3"), "models-baseline"
    s3.create_bucket(Bucket=bucket)
    s3.upload_file(str(model_tarball), bucket, "models/xgboost-2/output/model.tar.gz")
    s3.upload_file(str(model_tarball.with_name("schema.json")), bucket, "data/0123/schema.json")
    data = feature_baseline(HOUSING, synthetic_rows(300, seed=4))
    s3.put_object(Bucket=bucket, Key="data/0123/baseline.json", Body=json.dumps(data.to_document()))
    validation = synthetic_rows(100, seed=5)
    csv = "".join(f"{label},{','.join(map(repr, row.tolist()))}\n"
                  for label, row in zip(synthetic_target(validation).tolist(), validation, strict=True))  # fmt: skip
    s3.put_object(Bucket=bucket, Key="data/0123/validation/validation.csv", Body=csv)
    properties = {"ModelUri": f"s3://{bucket}/models/xgboost-2/output/model.tar.gz", "ArchiveFormat": "1",
                  "SchemaUri": f"s3://{bucket}/data/0123/schema.json", "Metric": "rmse", "BaselineFormat": "1",
                  "DataBaselineUri": f"s3://{bucket}/data/0123/baseline.json",
                  "ValidationUri": f"s3://{bucket}/data/0123/validation/validation.csv"}  # fmt: skip
    answer = custom_resource_handler(_custom_resource_event("Create", properties), None)
    assert answer["Data"]["BaselineKey"] == "models/xgboost-2/output/baseline.json"
    assert answer["Data"]["BaselineUri"] == f"s3://{bucket}/models/xgboost-2/output/baseline.json"
    written = baseline_of(json.loads(s3.get_object(Bucket=bucket, Key=answer["Data"]["BaselineKey"])["Body"].read()))
    assert written.features == data.features and written.answers is not None
    predicted = Predictor.from_env({"MODEL_URI": str(model_tarball)}).bundle.ensemble.predict(validation)
    expected = float(np.sqrt(np.mean((predicted - synthetic_target(validation)) ** 2)))
    assert (written.answers.metric, written.answers.rows) == ("rmse", 100)
    assert written.answers.validation == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    ("request_type", "properties", "message"),
    [("Create", {"SchemaUri": "s3://b/s.json"}, "resource property ModelUri must be a non-empty string, got None"),
     ("Update", {"ModelUri": "s3://b/m.tar.gz", "SchemaUri": ""},
      "resource property SchemaUri must be a non-empty string, got ''"),
     ("Replace", {"ModelUri": "s3://b/m.tar.gz", "SchemaUri": "s3://b/s.json"}, "unknown RequestType 'Replace'")],
)  # fmt: skip
def test_a_malformed_custom_resource_event_is_refused_before_any_s3_call(  # type: ignore[no-untyped-def]
    request_type, properties, message
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        custom_resource_handler(_custom_resource_event(request_type, properties, "s3://b/x.npz"), None)


def test_objects_that_differ_from_the_deployments_digests_are_refused_wherever_they_live(  # type: ignore[no-untyped-def]
    aws_env, model_tarball, tmp_path
) -> None:
    """Whoever may write model.compiled.npz decides the predictions, unless the deployment carries its digest:
    a forged archive may copy the true tarball's SHA-256 into its own metadata, but not hash to the archive's."""
    import boto3

    from inference.model import compiled

    s3, bucket, prefix = boto3.client("s3"), "models-digests", "models/xgboost-9/output"
    s3.create_bucket(Bucket=bucket)
    for name in ("model.tar.gz", "schema.json"):
        s3.upload_file(str(model_tarball.with_name(name)), bucket, f"{prefix}/{name}")
    written = lambda_handler({"model_uri": f"s3://{bucket}/{prefix}/model.tar.gz"}, None)
    served = {"MODEL_URI": f"s3://{bucket}/{prefix}/model.tar.gz", "COMPILED_MODEL_URI": written["compiled_uri"],
              "MODEL_SHA256": written["source_sha256"],
              "COMPILED_MODEL_SHA256": written["compiled_sha256"]}  # fmt: skip
    assert Predictor.from_env(served).ready

    other = compile_model(model_document(save_like_sagemaker(train_booster(seed=5), tmp_path).read_bytes())).forest
    forged = compiled.to_bytes(other, model_tarball.read_bytes(), HOUSING.names)  # names the true tarball
    s3.put_object(Bucket=bucket, Key=f"{prefix}/{COMPILED_NAME}", Body=forged)
    assert Predictor.from_env({**served, "MODEL_SHA256": "", "COMPILED_MODEL_SHA256": ""}).ready  # the hole closed
    refused = Predictor.from_env(served)
    assert not refused.ready
    assert refused.load_error == (f"s3://{bucket}/{prefix}/{COMPILED_NAME} is not the compiled model this deployment "
                                  "serves: its SHA-256 differs from COMPILED_MODEL_SHA256 (replaced or damaged in "
                                  "storage?)")  # fmt: skip

    s3.put_object(
        Bucket=bucket,
        Key=f"{prefix}/model.tar.gz",
        Body=save_like_sagemaker(train_booster(seed=6), tmp_path / "6").read_bytes(),
    )
    tarball = Predictor.from_env({**served, "COMPILED_MODEL_URI": "none"})
    assert not tarball.ready and "is not the model this deployment serves" in str(tarball.load_error)
    stale = compiled.to_bytes(other, model_tarball.read_bytes()[:-1])  # an archive of another tarball
    s3.put_object(Bucket=bucket, Key=f"{prefix}/{COMPILED_NAME}", Body=stale)
    named = Predictor.from_env({**served, "COMPILED_MODEL_SHA256": hashlib.sha256(stale).hexdigest()})
    assert "was compiled from another model than the one this deployment serves" in str(named.load_error)
