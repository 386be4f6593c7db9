"""One request row takes Python-float paths (decoding, checking, scaling and rounding): each answers, bit for bit,
what the array paths answer for the same row in a batch, and refuses what the general path refuses, alike."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from inference.errors import InferenceError
from inference.model.columns import Columns
from inference.protocols.api import answers, requests
from tests.support.datasets import FRAUD, HOUSING
from tests.support.decoding import NUMBER_LITERALS, general, outcome, row_text, served

COLUMNS = Columns(HOUSING)


@settings(max_examples=400, deadline=None)
@given(st.lists(NUMBER_LITERALS, min_size=8, max_size=8), st.booleans())
def test_one_row_decodes_and_refuses_as_the_general_path(literals: list[str], named: bool) -> None:
    text = '{"instances": [' + row_text(HOUSING.names, literals, named=named) + "]}"
    assert outcome(served, text, COLUMNS) == outcome(general, text, COLUMNS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=-150, max_value=1e6) | st.integers(0, 2**60), min_size=8, max_size=8))
def test_one_row_is_the_first_row_of_a_batch_of_two(values: list[float]) -> None:
    one = json.dumps({"instances": [values]})
    two = json.dumps({"instances": [values, values]})
    try:
        batch = requests.read_body(two, None, COLUMNS)
    except InferenceError as error:
        with pytest.raises(InferenceError) as caught:
            requests.read_body(one, None, COLUMNS)
        assert (caught.value.code, caught.value.field, caught.value.to_body()) == (
            error.code, error.field, error.to_body())  # fmt: skip
        return
    assert requests.read_body(one, None, COLUMNS).tobytes() == batch[:1].tobytes()


def regression(scale: float, decimals: int | None) -> Any:
    return dataclasses.replace(HOUSING, target=dataclasses.replace(HOUSING.target, scale=scale, decimals=decimals))


TIES = [0.125, 2.5, -0.5, -0.4, 0.005, 1.005, 2.675, -2.675, 0.0, -0.0, 5e-324, 1e300, -1e300, 4503599627370497.0]


@settings(max_examples=1000, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(TIES),
       st.sampled_from([1e5, 1.0, 1e-3, 3, 7e300]), st.sampled_from([None, 0, 1, 2, 3, 6, 22, 23, -1, -3]))  # fmt: skip
@example(1.005, 1.0, 2)
@example(-0.004, 1.0, 2)
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_one_regression_value_is_scaled_and_rounded_as_numpy_does(value: float, scale: float, decimals: Any) -> None:
    schema = regression(scale, decimals)
    one = answers.answer(schema, "reg:squarederror", np.array([value]), "v")
    two = answers.answer(schema, "reg:squarederror", np.array([value, value]), "v")
    assert repr(one["predictions"]) == repr(two["predictions"][:1])  # repr: -0.0 and nan compare as themselves


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0, max_value=1))
def test_one_probability_is_the_first_of_a_batch_of_two(probability: float) -> None:
    one = answers.answer(FRAUD, "binary:logistic", np.array([probability]), "v")
    two = answers.answer(FRAUD, "binary:logistic", np.array([probability, probability]), "v")
    assert json.dumps(one["predictions"]) == json.dumps(two["predictions"][:1])
