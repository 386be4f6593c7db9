"""Broken, unsafe and hostile model artifacts, built byte by byte for the fault tests."""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
import warnings
from pathlib import Path

import numpy as np

from tests.support.models import tar_bytes

# xgboost < 2.1's binary format opens with LearnerModelParamLegacy (136 bytes): base_score (float32),
# num_feature, num_class, contain_extra_attrs, contain_eval_metrics, major_version, minor_version, num_target,
# boost_from_average, 25 reserved int32s; then the objective and booster names as (uint64 length, bytes).
_LEARNER_PARAM = struct.pack("<fIiiiIIIi25i", 0.5, 8, 0, 0, 0, 1, 7, 1, 1, *([0] * 25))


def legacy_binary(with_magic: bool) -> bytes:
    """What SageMaker's XGBoost 1.x containers saved as ``xgboost-model`` (optionally with the 'binf' magic)."""
    names = b"".join(struct.pack("<Q", len(name)) + name for name in (b"reg:squarederror", b"gbtree"))
    return (b"binf" if with_magic else b"") + _LEARNER_PARAM + names + bytes(160)


def model_bytes(booster, directory: Path) -> bytes:  # type: ignore[no-untyped-def]
    path = directory / "xgboost-model"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        booster.save_model(str(path))
    return path.read_bytes()


def five_feature_model(directory: Path) -> bytes:
    import xgboost as xgb

    rows = np.random.default_rng(0).random((200, 5))
    booster = xgb.train({"nthread": 1, "max_depth": 2}, xgb.DMatrix(rows, label=rows[:, 0]), 3)
    return tar_bytes({"xgboost-model": model_bytes(booster, directory)})


def corrupted(tarball: bytes) -> bytes:
    """Same length, a run of bytes in the middle of the deflate stream inverted: the gzip CRC cannot match."""
    middle = len(tarball) // 2
    return tarball[:middle] + bytes(b ^ 0xFF for b in tarball[middle : middle + 64]) + tarball[middle + 64 :]


def wrong_checksum(tarball: bytes) -> bytes:
    """Intact deflate data under a gzip trailer whose CRC32 does not match: a corrupted download or copy."""
    crc = struct.unpack("<I", tarball[-8:-4])[0] ^ 1
    return tarball[:-8] + struct.pack("<I", crc) + tarball[-4:]


def pickled_model() -> bytes:
    return pickle.dumps({"booster": "what joblib.dump(model) would write"}, protocol=4)


def huge_member_header(claimed_size: int) -> bytes:
    """A gzip tarball whose ``xgboost-model`` header claims ``claimed_size`` bytes but carries almost none."""
    info = tarfile.TarInfo("xgboost-model")
    info.size = claimed_size
    header = info.tobuf(format=tarfile.GNU_FORMAT)
    return gzip.compress(header + b"{" * 512 + bytes(1024))


def traversal_tarball(model: bytes) -> bytes:
    """The model only under names that would land outside an extraction directory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in ("../xgboost-model", "/tmp/xgboost-model", "a/../../xgboost-model"):
            info = tarfile.TarInfo(name)
            info.size = len(model)
            tar.addfile(info, io.BytesIO(model))
    return buffer.getvalue()


def sparse_tarball(claimed: int) -> bytes:
    """A tar.gz of ~200 bytes whose ``xgboost-model`` is a GNU sparse file of ``claimed`` bytes: one byte of
    data at the end and holes before it, which ``tarfile`` fills with zeros in memory when it is read."""
    info = tarfile.TarInfo("xgboost-model")
    info.type, info.size = tarfile.GNUTYPE_SPARSE, 1  # one stored byte
    header = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    gnu = tarfile.GNU_FORMAT
    header[386:410] = tarfile.itn(claimed - 1, 12, gnu) + tarfile.itn(1, 12, gnu)  # sparse map: (offset, bytes)
    header[482:495] = b"\x00" + tarfile.itn(claimed, 12, gnu)  # no extended map; the real size
    header[148:155] = b"%06o\x00" % tarfile.calc_chksums(bytes(header))[0]
    return gzip.compress(bytes(header) + b"{" + bytes(511) + bytes(1024), mtime=0)


def many_members(count: int) -> bytes:
    """A tar.gz of ``count`` empty members: gzip members of 2048 headers each, so a million cost about 2 MB
    (and no time to build); it unpacks to ``count`` x 512 bytes."""
    header = tarfile.TarInfo("empty").tobuf(format=tarfile.GNU_FORMAT)
    full, rest = divmod(count, 2048)
    return gzip.compress(header * 2048, mtime=0) * full + gzip.compress(header * rest + bytes(1024), mtime=0)


def gzip_bomb(zeros: int, before: bytes = b"") -> bytes:
    """``before`` (a tarball, or nothing) followed by ``zeros`` zero bytes, as gzip members of 16 MiB of zeros
    each (a gzip file may hold several, one after another): about 1/1000 of ``zeros``, built in milliseconds."""
    block = 16 << 20
    full, rest = divmod(zeros, block)
    head = gzip.compress(before, mtime=0) if before else b""
    return head + gzip.compress(bytes(block), 9, mtime=0) * full + gzip.compress(bytes(rest), 9, mtime=0)
