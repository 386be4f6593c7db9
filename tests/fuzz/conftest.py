"""Fuzz tests run the ``ci`` Hypothesis profile unless ``HYPOTHESIS_PROFILE=fuzz`` (see tests/fuzz/profiles.py).

``http_server``: one real server per HTTP-fuzzed schema, shared by the HTTP fuzzer and schemathesis (and
required to exit cleanly afterwards: it must survive both).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fuzz import profiles
from tests.fuzz.schemas import HTTP_SCHEMAS, Fuzzed, FuzzedServer, fixture_params
from tests.integration.conftest import launch_server

profiles.load()


@pytest.fixture(scope="session", **fixture_params(HTTP_SCHEMAS))
def http_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzedServer]:
    fuzzed: Fuzzed = request.param
    model = request.getfixturevalue(fuzzed.model_fixture)
    running = launch_server({"MODEL_URI": str(model)}, tmp_path_factory.mktemp(f"fuzz-server-{fuzzed.name}"))
    yield FuzzedServer(fuzzed, running, model)
    assert running.stop() == 0, running.logs()
