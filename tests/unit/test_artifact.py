"""Loading artifacts: every accepted form loads; every unsafe or broken one is refused with a fix."""

from __future__ import annotations

import gzip
import pickle

import boto3
import numpy as np
import pytest

from inference import LoadedModel
from inference.errors import ModelFormatError
from inference.settings import Settings
from tests.support.datasets import HOUSING
from tests.support.models import synthetic_rows, tar_bytes, write_schema


def _model_bytes(booster, tmp_path, name: str = "xgboost-model") -> bytes:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    booster.save_model(str(path))
    return path.read_bytes()


def test_sagemaker_tarball_loads_with_a_content_version(model_tarball, booster) -> None:
    model = LoadedModel.load(str(model_tarball))
    assert model.version.startswith("sha256:")
    rows = synthetic_rows(100, seed=4)
    np.testing.assert_allclose(model.ensemble.predict(rows), booster.inplace_predict(rows), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["xgboost-model", "model.json", "model.ubj"])
def test_bare_model_files_load(booster, tmp_path, name: str) -> None:
    _model_bytes(booster, tmp_path, name)
    write_schema(HOUSING, tmp_path)
    assert LoadedModel.load(str(tmp_path / name), "v7").version == "v7"


def test_member_with_dot_slash_prefix_loads(booster, tmp_path) -> None:
    (tmp_path / "m.tar.gz").write_bytes(tar_bytes({"./xgboost-model": _model_bytes(booster, tmp_path)}))
    write_schema(HOUSING, tmp_path)
    assert LoadedModel.load(str(tmp_path / "m.tar.gz")).ensemble.num_trees == 20


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda b, p: pickle.dumps({"model": 1}), "pickle/joblib model files are refused"),
        (lambda b, p: tar_bytes({"model.joblib": b"\x80\x04"}), "pickle/joblib model files are refused"),
        (lambda b, p: tar_bytes({"xgboost-model": pickle.dumps([1])}), "pickle/joblib"),
        (lambda b, p: b"binf" + b"\x00" * 200, "legacy binary format"),
        (lambda b, p: tar_bytes({"model.bst": b"x"}), "no regular file named 'xgboost-model'"),
        (lambda b, p: tar_bytes({"xgboost-model": _model_bytes(b, p)})[:300], "truncated or corrupt"),
        (lambda b, p: gzip.compress(b"not a tar archive at all" * 30), "truncated or corrupt"),
        (lambda b, p: b'{"learner": {}}', "not an XGBoost model document"),
        (lambda b, p: b'{"a": [1, 2', "not valid XGBoost JSON/UBJSON"),
    ],
)
def test_unsafe_or_broken_artifacts_are_refused(booster, tmp_path, content, message: str) -> None:
    (tmp_path / "artifact").write_bytes(content(booster, tmp_path))
    with pytest.raises(ModelFormatError, match=message):
        LoadedModel.load(str(tmp_path / "artifact"))


def test_symlink_member_is_not_followed(booster, tmp_path) -> None:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        link = tarfile.TarInfo("xgboost-model")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    (tmp_path / "m.tar.gz").write_bytes(buffer.getvalue())
    with pytest.raises(ModelFormatError, match="no regular file"):
        LoadedModel.load(str(tmp_path / "m.tar.gz"))


def test_wrong_feature_count_is_refused(tmp_path) -> None:
    import xgboost as xgb

    rows = np.random.default_rng(0).random((100, 5))
    booster = xgb.train({"nthread": 1}, xgb.DMatrix(rows, label=rows[:, 0]), 3)
    booster.save_model(str(tmp_path / "m.json"))
    write_schema(HOUSING, tmp_path)
    with pytest.raises(ModelFormatError, match="takes 5 features but its schema 'california_housing' has 8"):
        LoadedModel.load(str(tmp_path / "m.json"))


def test_missing_local_file_is_refused(tmp_path) -> None:
    with pytest.raises(ModelFormatError, match="does not exist"):
        LoadedModel.load(str(tmp_path / "nope.tar.gz"))


