"""A model that is missing, unreadable, unsafe or broken: the real server reports it and never predicts."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import RunningServer
from tests.reliability import artifacts
from tests.reliability.serving import assert_refuses_to_predict
from tests.support.models import tar_bytes

NO_RETRY = {"MODEL_RETRY_SECONDS": "3600"}  # the first answer must already be the refusal

# (fault, artifact builder (booster, directory) -> bytes, what the error must say)
LOCAL_FAULTS: list[tuple[str, Callable[..., bytes], str]] = [
    ("truncated tarball", lambda b, d: (d / "good.tar.gz").read_bytes()[:400], "truncated or corrupt"),
    ("corrupt tarball", lambda b, d: artifacts.corrupted((d / "good.tar.gz").read_bytes()), "truncated or corrupt"),
    ("gzip checksum mismatch", lambda b, d: artifacts.wrong_checksum((d / "good.tar.gz").read_bytes()),
     "CRC check failed"),
    ("gzip trailer missing", lambda b, d: (d / "good.tar.gz").read_bytes()[:-8], "truncated or corrupt"),
    ("not gzip at all", lambda b, d: b"\x1f\x8b\x08\x00garbage", "truncated or corrupt"),
    ("wrong member name", lambda b, d: tar_bytes({"model.xgb": artifacts.model_bytes(b, d)}),
     "no regular file named 'xgboost-model'"),
    ("bare pickle", lambda b, d: artifacts.pickled_model(), "pickle/joblib model files are refused"),
    ("pickle in the tarball", lambda b, d: tar_bytes({"xgboost-model": artifacts.pickled_model()}),
     "pickle/joblib model files are refused"),
    ("joblib file in the tarball", lambda b, d: tar_bytes({"model.joblib": artifacts.pickled_model()}),
     "pickle/joblib model files are refused"),
    ("legacy binary", lambda b, d: tar_bytes({"xgboost-model": artifacts.legacy_binary(with_magic=False)}),
     "legacy binary format"),
    ("legacy binary with binf magic", lambda b, d: artifacts.legacy_binary(with_magic=True), "legacy binary format"),
    ("wrong feature count", lambda b, d: artifacts.five_feature_model(d),
     "takes 5 features but its schema 'california_housing' has 8"),
    ("path traversal names only", lambda b, d: artifacts.traversal_tarball(artifacts.model_bytes(b, d)),
     "no regular file named 'xgboost-model'"),
    ("member header claims 1 TiB", lambda b, d: artifacts.huge_member_header(2**40),
     "declares 1099511627776 bytes, more than"),
    ("empty file", lambda b, d: b"", "the model file is empty"),
    ("empty member", lambda b, d: tar_bytes({"xgboost-model": b""}), "the model file is empty"),
]  # fmt: skip


@pytest.mark.parametrize(("fault", "build", "cause"), LOCAL_FAULTS, ids=[case[0] for case in LOCAL_FAULTS])
def test_broken_local_artifact_is_refused(start_server, booster, model_tarball, tmp_path: Path, fault: str,
                                          build: Callable[..., bytes], cause: str) -> None:  # fmt: skip
    shutil.copy(model_tarball, tmp_path / "good.tar.gz")
    shutil.copy(model_tarball.with_name("schema.json"), tmp_path / "schema.json")
    (tmp_path / "model.tar.gz").write_bytes(build(booster, tmp_path))
    server: RunningServer = start_server({"MODEL_URI": str(tmp_path / "model.tar.gz"), **NO_RETRY})
    assert_refuses_to_predict(server, cause)


def test_missing_local_file_is_refused(start_server, tmp_path: Path) -> None:
    server = start_server({"MODEL_URI": str(tmp_path / "absent" / "model.tar.gz"), **NO_RETRY})
    assert_refuses_to_predict(server, "does not exist")


def test_unset_model_uri_is_refused(start_server) -> None:
    assert_refuses_to_predict(start_server({"MODEL_URI": "", **NO_RETRY}), "MODEL_URI is not set")
