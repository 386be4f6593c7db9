"""Tarball unpacking is bounded and never touches the file system: traversal names, huge or lying members, bombs."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pytest

from inference.errors import ModelFormatError
from inference.model import artifact, tarball
from tests.reliability import artifacts
from tests.support.models import tar_bytes


def test_traversal_names_are_not_the_model_and_nothing_is_written(booster, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    hostile = artifacts.traversal_tarball(artifacts.model_bytes(booster, tmp_path))
    (tmp_path / "xgboost-model").unlink()
    with pytest.raises(ModelFormatError, match="no regular file named 'xgboost-model'"):
        artifact.model_document(hostile)
    assert sorted(p.name for p in tmp_path.rglob("*")) == []
    assert not Path("/tmp/xgboost-model").exists()


def refused_peak(data: bytes, message: str) -> int:
    """Refuse ``data`` with ``message``; the peak of Python's allocations meanwhile (bytes, NumPy arrays)."""
    tracemalloc.start()
    try:
        with pytest.raises(ModelFormatError, match=message):
            artifact.model_document(data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


PEAK_BOUND = 16 * 1024 * 1024
"""Each crafted archive below is refused within this (the issue asks for under 100 MB; before, 0.5 to 1 GB)."""


def test_a_header_claiming_a_huge_member_is_refused_without_allocating_it() -> None:
    message = "member 'xgboost-model' declares 1099511627776 bytes, more than the 67108864 this runtime serves"
    assert refused_peak(artifacts.huge_member_header(2**40), message) < PEAK_BOUND


def test_a_sparse_member_claiming_500_mb_is_refused_before_its_holes_are_filled() -> None:
    hostile = artifacts.sparse_tarball(500_000_000)
    assert len(hostile) < 256  # the was 218 bytes; it peaked at 1,037 MB
    assert refused_peak(hostile, "member 'xgboost-model' is a sparse file; a model tarball holds none") < PEAK_BOUND


def test_a_million_empty_members_are_refused_at_the_member_bound_not_listed() -> None:
    hostile = artifacts.many_members(1_000_000)  # the loaded after 38.8 s at 980 MB
    message = f"model.tar.gz has more than {tarball.MAX_MEMBERS} members; a model tarball holds a few"
    assert refused_peak(hostile, message) < PEAK_BOUND


@pytest.mark.parametrize("before", ["nothing", "a model"])
def test_a_gzip_bomb_is_refused_at_the_unpacked_bound_inflating_a_chunk_at_a_time(before: str, tmp_path: Path,
                                                                                  booster) -> None:  # fmt: skip
    model = (
        b""
        if before == "nothing"
        else gzip.decompress(tar_bytes({"xgboost-model": artifacts.model_bytes(booster, tmp_path)}))
    )
    bomb = artifacts.gzip_bomb(630_000_000, before=model)
    assert len(bomb) < 700_000  # the was 611 KB, refused at 538 MB unpacked (551 MB peak)
    message = f"model.tar.gz unpacks to more than {tarball.MAX_UNPACKED_BYTES} bytes"
    assert refused_peak(bomb, message) < PEAK_BOUND


def test_a_member_over_the_size_bound_is_refused_before_it_is_read(monkeypatch) -> None:
    monkeypatch.setattr(tarball, "MAX_MEMBER_BYTES", 4096)
    with pytest.raises(ModelFormatError, match="member 'xgboost-model' declares 8193 bytes, more than the 4096"):
        artifact.model_document(tar_bytes({"xgboost-model": b"{" + bytes(8192)}))


def test_the_member_bound_counts_every_member_up_to_the_model(booster, tmp_path: Path) -> None:
    model = {"xgboost-model": artifacts.model_bytes(booster, tmp_path)}
    notes = {f"notes-{number}.txt": b"" for number in range(tarball.MAX_MEMBERS)}
    with pytest.raises(ModelFormatError, match=f"has more than {tarball.MAX_MEMBERS} members"):
        artifact.model_document(tar_bytes({**notes, **model}))
    notes.popitem()  # the model is then the last member the bound allows
    assert "learner" in artifact.model_document(tar_bytes({**notes, **model}))


def test_a_link_named_like_the_model_is_not_followed(tmp_path: Path) -> None:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
            link = tarfile.TarInfo("xgboost-model")
            link.type, link.linkname = kind, "/etc/passwd"
            tar.addfile(link)
    with pytest.raises(ModelFormatError, match="no regular file named 'xgboost-model'"):
        artifact.model_document(buffer.getvalue())
