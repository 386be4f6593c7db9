"""scripts/predict.py against a real HTTP server on 127.0.0.1 that records what arrives and checks SigV4."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
from botocore.session import Session

from scripts import predict
from tests.conftest import REPO_ROOT
from tests.support.recording_server import Recorded, recording_server
from tests.support.recording_server import RecordingServer as Server
from tests.support.sigv4 import AUTHORIZATION, expected_signature

ACCESS_KEY, SECRET_KEY = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ROW = {"MedInc": 8.3, "HouseAge": 41, "AveRooms": 7.0, "AveBedrms": 1.0, "Population": 322, "AveOccup": 2.5,
       "Latitude": 37.88, "Longitude": -122.23}  # fmt: skip


@pytest.fixture
def server() -> Iterator[Server]:
    with recording_server() as state:
        yield state


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Static credentials from the environment only: no profile, no config file, no instance metadata."""
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def assert_valid_sigv4(request: Recorded, region: str = "us-east-1") -> list[str]:
    """The Authorization header is SigV4 for execute-api and its signature matches what arrived."""
    match = AUTHORIZATION.fullmatch(request.headers["authorization"])
    assert match, request.headers["authorization"]
    assert (match["key"], match["region"], match["service"]) == (ACCESS_KEY, region, "execute-api")
    assert match["date"] == request.headers["x-amz-date"][:8]
    signed = match["signed"].split(";")
    assert {"host", "x-amz-date"} <= set(signed)
    recomputed = expected_signature(
        method=request.method, target=request.target, headers=request.headers, body=request.body, secret_key=SECRET_KEY
    )
    assert recomputed == match["signature"]
    return signed


def test_json_post_is_signed_for_execute_api_and_sent_to_the_route(server: Server, capsys) -> None:  # type: ignore[no-untyped-def]
    document = json.dumps({"instances": [ROW]})
    code = predict.main(["--url", server.url, "--route", "lambda-x86", "--json", document, "--region", "us-east-1"])
    assert code == 0
    [request] = server.requests
    assert (request.method, request.target) == ("POST", "/lambda/x86/predict")
    assert request.body == document.encode()
    assert request.headers["content-type"] == "application/json"
    assert "content-type" in assert_valid_sigv4(request)
    out = capsys.readouterr().out
    assert out.startswith("HTTP 200\n") and json.loads(out.split("\n", 1)[1])["predictions"] == [452600.0]


def test_the_verifier_rejects_a_changed_body_or_a_wrong_secret(server: Server) -> None:
    assert (
        predict.main(["--url", server.url, "--json", '{"instances": [[1,2,3,4,5,6,37,-122]]}', "--region", "us-east-1"])
        == 0
    )
    [request] = server.requests
    signature = AUTHORIZATION.fullmatch(request.headers["authorization"])["signature"]  # type: ignore[index]
    tampered = expected_signature(method="POST", target=request.target, headers=request.headers,
                                  body=request.body + b" ", secret_key=SECRET_KEY)  # fmt: skip
    wrong_key = expected_signature(method="POST", target=request.target, headers=request.headers,
                                   body=request.body, secret_key="not-the-secret")  # fmt: skip
    assert signature not in (tampered, wrong_key)


def test_query_becomes_a_signed_get_on_the_fargate_route(server: Server) -> None:
    args = ["--url", server.url, "--route", "fargate", "--region", "eu-west-1"]
    assert predict.main([*args, "--query", "MedInc=8.3", "--query", "HouseAge=41", "--query", "Latitude=37.88"]) == 0
    [request] = server.requests
    assert (request.method, request.target, request.body) == (
        "GET", "/fargate/predict?MedInc=8.3&HouseAge=41&Latitude=37.88", b""
    )  # fmt: skip
    assert_valid_sigv4(request, region="eu-west-1")


def test_csv_goes_to_the_default_route_as_text_csv(server: Server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = tmp_path / "rows.csv"
    rows.write_text("8.3,41,7,1,322,2.5,37.88,-122.23\n1.5,20,5,1,900,3,34.1,-118.3")
    assert predict.main(["--url", server.url.rstrip("/"), "--csv", f"@{rows}", "--region", "us-east-1"]) == 0
    [request] = server.requests
    assert (request.method, request.target) == ("POST", "/predict")
    assert request.headers["content-type"] == "text/csv"
    assert request.body == (rows.read_text() + "\n").encode()
    assert_valid_sigv4(request)


def test_session_token_is_sent_and_signed(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-123")
    assert (
        predict.main(["--url", server.url, "--route", "lambda-arm64", "--query", "MedInc=3", "--region", "us-east-1"])
        == 0
    )
    [request] = server.requests
    assert request.target.startswith("/lambda/arm64/predict?")
    assert request.headers["x-amz-security-token"] == "token-123"
    assert "x-amz-security-token" in assert_valid_sigv4(request)


def test_an_error_answer_is_printed_and_exits_1(server: Server, capsys) -> None:  # type: ignore[no-untyped-def]
    server.answer = (400, b'{"error": {"code": "invalid_input", "message": "out of range", "field": "MedInc"}}')
    assert predict.main(["--url", server.url, "--query", "MedInc=-1", "--region", "us-east-1"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("HTTP 400\n") and json.loads(out.split("\n", 1)[1])["error"]["field"] == "MedInc"


def test_no_sign_sends_no_authorization(server: Server) -> None:
    assert predict.main(["--url", server.url, "--no-sign", "--json", '{"instances": []}']) == 0
    [request] = server.requests
    assert "authorization" not in request.headers and "x-amz-date" not in request.headers


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json", "{not json"], "--json is not valid JSON"),
        (["--query", "MedInc"], "--query takes NAME=VALUE"),
        (["--csv", "@/no/such/file.csv"], "cannot read /no/such/file.csv"),
        (["--json", "{}"], "cannot tell the region"),
    ],
)
def test_local_errors_exit_2_and_send_nothing(server: Server, capsys, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    assert predict.main(["--url", server.url, *args]) == 2
    assert message in capsys.readouterr().err
    assert server.requests == []


def test_missing_credentials_exit_2_and_send_nothing(server: Server, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert predict.main(["--url", server.url, "--json", "{}", "--region", "us-east-1"]) == 2
    assert "no AWS credentials found" in capsys.readouterr().err
    assert server.requests == []


def test_region_comes_from_an_execute_api_host() -> None:
    session = Session()
    assert predict.region_of("https://a1b2c3.execute-api.eu-west-1.amazonaws.com/", None, session) == "eu-west-1"
    assert predict.region_of("https://a1b2c3.execute-api.eu-west-1.amazonaws.com/", "us-east-2", session) == "us-east-2"


@pytest.mark.parametrize("suffix", ["", "/", "/predict", "/fargate/predict", "/lambda/x86/predict/"])
def test_any_url_output_works_as_the_base(suffix: str) -> None:
    base = "https://a1b2c3.execute-api.us-east-1.amazonaws.com"
    request = predict.build_request(base + suffix, "lambda-arm64", query=["MedInc=1"])
    assert request.url == f"{base}/lambda/arm64/predict?MedInc=1"


def test_connection_refused_exits_1(capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/"
    assert predict.main(["--url", url, "--no-sign", "--json", "{}", "--timeout", "2"]) == 1
    assert "failed" in capsys.readouterr().err


def test_runs_as_a_script(server: Server) -> None:
    result = subprocess.run(
        [sys.executable, "scripts/predict.py", "--url", server.url, "--query", "MedInc=8.3", "--region", "us-east-1"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HTTP 200")
    assert_valid_sigv4(server.requests[0])
