"""Fuzz the real HTTP server over loopback, per schema: every answer is the route's 2xx or a 4xx JSON error,
every 2xx is the in-process route table's answer to the same request byte for byte, valid rows are answered 200
with xgboost's predictions, and the server survives.

Routes and their answers come from ``routes.HTTP_ROUTES``: a request for a route gets that route's answer (or a
4xx naming the problem), an unknown path a 404, a method the route does not take a 405 with ``allow``.
"""

from __future__ import annotations

import json
import urllib.parse

from hypothesis import event, given
from hypothesis import strategies as st

from tests.fuzz import profiles
from tests.fuzz.contract import CLIENT_ERRORS, assert_error_body
from tests.fuzz.expected import assert_same_as_in_process, xgboost_answer
from tests.fuzz.raw_http import exchange
from tests.fuzz.requests import requests_for
from tests.fuzz.routes import HTTP_ROUTES, allowed_methods, route_paths
from tests.fuzz.schemas import HTTP_SCHEMAS, Fuzzed, FuzzedServer
from tests.fuzz.strategies import weighted

HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
EXTRA_HEADERS = st.dictionaries(st.sampled_from(["Accept", "Accept-Encoding", "X-Amzn-Trace-Id", "Origin"]),
                                HEADER_TEXT)  # fmt: skip
ODD_PATHS = st.sampled_from(["/predict/", "//predict", "/predict/../ping", "/%70redict", "/nope", "/PREDICT",
                             "/ping/", "/docs/", "/page.js/", "/explain/"]) | st.text(max_size=15).map(
    lambda text: "/" + urllib.parse.quote(text))  # fmt: skip
PATHS = weighted((3, route_paths(HTTP_ROUTES)), (1, ODD_PATHS))
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"])
"""Any method; a route's own methods are drawn three times as often."""
SCHEMAS = len(HTTP_SCHEMAS)
ANSWERED_BY_THE_TABLE = ("/predict", "/explain", "/invocations", "/ping")
"""The server's routes that are the shared table's (the others are its page and document)."""


def assert_http_answer(fuzzed: Fuzzed, method: str, path: str, answer: tuple[int, dict[str, str], bytes]) -> None:
    status, headers, body = answer
    decoded = urllib.parse.unquote(path)  # the server routes on the decoded path
    route = HTTP_ROUTES.get(decoded)
    event(f"{method} {decoded if route else 'no route'}: {status}")
    if route is None:
        assert status == 404, (method, path, status)
    elif method not in allowed_methods(route):
        assert status == 405 and headers.get("allow") == ", ".join(route.methods), (method, path, status, headers)
    if method == "HEAD":  # GET without a body
        assert status == 200 or status in (route.refusals if route else CLIENT_ERRORS), status
    elif 200 <= status < 300:
        assert route is not None, (method, path, status)
        route.check(fuzzed.schema, status, headers.get("content-type", ""), body)
    else:
        assert route is None or route.takes_rows or status in (404, 405), (method, path, status, body[:300])
        assert headers.get("content-type") == "application/json", (status, headers, body[:200])
        assert_error_body(status, json.loads(body), route.refusals if route else CLIENT_ERRORS)


@profiles.main(SCHEMAS)
@given(data=st.data())
def test_any_request_gets_a_2xx_or_a_4xx_json_error(http_server: FuzzedServer, data: st.DataObject) -> None:
    server = http_server
    requests = requests_for(server.fuzzed.schema)
    path = data.draw(PATHS, label="path")
    route = HTTP_ROUTES.get(path)
    methods = weighted((3, st.sampled_from(route.methods)), (1, METHODS)) if route else METHODS
    method = data.draw(methods, label="method")
    query = data.draw(requests.queries, label="query")
    body, content_type = data.draw(requests.bodies, label="body, content_type")
    extra = data.draw(EXTRA_HEADERS, label="extra headers")
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    headers = {**extra, **({"Content-Type": _header_text(content_type)} if content_type is not None else {})}
    target = path + ("?" + urllib.parse.urlencode(query, doseq=True, errors="surrogatepass") if query else "")
    answer = exchange(server.running.port, method, target, headers, raw)
    assert_http_answer(server.fuzzed, method, urllib.parse.urlsplit(target).path, answer)
    status, _, received = answer
    if 200 <= status < 300 and method != "HEAD" and urllib.parse.unquote(path) in ANSWERED_BY_THE_TABLE:
        assert_same_as_in_process(server.model, method, target, headers, raw, status, received)


@profiles.secondary(SCHEMAS)
@given(data=st.data())
def test_valid_rows_are_answered_200_with_xgboosts_predictions(http_server: FuzzedServer, data: st.DataObject) -> None:
    server = http_server
    schema = server.fuzzed.schema
    rows = data.draw(st.lists(requests_for(schema).valid_rows, min_size=1, max_size=5), label="rows")
    named = data.draw(st.booleans(), label="named")
    instances = [dict(zip(schema.names, row, strict=True)) for row in rows] if named else rows
    body = json.dumps({"instances": instances}).encode()
    status, _, received = exchange(server.running.port, "POST", "/predict", {"Content-Type": "application/json"}, body)
    assert status == 200, received[:500]
    assert json.loads(received) == xgboost_answer(server.model, schema, rows)


def _header_text(text: str) -> str:
    """What a client can put in a header: printable ASCII."""
    return "".join(character for character in text if " " <= character <= "~")
