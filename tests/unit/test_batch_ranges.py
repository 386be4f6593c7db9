"""Byte ranges at line boundaries: every line in exactly one range, in order, whatever the sizes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.batch import ranges
from inference.batch.ranges import ByteRange, header, plan
from inference.errors import InvalidInput


def reader(data: bytes) -> ranges.Read:
    return lambda offset, size: data[offset : offset + size]


def pieces(data: bytes, planned: list[ByteRange]) -> list[bytes]:
    return [data[start:end] for start, end in planned]


def check(data: bytes, planned: list[ByteRange], first: int = 0) -> None:
    assert b"".join(pieces(data, planned)) == data[first:]  # every byte once, in order
    for start, _ in planned[1:]:
        assert data[start - 1 : start] == b"\n"  # each range starts a line


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40).filter(lambda b: b"\n" not in b), max_size=30), st.booleans(),
       st.integers(1, 50), st.sampled_from([b"\n", b"\r\n"]))  # fmt: skip
def test_ranges_cover_every_line_once_at_line_boundaries(lines: list[bytes], final: bool, size: int,
                                                         end: bytes) -> None:  # fmt: skip
    data = end.join(lines) + (end if final else b"")
    check(data, plan(len(data), size, reader(data)))


def test_crlf_empty_lines_and_no_final_newline() -> None:
    data = b"1,2\r\n\r\n\r\n3,4\r\n5,6"
    planned = plan(len(data), 3, reader(data))
    assert pieces(data, planned) == [b"1,2\r\n", b"\r\n", b"\r\n", b"3,4\r\n", b"5,6"]


def test_ranges_smaller_than_a_line_never_split_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranges, "WINDOW", 8)  # a line longer than the window: its inner boundaries are dropped
    data = b"short\n" + b"x" * 100 + b"\nshort\n"
    planned = plan(len(data), 4, reader(data))
    check(data, planned)
    assert b"x" * 100 + b"\n" in pieces(data, planned)


def test_a_header_is_kept_out_of_every_range() -> None:
    data = b"\xef\xbb\xbfid,a,b\r\n1,2,3\n4,5,6\n"
    text, first = header(reader(data), len(data))
    assert (text, data[first : first + 5]) == ("id,a,b", b"1,2,3")
    check(data, plan(len(data), 2, reader(data), first=first), first)
    assert plan(first, 2, reader(data), first=first) == []  # a header alone: nothing to score


@pytest.mark.parametrize(("data", "message"), [(b"x" * 50, "longer than 10 bytes"), (b"\xff\xfe\n1\n", "not UTF-8"),
                                               (b"  \n1,2\n", "header line is empty")])  # fmt: skip
def test_a_bad_header_is_refused_by_name(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as raised:
        header(reader(data), len(data), limit=10)
    assert raised.value.field == "header"


def test_a_huge_object_gets_at_most_max_ranges() -> None:
    size = ranges.MAX_RANGES * 3 * 1000
    planned = plan(size, 1000, lambda offset, count: b"\n")
    assert len(planned) <= ranges.MAX_RANGES and planned[-1].end == size
