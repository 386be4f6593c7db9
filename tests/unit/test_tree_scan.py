"""The vectorized tree scanner and the direct perfect-tree layout give exactly what the general decoder and
``compile_model`` give, on every model shape; anything malformed is refused with the general decoder's message."""

from __future__ import annotations

import random
import re
import struct
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from inference.errors import ModelFormatError
from inference.model import ubjson
from inference.trees.ensemble import PERFECT_DEPTH, compile_forest, compile_model
from inference.trees.forest import Forest
from inference.trees.scan import TreeColumns
from tests.support.models import synthetic_rows, synthetic_target

SHAPES: dict[str, dict[str, Any]] = {
    "regression": {"max_depth": 4},
    "multiclass": {"objective": "multi:softprob", "num_class": 3, "max_depth": 3},
    "binary": {"objective": "binary:logistic", "max_depth": 5},
    "dart": {"booster": "dart", "rate_drop": 0.4, "skip_drop": 0.0, "max_depth": 4},
    "stumps": {"max_depth": 1, "min_split_loss": 1e12},  # every tree a single leaf: depth 0
    "deep": {"max_depth": PERFECT_DEPTH + 2, "min_child_weight": 0},  # walked, not padded
    "lossguide": {"grow_policy": "lossguide", "max_leaves": 24, "max_depth": 0},  # unbalanced trees
}


def _train(shape: str, rounds: int = 12) -> xgb.Booster:
    rows = synthetic_rows(1500, seed=3)
    target = synthetic_target(rows)
    rows[::7, 1] = np.nan  # default directions both ways
    params = {"nthread": 1, "seed": 0, **SHAPES[shape]}
    if params.get("objective") == "multi:softprob":
        target = np.digitize(target, np.quantile(target, [0.3, 0.7]))
    elif params.get("objective") == "binary:logistic":
        target = target > np.median(target)
    return xgb.train(params, xgb.DMatrix(rows, label=target), num_boost_round=rounds)


@pytest.fixture(scope="module", params=list(SHAPES))
def model(request: pytest.FixtureRequest) -> bytes:
    """A model of each shape as XGBoost writes it (UBJSON: what ``model.tar.gz`` holds)."""
    return bytes(_train(request.param).save_raw("ubj"))


