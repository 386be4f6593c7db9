"""The float32 functions xgboost's C++ calls, vectorized: the C library's ``expf`` and ``logf``.

xgboost turns margins into predictions with ``expf`` (sigmoid, softmax, the log link) and base scores into
margins with ``logf``. Glibc's ``expf`` is not correctly rounded: its double-precision result, within 0.0017 of
a float32 step of the true value, is rounded to float32, so where the true value lies that close to a halfway
point between two floats the answer may be either. Here the value is computed in float64 and rounded; where
that lands within ``TIE_BAND`` of a halfway point (about 1 value in 125), or outside float32's normal range,
the C library's own function decides, so every value is the one xgboost gets from the same C library.
``logf`` (0.82 float32 steps of error) is the C library's for every value: it is only needed for a model's
base score, once per class at load.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache

import numpy as np

TIE_BAND = 0.496
"""Rounded values further than this many float32 steps from their float64 value are left to the C library."""
_TINY = np.float32(np.finfo(np.float32).tiny)
_UP, _DOWN = np.float32(np.inf), np.float32(-np.inf)


def expf(values: np.ndarray) -> np.ndarray:
    """``expf`` of each float32 value, as float32."""
    narrow = np.asarray(values, dtype=np.float32)
    with np.errstate(over="ignore", under="ignore"):
        return _rounded(np.exp(narrow.astype(np.float64)), narrow, "expf")


def logf(values: np.ndarray) -> np.ndarray:
    """``logf`` of each positive float32 value, as float32 (the C library's, value by value)."""
    narrow = np.asarray(values, dtype=np.float32)
    return _c_function("logf")(narrow.ravel()).reshape(narrow.shape)


def _rounded(wide: np.ndarray, narrow: np.ndarray, name: str) -> np.ndarray:
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        result = np.atleast_1d(wide.astype(np.float32))
        near = result.astype(np.float64)
        step = np.abs(np.nextafter(result, np.where(wide > near, _UP, _DOWN)).astype(np.float64) - near)
        settled = (np.abs(wide - near) < TIE_BAND * step) & (np.abs(result) >= _TINY)
    if not settled.all():
        unsettled = ~settled
        result[unsettled] = _c_function(name)(np.atleast_1d(narrow)[unsettled])
    return result.reshape(np.shape(wide))


@cache
def _c_function(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The C library's ``name`` over an array, value by value (the rare values near a tie); where no C
    library can be loaded, the float64 value rounded to float32."""
    import ctypes  # imported by the first value near a tie, not at start

    try:
        library = ctypes.CDLL("libm.so.6" if sys.platform.startswith("linux") else None)
        function = getattr(library, name)
    except (OSError, AttributeError):
        wide = {"expf": np.exp, "logf": np.log}[name]

        def rounded(values: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                return np.asarray(wide(values.astype(np.float64)).astype(np.float32))

        return rounded
    function.restype, function.argtypes = ctypes.c_float, [ctypes.c_float]
    return lambda values: np.array([function(float(value)) for value in values.tolist()], dtype=np.float32)
