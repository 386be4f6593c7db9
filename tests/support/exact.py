"""Equality bit for bit, the way every comparison with xgboost's predictions is made."""

from __future__ import annotations

import numpy as np


def assert_same_bits(ours: np.ndarray, theirs: np.ndarray) -> None:
    """Every value the same float32, bit for bit (``theirs`` reshaped to ``ours``); the message counts the rows
    that differ."""
    ours, theirs = np.asarray(ours, np.float32), np.asarray(theirs, np.float32).reshape(np.shape(ours))
    differ = (ours.view(np.uint32) != theirs.view(np.uint32)).reshape(len(ours), -1).any(axis=1)
    assert not differ.any(), f"{int(differ.sum())} of {len(ours)} rows differ, the first at {np.argmax(differ)}"
