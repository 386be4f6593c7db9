"""``log_fields`` writes the very line ``JsonLogFormatter`` writes for the record, straight to the stream when
that is all logging would do, and through logging whenever anything else is configured."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from inference.logs import JsonLogFormatter, log_fields
from inference.protocols import json_text

FIELDS: dict[str, Any] = {"request_id": "r-1", "route": "/predict", "status": 200, "rows": 1, "latency_ms": 0.123,
                          "error_code": None, "error_field": "MédInc\n", "odd": {3}}  # fmt: skip


class Tree:
    """A logger with a JSON stream handler and a child that propagates to it, as the adapters configure."""

    def __init__(self, name: str) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonLogFormatter())
        self.parent = logging.getLogger(name)
        self.parent.handlers[:] = [self.handler]
        self.parent.setLevel(logging.INFO)
        self.parent.propagate = False
        self.child = self.parent.getChild("adapter")

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()


@pytest.fixture
def make_tree(request: pytest.FixtureRequest) -> Iterator[Callable[[], Tree]]:
    """Trees made in the test itself: pytest adds its capturing handler to every logger that does not
    propagate when a test starts, and ``log_fields`` rightly goes through logging for that handler."""
    made: list[Tree] = []

    def make() -> Tree:
        made.append(Tree(f"test_logs.{request.node.name}.{len(made)}"))
        return made[-1]

    yield make
    for tree in made:
        tree.parent.handlers.clear()
        tree.child.handlers.clear()
        tree.child.filters.clear()


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> list[logging.LogRecord]:
    """Every LogRecord made: none when the line went straight to the stream."""
    made: list[logging.LogRecord] = []
    original = logging.Logger.makeRecord

    def counting(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
        made.append(original(self, *args, **kwargs))
        return made[-1]

    monkeypatch.setattr(logging.Logger, "makeRecord", counting)
    return made


def test_the_straight_line_is_the_formatters_line(
    make_tree: Callable[[], Tree], records: list[logging.LogRecord], monkeypatch
) -> None:
    tree = make_tree()
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    monkeypatch.setattr(time, "time_ns", lambda: int(now * 1e9))
    tree.child.log(logging.WARNING, "request", extra=FIELDS)
    assert len(records) == 1
    log_fields(tree.child, logging.WARNING, "request", FIELDS)
    assert len(records) == 1  # no record: written straight
    through_logging, straight = tree.lines()
    assert straight == through_logging
    assert list(json.loads(straight)) == ["time", "level", "logger", "message", *FIELDS]


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO])
def test_a_level_below_the_loggers_writes_nothing(make_tree: Callable[[], Tree], level: int) -> None:
    tree = make_tree()
    tree.parent.setLevel(logging.WARNING)
    log_fields(tree.child, level, "request", FIELDS)
    assert tree.lines() == []
    log_fields(tree.child, logging.WARNING, "request", FIELDS)
    assert len(tree.lines()) == 1


def test_a_level_below_the_handlers_writes_nothing(make_tree: Callable[[], Tree]) -> None:
    tree = make_tree()
    tree.handler.setLevel(logging.ERROR)
    log_fields(tree.child, logging.WARNING, "request", FIELDS)
    assert tree.lines() == []


def test_disabled_logging_writes_nothing(make_tree: Callable[[], Tree]) -> None:
    tree = make_tree()
    logging.disable(logging.CRITICAL)
    try:
        log_fields(tree.child, logging.ERROR, "request", FIELDS)
    finally:
        logging.disable(logging.NOTSET)
    tree.child.disabled = True
    log_fields(tree.child, logging.ERROR, "request", FIELDS)
    tree.child.disabled = False
    assert tree.lines() == []


@pytest.mark.parametrize("where", ["handler", "logger"])
def test_filters_are_applied(make_tree: Callable[[], Tree], records: list[logging.LogRecord], where: str) -> None:
    tree = make_tree()
    owner: logging.Filterer = tree.handler if where == "handler" else tree.child
    owner.addFilter(lambda record: record.getMessage() != "request")
    log_fields(tree.child, logging.INFO, "request", FIELDS)
    log_fields(tree.child, logging.INFO, "other", FIELDS)
    assert [json.loads(line)["message"] for line in tree.lines()] == ["other"]
    assert len(records) == 2
    owner.filters.clear()


def test_another_handler_gets_its_own_format(make_tree: Callable[[], Tree], records: list[logging.LogRecord]) -> None:
    tree = make_tree()
    plain = io.StringIO()
    extra = logging.StreamHandler(plain)
    extra.setFormatter(logging.Formatter("%(levelname)s %(message)s %(route)s"))
    tree.child.addHandler(extra)
    log_fields(tree.child, logging.INFO, "request", FIELDS)
    assert plain.getvalue() == "INFO request /predict\n"
    assert json.loads(tree.lines()[0])["route"] == "/predict"
    assert len(records) == 1


def test_a_failing_stream_is_reported_as_logging_reports_it(
    make_tree: Callable[[], Tree], capsys: pytest.CaptureFixture[str]
) -> None:
    tree = make_tree()

    class Broken(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError("disk full")

    tree.handler.setStream(Broken())
    log_fields(tree.child, logging.INFO, "request", FIELDS)  # does not raise
    assert "OSError: disk full" in capsys.readouterr().err


def test_the_kept_encoder_writes_what_json_dumps_writes() -> None:
    document = {"a": [1.5, -0.0, 1e16, 1e-7, float("nan"), float("-inf"), True, None, 10**30], "é\n\u2028": {}}
    assert json_text.dumps(document) == json.dumps(document)
    assert json_text.dumps_or_str({"set": {1}, **document}) == json.dumps({"set": {1}, **document}, default=str)
    with pytest.raises(TypeError):
        json_text.dumps({"set": {1}})
