"""The UBJSON decoder reads what xgboost writes and refuses malformed input with a clear error."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from inference.errors import ModelFormatError
from inference.model import ubjson


def test_decodes_xgboost_model_like_its_json_twin(booster, tmp_path) -> None:
    booster.save_model(str(tmp_path / "m.ubj"))
    booster.save_model(str(tmp_path / "m.json"))
    decoded = ubjson.loads((tmp_path / "m.ubj").read_bytes())
    expected = json.loads((tmp_path / "m.json").read_text())
    assert decoded["learner"]["learner_model_param"] == expected["learner"]["learner_model_param"]
    tree, twin = (
        decoded["learner"]["gradient_booster"]["model"]["trees"][3],
        expected["learner"]["gradient_booster"]["model"]["trees"][3],
    )
    assert isinstance(tree["split_conditions"], np.ndarray)
    np.testing.assert_array_equal(tree["left_children"], twin["left_children"])
    np.testing.assert_allclose(tree["split_conditions"], twin["split_conditions"], rtol=1e-7)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{i\x01aSi\x02hi}", {"a": "hi"}),
        (b"[$d#i\x02" + struct.pack(">ff", 1.5, -2.0) + b"", [1.5, -2.0]),
        (b"[TFZi\x05U\xffI\x01\x00]", [True, False, None, 5, 255, 256]),
        (b"{#i\x01i\x01kL" + struct.pack(">q", 2**40) + b"", {"k": 2**40}),
        (b"NN[$S#i\x01i\x01x]"[:-1], ["x"]),
    ],
)
def test_decodes_standard_markers(data: bytes, expected: object) -> None:
    value = ubjson.loads(data)
    assert (value.tolist() if isinstance(value, np.ndarray) else value) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[$d#i\x04" + b"\x00" * 8, "needs 16 more bytes"),
        (b"{i\x05ab", "exceeds the remaining input"),
        (b"[" * 100, "nesting deeper than 64"),
        (b"{i\x01ai\x01i\x01ai\x02}", "duplicate key 'a'"),
        (b"Q", "unknown marker"),
        (b"{}x", "unexpected bytes after the document"),
        (b"Si\x02\xff\xfe", "not UTF-8"),
        (b"[$d]", "typed container without a count"),
        (b"[i\x01", "needs 1 more bytes"),
    ],
)
def test_refuses_malformed_input(data: bytes, message: str) -> None:
    with pytest.raises(ModelFormatError, match=message):
        ubjson.loads(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # a marker per number, as XGBoost writes tree_info and iteration_indptr: decoded run by run
        (
            b"[#i\x07i\x01i\x7fI\x01\x00U\xffl\x00\x01\x00\x00L" + struct.pack(">q", -5) + b"i\xfe",
            [1, 127, 256, 255, 65536, -5, -2],
        ),
        (b"[i\x01i\x02I\x00\x03]", [1, 2, 3]),
        (b"[#i\x03i\x01Si\x01xi\x02", [1, "x", 2]),  # a run stops at anything else; the rest decodes as before
        (b"[#i\x02i\x01i\x02i\x03]", None),  # a run stops at the count: the bytes after it are not the array's
        (b"[#i\x02i\x01Ni\x02", [1, 2]),
    ],
)
def test_untyped_integer_arrays_decode_number_by_number(data: bytes, expected: object) -> None:
    if expected is None:
        with pytest.raises(ModelFormatError, match="unexpected bytes after the document"):
            ubjson.loads(data)
    else:
        assert ubjson.loads(data) == expected
        assert all(type(item) is int for item in ubjson.loads(data) if not isinstance(item, str))


def test_a_truncated_integer_in_a_run_is_refused() -> None:
    with pytest.raises(ModelFormatError, match=r"at byte 9: needs 2 more bytes, 1 remain"):
        ubjson.loads(b"[#i\x03i\x01i\x02I\x00")


def test_a_document_inside_a_buffer_is_read_in_place_and_its_errors_count_from_its_start() -> None:
    assert ubjson.loads(b"garbage{i\x01ai\x05}more", start=7, end=14) == {"a": 5}
    with pytest.raises(ModelFormatError, match=r"^corrupt UBJSON model at byte 6: needs 1 more bytes, 0 remain"):
        ubjson.loads(b"garbage{i\x01ai\x05}more", start=7, end=13)