def _plain(value: Any) -> Any:
    """A document with every array as (dtype, values) and the trees as a list, to compare exactly."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, TreeColumns)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.dtype.str, value.tobytes()
    return value


def _trees(document: dict[str, Any]) -> Any:
    booster = document["learner"]["gradient_booster"]
    return (booster["gbtree"] if booster["name"] == "dart" else booster)["model"]["trees"]


FOREST_FIELDS = [
    *("cut_feature", "cut_threshold", "cut_default_right", "node_cut", "leaf_value", "node_left", "tree_group"),
    *("base_margin", "objective", "num_features", "num_groups", "depth", "num_trees"),
]


def _assert_same_forest(a: Forest, b: Forest) -> None:
    for name in FOREST_FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            assert (x.dtype, x.shape, x.tobytes()) == (y.dtype, y.shape, y.tobytes()), name
        else:
            assert x == y, name


def test_columns_decode_every_tree_as_the_general_decoder_does(model: bytes) -> None:
    columns, general = ubjson.loads(model, tree_columns=True), ubjson.loads(model)
    assert isinstance(_trees(columns), TreeColumns)
    assert _plain(columns) == _plain(general)
    assert isinstance(_trees(general), list)


def test_the_direct_layout_is_compile_models_forest_bit_for_bit(model: bytes) -> None:
    forest = compile_forest(ubjson.loads(model, tree_columns=True))
    _assert_same_forest(forest, compile_model(ubjson.loads(model)).forest)
    _assert_same_forest(compile_model(ubjson.loads(model, tree_columns=True)).forest, forest)


def test_tree_columns_behave_as_a_list_of_trees(model: bytes) -> None:
    trees, general = _trees(ubjson.loads(model, tree_columns=True)), _trees(ubjson.loads(model))
    assert len(trees) == len(general)
    assert _plain(trees[-1]) == _plain(general[-1]) and _plain(trees[1:3]) == _plain(general[1:3])
    with pytest.raises(IndexError):
        trees[len(general)]
    trees[0]["left_children"][:] = 7  # each tree is a fresh copy: the columns do not change
    assert _plain(trees[0]) == _plain(general[0])
    sizes = [len(tree["left_children"]) for tree in general]
    assert trees.counts("left_children").tolist() == sizes
    np.testing.assert_array_equal(trees.column("split_indices"), np.concatenate([t["split_indices"] for t in general]))
    with pytest.raises(KeyError):
        trees.column("no such key")
    with pytest.raises(TypeError, match="id is not an array"):
        trees.column("id")


def _outcome(decode: Any) -> Any:
    try:
        return _plain(decode())
    except ModelFormatError as error:
        return f"refused: {error}"


@pytest.mark.parametrize("shape", ["regression", "multiclass"])
def test_damaged_trees_are_refused_or_decoded_as_the_general_decoder_does(shape: str) -> None:
    """Flip, cut, insert and delete bytes inside the trees: the columns decode what the decoder decodes, and
    refuse with its message what it refuses (the scanner declines, never raises)."""
    model = bytes(_train(shape, rounds=4).save_raw("ubj"))
    start, stop = model.index(b"trees["), model.index(b"learner_model_param")  # the trees, and the booster's name
    generator = random.Random(11)
    refused = 0
    for _ in range(300):
        at = generator.randrange(start, stop)
        kind = generator.choice(["flip", "cut", "insert", "delete"])
        damaged = {"flip": model[:at] + bytes([model[at] ^ (1 << generator.randrange(8))]) + model[at + 1 :],
                   "cut": model[:at], "insert": model[:at] + bytes([generator.randrange(256)]) + model[at:],
                   "delete": model[:at] + model[at + 1 :]}[kind]  # fmt: skip
        general = _outcome(lambda data=damaged: ubjson.loads(data))
        assert _outcome(lambda data=damaged: ubjson.loads(data, tree_columns=True)) == general, (kind, at)
        refused += isinstance(general, str)
        if not isinstance(general, str):
            compiled = _outcome(lambda data=damaged: _plain_forest(compile_model(ubjson.loads(data)).forest))
            direct = _outcome(lambda data=damaged: _plain_forest(compile_forest(ubjson.loads(data, tree_columns=True))))
            assert direct == compiled, (kind, at)
    assert refused > 50  # the damage is real: many of these are refused


def _plain_forest(forest: Forest) -> Any:
    return {name: _plain(getattr(forest, name)) for name in ("cut_feature", "cut_threshold", "node_cut", "leaf_value")}


def _tree_starts(model: bytes) -> list[int]:
    return [match.start() for match in re.finditer(re.escape(b"{L" + struct.pack(">q", 12) + b"base_weights"), model)]


def _short_length(model: bytes, at: int) -> bytes:
    """The first ``num_nodes`` string after ``at`` with its length as an int8 rather than an int64."""
    key = model.index(b"num_nodesSL", at) + len(b"num_nodesS")
    return model[:key] + b"i" + bytes([struct.unpack(">q", model[key + 1 : key + 9])[0]]) + model[key + 9 :]


@pytest.mark.parametrize(
    "change",
    [
        lambda m, at: m[:at] + b"N" + m[at:],  # a no-op marker before a tree
        lambda m, at: m[:at] + m[at:].replace(b"#L" + struct.pack(">q", 0), b"#i\x00", 1),  # a count as int8
        _short_length,
    ],
    ids=["no-op marker", "count as int8", "length as int8"],
)
def test_valid_trees_in_another_layout_are_decoded_one_by_one(model: bytes, change: Any) -> None:
    """What XGBoost does not write but UBJSON allows: the scanner declines, the decoder decodes it."""
    changed = change(model, _tree_starts(model)[len(_tree_starts(model)) // 2])
    general = ubjson.loads(changed)
    decoded = ubjson.loads(changed, tree_columns=True)
    assert _plain(decoded) == _plain(general)
    assert isinstance(_trees(decoded), list)


def test_a_count_past_the_end_is_refused_with_the_decoders_message(model: bytes) -> None:
    at = _tree_starts(model)[-1] + len(b"{L" + struct.pack(">q", 12) + b"base_weights[$d#L")
    damaged = model[:at] + struct.pack(">q", 2**40) + model[at + 8 :]
    with pytest.raises(ModelFormatError, match=r"^corrupt UBJSON model at byte \d+: length 1099511627776 exceeds"):
        ubjson.loads(damaged, tree_columns=True)


def test_a_tree_too_deep_for_perfect_trees_is_walked_as_compile_model_walks_it() -> None:
    model = bytes(_train("deep").save_raw("ubj"))
    forest = compile_forest(ubjson.loads(model, tree_columns=True))
    assert forest.node_left is not None and forest.depth > PERFECT_DEPTH


@pytest.mark.parametrize("shape", ["regression", "lossguide"])
def test_a_cycle_is_refused_with_compile_models_message(shape: str) -> None:
    document = ubjson.loads(bytes(_train(shape, rounds=3).save_raw("ubj")))
    tree = _trees(document)[1]
    tree["left_children"][tree["left_children"][0]] = 0  # the root's left child points back at it
    with pytest.raises(ModelFormatError, match=r"cycle|does not reach") as direct:
        compile_forest(document)
    with pytest.raises(ModelFormatError) as compiled:
        compile_model(document)
    assert str(direct.value) == str(compiled.value)


@pytest.mark.parametrize("shape", ["regression", "multiclass", "dart"])
def test_explanations_from_columns_are_those_from_the_general_document(shape: str) -> None:
    from inference.explain.shap import TreeExplainer

    model = bytes(_train(shape, rounds=6).save_raw("ubj"))
    general = ubjson.loads(model)
    margin, rows = compile_model(general).base_margin, synthetic_rows(30, seed=5)
    rows[::4, 2] = np.nan
    expected = TreeExplainer.from_document(general, margin).contributions(rows)
    columns = ubjson.loads(model, tree_columns=True)
    np.testing.assert_array_equal(TreeExplainer.from_document(columns, margin).contributions(rows), expected)
