"""A byte stream into lines in bounded memory, however it is cut into blocks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from inference.batch.lines import LongLine, count_lines, lines_of


def flat(batches: list[object]) -> list[object]:
    found: list[object] = []
    for batch in batches:
        found += [batch] if isinstance(batch, LongLine) else batch  # type: ignore[list-item]
    return found


def cut(data: bytes, sizes: list[int]) -> list[bytes]:
    blocks, start = [], 0
    for size in sizes:
        blocks.append(data[start : start + size])
        start += size
    return [*blocks, data[start:]]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=12).filter(lambda b: b"\n" not in b), max_size=20), st.booleans(),
       st.lists(st.integers(0, 30), max_size=10), st.integers(1, 8))  # fmt: skip
def test_lines_are_those_of_split_whatever_the_blocks(lines: list[bytes], final: bool, sizes: list[int],
                                                       limit: int) -> None:  # fmt: skip
    data = b"\n".join(lines) + (b"\n" if final and lines else b"")
    expected = data.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    found = flat(list(lines_of(cut(data, sizes), max_line=limit)))
    assert found == [line if len(line) <= limit else LongLine(len(line)) for line in expected]
    assert count_lines(cut(data, sizes)) == len(expected)


def test_a_long_line_is_skipped_without_being_held() -> None:
    blocks = [b"ok\n" + b"x" * 10, *[b"x" * 10] * 1000, b"x\nafter\n"]
    assert flat(list(lines_of(blocks, max_line=50))) == [b"ok", LongLine(10 * 1001 + 1), b"after"]


def test_crlf_keeps_its_carriage_return_for_the_readers_and_no_final_newline_is_a_line() -> None:
    assert flat(list(lines_of([b"a,b\r\nc,d\r", b"\ne"]))) == [b"a,b\r", b"c,d\r", b"e"]
