"""Tarball unpacking is bounded and never touches the file system: traversal names, huge or lying members, bombs."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pytest

from inference.errors import ModelFormatError
from inference.model import artifact
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


def test_a_header_claiming_a_huge_member_is_refused_without_reading_or_allocating_it(monkeypatch) -> None:
    """Refused from the header alone: no read past what the tarball holds (counted), no allocation of the size it
    claims (traced), so neither time nor memory grows with the claim."""
    hostile = artifacts.huge_member_header(2**40)
    requested: list[int] = []
    reading = gzip.GzipFile.read

    def counted(self, size=-1):  # type: ignore[no-untyped-def]
        requested.append(size)
        return reading(self, size)

    monkeypatch.setattr(gzip.GzipFile, "read", counted)
    tracemalloc.start()
    with pytest.raises(ModelFormatError, match="truncated or corrupt"):
        artifact.model_document(hostile)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 16 * 1024 * 1024
    assert all(size < 2**40 for size in requested)  # never asked for the claimed size


def test_a_member_over_the_size_bound_is_refused_before_it_is_read(monkeypatch) -> None:
    monkeypatch.setattr(artifact, "MAX_MEMBER_BYTES", 4096)
    with pytest.raises(ModelFormatError, match="xgboost-model is larger than 4096 bytes"):
        artifact.model_document(tar_bytes({"xgboost-model": b"{" + bytes(8192)}))


def test_a_gzip_bomb_is_cut_off_at_the_unpacked_size_bound(monkeypatch) -> None:
    monkeypatch.setattr(artifact, "MAX_UNPACKED_BYTES", 1024 * 1024)
    bomb = gzip.compress(bytes(64 * 1024 * 1024))  # 64 KiB that unpacks to 64 MiB
    assert len(bomb) < 100 * 1024
    tracemalloc.start()
    with pytest.raises(ModelFormatError, match="unpacks to more than 1048576 bytes"):
        artifact.model_document(bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


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
