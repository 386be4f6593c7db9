"""A compiled model that is truncated, corrupt, tampered with, stale or paired with another schema: the real
server refuses it, naming the cause, fails /ping and never predicts (it does not fall back to the tarball)."""

from __future__ import annotations

import io
import json
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from inference.model.compile import compile_to
from inference.model.compiled import COMPILED_NAME, checksum
from tests.integration.conftest import RunningServer
from tests.reliability.serving import assert_predicts, assert_refuses_to_predict
from tests.support.models import save_like_sagemaker, train_booster

NO_RETRY = {"MODEL_RETRY_SECONDS": "3600"}


def _members(archive: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(archive), allow_pickle=False) as loaded:
        return {name: loaded[name] for name in loaded.files}


def _archive(members: dict[str, np.ndarray], *, recompute: bool = False, compress: bool = False) -> bytes:
    if recompute:
        members = {**members, "checksum": np.frombuffer(checksum(members).encode(), np.uint8)}
    buffer = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buffer, **members)
    return buffer.getvalue()


def _edited(archive: bytes, name: str, change: Callable[[np.ndarray], np.ndarray], recompute: bool) -> bytes:
    members = _members(archive)
    return _archive({**members, name: change(members[name].copy())}, recompute=recompute)


def _meta(archive: bytes, **changes: object) -> bytes:
    members = _members(archive)
    meta = {**json.loads(members["meta"].tobytes()), **changes}
    return _archive({**members, "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)}, recompute=True)


def _flip_middle(archive: bytes) -> bytes:
    middle = len(archive) // 2
    return archive[:middle] + bytes(b ^ 0xFF for b in archive[middle : middle + 32]) + archive[middle + 32 :]


def _out_of_bounds(cuts: np.ndarray) -> np.ndarray:
    cuts[7] = cuts.max() + 1000
    return cuts


def _object_member(archive: bytes) -> bytes:
    members = _members(archive)
    buffer = io.BytesIO()
    np.savez(buffer, **members, extra=np.array([{"payload": 1}], dtype=object))
    return buffer.getvalue()


# (fault, archive -> damaged archive, what the error must say)
FAULTS: list[tuple[str, Callable[[bytes], bytes], str]] = [
    ("truncated", lambda a: a[: len(a) // 2], "is truncated or corrupt"),
    ("empty", lambda a: b"", "is truncated or corrupt"),
    ("bytes flipped inside a member", _flip_middle, "is truncated or corrupt"),
    ("an array edited, checksum left", lambda a: _edited(a, "leaf_value", lambda v: v * 2, False),
     "fails its checksum"),
    ("an index pushed out of bounds, checksum recomputed",
     lambda a: _edited(a, "node_cut", _out_of_bounds, True), "node_cut refers to a cut outside"),
    ("thresholds out of order, checksum recomputed",
     lambda a: _edited(a, "cut_threshold", lambda t: np.concatenate((t[:-1][::-1], t[-1:])), True),
     "thresholds must ascend"),
    ("another format version", lambda a: _meta(a, format=2), "has format 2; this runtime reads format 1"),
    ("deflated members", lambda a: _archive(_members(a), compress=True), "has compressed members"),
    ("a pickled object member", _object_member, "a member is an object array, which only pickle can read: refused"),
    ("a pickle, not an archive", lambda a: pickle.dumps({"forest": 1}), "is truncated or corrupt"),
]  # fmt: skip


@pytest.fixture
def served_dir(model_tarball: Path, tmp_path: Path) -> Path:
    """model.tar.gz, schema.json and a good model.compiled.npz, in a directory of this test's own."""
    for name in ("model.tar.gz", "schema.json"):
        shutil.copy(model_tarball.with_name(name), tmp_path / name)
    compile_to(str(tmp_path / "model.tar.gz"))
    return tmp_path


def test_a_good_archive_is_served(start_server, served_dir: Path) -> None:
    server: RunningServer = start_server({"MODEL_URI": str(served_dir / "model.tar.gz"), **NO_RETRY})
    assert_predicts(server)


@pytest.mark.parametrize(("fault", "damage", "cause"), FAULTS, ids=[fault for fault, _, _ in FAULTS])
def test_a_damaged_archive_is_refused(start_server, served_dir: Path, fault: str,
                                      damage: Callable[[bytes], bytes], cause: str) -> None:  # fmt: skip
    archive = served_dir / COMPILED_NAME
    archive.write_bytes(damage(archive.read_bytes()))
    server: RunningServer = start_server({"MODEL_URI": str(served_dir / "model.tar.gz"), **NO_RETRY})
    assert_refuses_to_predict(server, cause)


def test_an_archive_of_another_model_is_refused(start_server, served_dir: Path) -> None:
    save_like_sagemaker(train_booster(num_round=4, seed=3), served_dir)  # the tarball was replaced
    server: RunningServer = start_server({"MODEL_URI": str(served_dir / "model.tar.gz"), **NO_RETRY})
    assert_refuses_to_predict(server, f"{COMPILED_NAME} was compiled from another model")


def test_an_archive_with_the_schema_of_another_data_set_is_refused(start_server, served_dir: Path) -> None:
    schema = json.loads((served_dir / "schema.json").read_text())
    schema["features"][6]["name"], schema["features"][7]["name"] = "Longitude", "Latitude"  # columns swapped
    schema["example"] = {}
    (served_dir / "schema.json").write_text(json.dumps(schema))
    server: RunningServer = start_server({"MODEL_URI": str(served_dir / "model.tar.gz"), **NO_RETRY})
    assert_refuses_to_predict(server, "the compiled model was built for the features MedInc, HouseAge")