def test_loads_from_s3_with_the_object_version(aws_env, model_tarball) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="models-versioned")
    s3.put_bucket_versioning(Bucket="models-versioned", VersioningConfiguration={"Status": "Enabled"})
    put = s3.put_object(Bucket="models-versioned", Key="job-1/output/model.tar.gz", Body=model_tarball.read_bytes())
    s3.upload_file(str(model_tarball.with_name("schema.json")), "models-versioned", "job-1/output/schema.json")
    model = LoadedModel.load("s3://models-versioned/job-1/output/model.tar.gz")
    assert model.version == f"job-1/output/model.tar.gz@{put['VersionId']}"
    assert model.ensemble.num_trees == 20


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("s3://models-missing-bucket/model.tar.gz", "NoSuchBucket"),
        ("s3://models-empty/absent/model.tar.gz", "NoSuchKey"),
        ("s3://models-empty", "is not an s3://bucket/key URI"),
    ],
)
def test_s3_failures_are_clear(aws_env, uri: str, message: str) -> None:
    boto3.client("s3").create_bucket(Bucket="models-empty")
    with pytest.raises(ModelFormatError, match=message):
        LoadedModel.load(uri)


def test_unreachable_s3_fails_after_bounded_retries(monkeypatch, aws_env) -> None:
    from tests.conftest import free_port

    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{free_port()}")
    settings = Settings.from_environ({"MODEL_S3_MAX_ATTEMPTS": "2", "MODEL_S3_CONNECT_TIMEOUT": "0.5"})
    with pytest.raises(ModelFormatError, match="could not read s3://b/k"):
        LoadedModel.load("s3://b/k", s3=settings.s3)


@pytest.fixture(params=["isal", "zlib"])
def inflate(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Unpack with ISA-L (what the images install) or with zlib, the fallback when isal cannot be imported."""
    import zlib

    from inference.model import tarball

    if request.param == "zlib":
        monkeypatch.setattr(tarball, "_INFLATE", zlib)
    return str(request.param)


def _member(tarball: bytes) -> bytes:
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
        handle = tar.extractfile("xgboost-model")
        assert handle is not None
        return handle.read()


def test_either_inflate_unpacks_the_document_the_standard_library_unpacks(inflate, model_tarball) -> None:
    from inference.model import artifact, ubjson

    data = model_tarball.read_bytes()
    expected = ubjson.loads(_member(data))
    document = artifact.model_document(data)
    assert document["learner"]["learner_model_param"] == expected["learner"]["learner_model_param"]
    trees, expected_trees = (d["learner"]["gradient_booster"]["model"]["trees"] for d in (document, expected))
    assert len(trees) == len(expected_trees) == 20
    np.testing.assert_array_equal(trees[7]["split_conditions"], expected_trees[7]["split_conditions"])


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d[:-8] + bytes([d[-8] ^ 1]) + d[-7:], "CRC check failed"),  # the CRC-32 of the trailer
        (lambda d: d[:-1] + bytes([d[-1] ^ 1]), "CRC check failed"),  # the length of the trailer
        (lambda d: d[:-8], "the gzip stream ends early"),
        (lambda d: d + b"trailing garbage", ""),  # not another gzip member
        (lambda d: d[:40] + bytes([d[40] ^ 0xFF]) + d[41:], ""),  # inside the deflate stream
    ],
)
def test_a_damaged_gzip_stream_is_refused_alike_whichever_library_inflates(inflate, model_tarball, damage,
                                                                          message: str) -> None:  # fmt: skip
    from inference.model import artifact

    with pytest.raises(ModelFormatError, match=f"^model.tar.gz is truncated or corrupt: .*{message}"):
        artifact.model_document(damage(model_tarball.read_bytes()))


def test_gzip_members_one_after_another_and_zero_padding_unpack_as_gzip_does(inflate, model_tarball) -> None:
    from inference.model import artifact

    unpacked = gzip.decompress(model_tarball.read_bytes())
    split = gzip.compress(unpacked[:5000]) + bytes(7) + gzip.compress(unpacked[5000:]) + bytes(512)
    assert gzip.decompress(split) == unpacked
    trees = artifact.model_document(split)["learner"]["gradient_booster"]["model"]["trees"]
    assert len(trees) == 20
