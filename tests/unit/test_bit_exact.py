"""Bit for bit xgboost's predictions, for every objective served: 1,000,000 generated rows each.

Rows are drawn wide (a third of each feature's values far outside the training range, 5 % missing) so that
every leaf and both default ways are reached. Each objective's model predicts them through the bit-parallel
method (batches), the path method (chunks under ``BIT_ROWS``), the single-row fast path and the compiled form
read back; every float32 must be xgboost's own (``inplace_predict`` on one thread; ``Booster.predict`` on a
DMatrix for DART, which SageMaker's container calls and which rounds DART's tree weights differently).
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import xgboost as xgb

from inference.model import compiled
from inference.model.artifact import model_document
from inference.trees import objectives
from inference.trees.ensemble import compile_forest
from inference.trees.float32 import expf, logf
from inference.trees.forest import BIT_ROWS, Forest
from inference.trees.leaf_sums import add_leaves, groups_of
from tests.support.exact import assert_same_bits
from tests.support.models import save_like_sagemaker

ROWS = 1_000_000
FEATURES = 6


def generated_rows(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = (rng.normal(size=(count, FEATURES)) * rng.choice([1.0, 1.0, 30.0], size=(count, 1))).astype(np.float32)
    rows[rng.random(rows.shape) < 0.05] = np.nan
    return rows


def labels_for(objective: str, rows: np.ndarray) -> np.ndarray:
    signal = np.nan_to_num(rows[:, 0]) + 0.5 * np.nan_to_num(rows[:, 1]) ** 2 - np.nan_to_num(rows[:, 2])
    if objective.startswith("binary:"):
        return (signal > 0.5).astype(np.float32)
    if objective.startswith("multi:"):
        return np.digitize(signal, [-1.0, 1.0]).astype(np.float32)
    if objective == "reg:logistic":
        return 1.0 / (1.0 + np.exp(-np.clip(signal, -30.0, 30.0)))
    if objective in ("count:poisson", "reg:gamma", "reg:tweedie", "reg:squaredlogerror"):
        return np.round(np.exp(np.clip(signal, -3.0, 3.0)), 1) + (0.1 if objective == "reg:gamma" else 0.0)
    return signal


def trained(objective: str, **params: object) -> xgb.Booster:
    rows = generated_rows(4000, seed=1)
    settings = {"objective": objective, "max_depth": 4, "eta": 0.3, "nthread": 1, "seed": 3, **params}
    if objective.startswith("multi:"):
        settings["num_class"] = 3
    return xgb.train(settings, xgb.DMatrix(rows, label=labels_for(objective, rows)), num_boost_round=12)


def forest_of(booster: xgb.Booster, tmp_path) -> Forest:  # type: ignore[no-untyped-def]
    return compile_forest(model_document(save_like_sagemaker(booster, tmp_path, None).read_bytes()))


@pytest.fixture(scope="module")
def million() -> np.ndarray:
    return generated_rows(ROWS, seed=2)


@pytest.mark.parametrize("objective", objectives.SUPPORTED_OBJECTIVES)
def test_a_million_rows_are_xgboosts_bit_for_bit(objective: str, million: np.ndarray, tmp_path) -> None:  # type: ignore[no-untyped-def]
    booster = trained(objective)
    forest = forest_of(booster, tmp_path)
    assert_same_bits(forest.predict(million), booster.inplace_predict(million))
    some = million[:100_000]
    assert_same_bits(forest.predict_margin(some), booster.inplace_predict(some, predict_type="margin"))
    few = million[:3000]
    expected = booster.inplace_predict(few)
    by_path = np.concatenate([forest.predict(few[start : start + BIT_ROWS - 1]) for start in range(0, 3000, 31)])
    assert_same_bits(by_path, expected)
    assert_same_bits(np.concatenate([forest.predict(row[None, :]) for row in few[:500]]), expected[:500])
    read_back = compiled.from_bytes(compiled.to_bytes(forest, b"source")).forest
    assert_same_bits(read_back.predict(few), expected)


@pytest.mark.parametrize("objective", ["reg:squarederror", "binary:logistic", "multi:softprob", "count:poisson"])
def test_dart_is_booster_predicts_bit_for_bit(objective: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    booster = trained(objective, booster="dart", rate_drop=0.3, skip_drop=0.0)
    rows = generated_rows(100_000, seed=4)
    assert_same_bits(forest_of(booster, tmp_path).predict(rows), booster.predict(xgb.DMatrix(rows)))


def test_groups_that_are_not_interleaved_add_up_in_tree_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """num_parallel_tree = 2: each round holds two trees per class, so tree_info is 0, 0, 1, 1, 2, 2, ..."""
    booster = trained("multi:softprob", num_parallel_tree=2, subsample=0.7)
    forest = forest_of(booster, tmp_path)
    assert not forest.index.groups.interleaved
    rows = generated_rows(100_000, seed=5)
    assert_same_bits(forest.predict(rows), booster.inplace_predict(rows))
    singles = np.concatenate([forest.predict(row[None, :]) for row in rows[:300]])
    assert_same_bits(singles, booster.inplace_predict(rows[:300]))


@pytest.mark.parametrize("count", [1, 2, 3, 64])
def test_leaves_are_added_one_after_the_other_in_float32(count: int) -> None:
    """Values whose sum depends on the order: a large base margin, then leaves that each round away. Adding in
    pairs, or in float64, gives another float; only first-to-last float32 additions give the expected one."""
    trees = 301
    leaf_value = np.full(trees, 0.75, dtype=np.float32)
    leaf_value[::2] = 1e8
    leaf_value[1::2] = -1e8
    place = np.broadcast_to(np.arange(trees)[:, None], (trees, count))
    base = np.array([16_777_216.0], dtype=np.float32)  # 2**24: adding 0.75 rounds
    expected = base[0]
    for value in leaf_value:
        expected = np.float32(expected + value)
    margins = add_leaves(leaf_value, base, groups_of(np.zeros(trees, dtype=np.intp), 1), place)
    assert margins.shape == (count, 1) and (margins == expected).all(), (margins[:, 0], expected)


def test_expf_and_logf_are_the_c_librarys() -> None:
    """Against the C library called value by value, on values that include near-ties and both ends of the range."""
    import ctypes

    library = ctypes.CDLL("libm.so.6")
    c_expf, c_logf = library.expf, library.logf
    for function in (c_expf, c_logf):
        function.restype, function.argtypes = ctypes.c_float, [ctypes.c_float]
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.uniform(-104, 89, 60_000), rng.normal(0, 3, 60_000)]).astype(np.float32)
    assert_same_bits(expf(values), np.array([c_expf(v) for v in values.tolist()], dtype=np.float32))
    positive = np.abs(values) + np.float32(1e-30)
    assert_same_bits(logf(positive), np.array([c_logf(v) for v in positive.tolist()], dtype=np.float32))


@pytest.mark.parametrize("objective", ["binary:logistic", "count:poisson", "reg:squarederror"])
def test_an_archive_of_an_earlier_release_starts_from_the_same_margin(objective: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Earlier releases stored the base margin as float64 ``log(p / (1 - p))``, ``log(p)`` or p: read today, such
    an archive starts from xgboost's float32 margin all the same."""
    booster = trained(objective)
    forest = forest_of(booster, tmp_path)
    base_score = json.loads(booster.save_config())["learner"]["learner_model_param"]["base_score"]
    score = np.float64(np.float32(float(base_score.strip("[]"))))
    link = objectives.objective_of(objective).link
    earlier = np.log(score / (1 - score)) if link == "logistic" else np.log(score) if link == "log" else score
    with np.load(io.BytesIO(compiled.to_bytes(forest, b"source"))) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["base_margin"] = np.array([earlier])
    arrays["checksum"] = np.frombuffer(compiled.checksum(arrays).encode(), np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    read = compiled.from_bytes(buffer.getvalue()).forest
    assert_same_bits(read.base_margin, forest.base_margin)
    rows = generated_rows(10_000, seed=6)
    assert_same_bits(read.predict(rows), booster.inplace_predict(rows))
