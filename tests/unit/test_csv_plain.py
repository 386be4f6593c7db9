"""SageMaker CSV's C-speed reading answers exactly what the value-by-value reading answers, or steps aside."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.errors import InferenceError
from inference.model.columns import Columns
from inference.protocols.formats.text_csv import plain_matrix, read_cells, read_coded
from tests.support.datasets import FRAUD, HOUSING
from tests.support.models import synthetic_rows

HOUSING_COLUMNS, FRAUD_COLUMNS = Columns(HOUSING), Columns(FRAUD)
CELL = st.text("0123456789.,eE+-\n\r", max_size=12) | st.sampled_from(["", "1e400", "-0", "1.", ".5", "+.5e-3"])


def outcome(read: object, text: str, columns: Columns) -> object:
    try:
        return read(text, columns)  # type: ignore[operator]
    except InferenceError as error:
        return (type(error), error.to_body())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(CELL, min_size=1, max_size=10), min_size=1, max_size=4), st.sampled_from(["\n", "\r\n"]))
def test_any_text_of_numbers_and_commas_reads_the_same_either_way(lines: list[list[str]], end: str) -> None:
    text = end.join(",".join(cells) for cells in lines)
    for columns in (HOUSING_COLUMNS, FRAUD_COLUMNS):
        fast, slow = plain_matrix(text, columns), outcome(read_cells, text, columns)
        if fast is not None:
            assert isinstance(slow, np.ndarray) and fast.dtype == slow.dtype
            assert fast.tobytes() == slow.tobytes()  # bit for bit, -0.0 included
        assert str(outcome(read_coded, text, columns)) == str(slow)


def test_plain_rows_take_the_fast_way_and_equal_the_slow_one() -> None:
    rows = synthetic_rows(500)
    text = "\n".join(",".join(repr(float(v)) for v in row) for row in rows.tolist()) + "\n"
    fast = plain_matrix(text, HOUSING_COLUMNS)
    assert fast is not None
    np.testing.assert_array_equal(fast, read_cells(text, HOUSING_COLUMNS))
    np.testing.assert_array_equal(fast, rows)


@pytest.mark.parametrize("text", ["1,2\r3,4,5,6,7,8,9", "1,2,3,4,5,6,7,8\n\n1,2,3,4,5,6,7,8", "nan,1,2,3,4,5,6,7",
                                  " 1,2,3,4,5,6,7,8", "1_0,2,3,4,5,6,7,8", "1,2,3,4,5,6,7,8\r"])  # fmt: skip
def test_anything_unusual_is_left_to_the_slow_way(text: str) -> None:
    assert plain_matrix(text, HOUSING_COLUMNS) is None


@pytest.mark.parametrize("values", [[0.1, -0.0, 1e16, 1e-7, 3.4028234663852886e38, 2.0], [0.5]])
def test_a_float_a_row_is_written_as_csv_writer_writes_it(values: list[float]) -> None:
    import csv
    import io

    from inference.protocols.formats.text_csv import write

    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows([value] for value in values)
    assert write([{"score": value} for value in values], None) == stream.getvalue().encode()
