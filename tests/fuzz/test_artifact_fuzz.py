"""Fuzz model loading per schema: a Predictor given a mutated tarball, UBJSON or JSON model, or a schema.json
with odd fields, never raises.

It loads (a mutation that kept the model and its schema valid and in agreement) or is not ready with a load
error that names the problem; an exception escaping the load would crash the server or the Lambda at start-up.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from inference import Predictor
from tests.fuzz import profiles
from tests.fuzz.contract import assert_prediction_body
from tests.fuzz.schemas import ARTIFACT_SCHEMAS, Fuzzed, fixture_params
from tests.fuzz.strategies import ODD_VALUES, a_valid_row
from tests.support.models import write_schema

SCHEMAS = len(ARTIFACT_SCHEMAS)


class Originals:
    """One schema's fixture model as a tarball, bare UBJSON and JSON, and its schema document."""

    def __init__(self, fuzzed: Fuzzed, tarball: bytes, ubjson: bytes, model_json: bytes) -> None:
        self.fuzzed = fuzzed
        self.models = {"tarball": tarball, "ubjson": ubjson, "json": model_json}
        self.schema = fuzzed.schema.to_document()

    def __repr__(self) -> str:  # a short repr keeps Hypothesis' reports readable
        return f"<{self.fuzzed.name} model: tarball, ubjson, json; schema.json>"


@pytest.fixture(scope="module", **fixture_params(ARTIFACT_SCHEMAS))
def originals(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Originals:
    import xgboost as xgb

    fuzzed: Fuzzed = request.param
    tarball = Path(request.getfixturevalue(fuzzed.model_fixture)).read_bytes()
    with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
        member = tar.extractfile("xgboost-model")
        assert member is not None
        ubjson = member.read()
    directory = tmp_path_factory.mktemp(f"originals-{fuzzed.name}")
    booster = xgb.Booster()
    booster.load_model(bytearray(ubjson))
    booster.save_model(str(directory / "model.json"))
    return Originals(fuzzed, tarball, ubjson, (directory / "model.json").read_bytes())


@pytest.fixture(scope="module")
def scratch(originals: Originals, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the mutated artifacts are written: ``model`` with the schema's ``schema.json`` beside it."""
    directory = tmp_path_factory.mktemp(f"mutated-{originals.fuzzed.name}")
    write_schema(originals.fuzzed.schema, directory)
    return directory


def loads_or_refuses(model: bytes, directory: Path, schema: bytes | None = None) -> None:
    (directory / "model").write_bytes(model)
    schema_file = directory / "fuzzed-schema.json"
    if schema is not None:
        schema_file.write_bytes(schema)
    predictor = Predictor(str(directory / "model"), retry_seconds=3600,
                          schema_uri=str(schema_file) if schema is not None else None)  # fmt: skip
    assert predictor.ready or predictor.load_error, "a refused model must say why"
    if predictor.ready:
        event("loaded")
        assert predictor.health()[0] == 200
        schema = predictor.bundle.schema  # a model that loads answers a valid row, and its example, in the contract
        rows = [a_valid_row(schema), *([schema.example_values()] if schema.example else [])]
        assert_prediction_body(schema, predictor.predict_payload({"instances": rows}), rows=len(rows))
    else:
        event("refused")
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


@profiles.secondary(SCHEMAS)
@given(which=st.sampled_from(["tarball", "ubjson", "json"]), mutations=MUTATIONS)
def test_mutated_artifacts_load_or_are_refused(originals: Originals, scratch: Path, which: str,
                                               mutations: Any) -> None:  # fmt: skip
    loads_or_refuses(mutate(originals.models[which], mutations), scratch)


def replace_somewhere(document: Any, path: list[int], value: Any) -> Any:
    """Replace the node chosen by ``path`` (child indices, taken modulo the children count) with ``value``."""
    if not path or not isinstance(document, (dict, list)) or not document:
        return value
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = keys[path[0] % len(keys)]
    document[key] = replace_somewhere(document[key], path[1:], value)
    return document


ODD_NODES = ODD_VALUES | st.just([]) | st.just({})


@profiles.secondary(SCHEMAS)
@given(path=st.lists(st.integers(0, 50), max_size=8), value=ODD_NODES)
def test_model_documents_with_odd_fields_load_or_are_refused(originals: Originals, scratch: Path,
                                                             path: list[int], value: Any) -> None:  # fmt: skip
    document = replace_somewhere(json.loads(originals.models["json"]), path, value)
    loads_or_refuses(json.dumps(document, allow_nan=True).encode(), scratch)


@profiles.secondary(SCHEMAS)
@given(path=st.lists(st.integers(0, 50), max_size=5), value=ODD_NODES, mutations=st.none() | MUTATIONS)
def test_schema_documents_with_odd_fields_load_or_are_refused(originals: Originals, scratch: Path, path: list[int],
                                                              value: Any, mutations: Any) -> None:  # fmt: skip
    """The schema travels beside the model: a damaged one is refused (503 naming it), never a crash."""
    document = json.dumps(replace_somewhere(json.loads(json.dumps(originals.schema)), path, value), allow_nan=True)
    schema = mutate(document.encode(), mutations) if mutations else document.encode("utf-8", "surrogatepass")
    loads_or_refuses(originals.models["tarball"], scratch, schema)
