"""Fuzz model loading: a Predictor given a mutated tarball, UBJSON or JSON model never raises.

It loads (a mutation that kept the model valid) or is not ready with a load error that names the problem;
an exception escaping the load would crash the server or the Lambda at start-up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inference import Predictor
from tests.fuzz import profiles
from tests.fuzz.strategies import ODD_VALUES
from tests.reliability.artifacts import model_bytes


class Originals(dict[str, bytes]):
    """The fixture model as a tarball, bare UBJSON and JSON (a short repr keeps Hypothesis' reports readable)."""

    def __repr__(self) -> str:
        return "<fixture model: tarball, ubjson, json>"


@pytest.fixture(scope="module")
def originals(booster, model_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Originals:
    directory = tmp_path_factory.mktemp("originals")
    booster.save_model(str(directory / "model.json"))
    return Originals(tarball=model_tarball.read_bytes(), ubjson=model_bytes(booster, directory),
                     json=(directory / "model.json").read_bytes())  # fmt: skip


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mutated")


def loads_or_refuses(data: bytes, directory: Path) -> None:
    (directory / "model").write_bytes(data)
    predictor = Predictor(str(directory / "model"), retry_seconds=3600)
    assert predictor.ready or predictor.load_error, "a refused model must say why"
    if not predictor.ready:
        assert predictor.health()[0] == 503


MUTATIONS = st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "delete"]), st.floats(0, 1),
                               st.binary(min_size=1, max_size=8)), min_size=1, max_size=4)  # fmt: skip


def mutate(data: bytes, mutations: list[tuple[str, float, bytes]]) -> bytes:
    for kind, where, blob in mutations:
        at = int(where * (len(data) - 1)) if data else 0
        if kind == "flip":
            data = (
                data[:at]
                + bytes(b ^ x for b, x in zip(data[at : at + len(blob)], blob, strict=False))
                + data[at + len(blob) :]
            )
        elif kind == "cut":
            data = data[:at]
        elif kind == "insert":
            data = data[:at] + blob + data[at:]
        else:
            data = data[:at] + data[at + len(blob) :]
    return data


@profiles.secondary()
@given(which=st.sampled_from(["tarball", "ubjson", "json"]), mutations=MUTATIONS)
def test_mutated_artifacts_load_or_are_refused(originals: dict[str, bytes], scratch: Path, which: str,
                                               mutations: Any) -> None:  # fmt: skip
    loads_or_refuses(mutate(originals[which], mutations), scratch)


def replace_somewhere(document: Any, path: list[int], value: Any) -> Any:
    """Replace the node chosen by ``path`` (child indices, taken modulo the children count) with ``value``."""
    if not path or not isinstance(document, (dict, list)) or not document:
        return value
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = keys[path[0] % len(keys)]
    document[key] = replace_somewhere(document[key], path[1:], value)
    return document


@profiles.secondary()
@given(path=st.lists(st.integers(0, 50), max_size=8), value=ODD_VALUES | st.just([]) | st.just({}))
def test_model_documents_with_odd_fields_load_or_are_refused(originals: dict[str, bytes], scratch: Path,
                                                             path: list[int], value: Any) -> None:  # fmt: skip
    document = replace_somewhere(json.loads(originals["json"]), path, value)
    loads_or_refuses(json.dumps(document, allow_nan=True).encode(), scratch)
