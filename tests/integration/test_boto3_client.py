"""boto3's own sagemaker-runtime client, unchanged, against the real server and the Lambda handler over loopback.

The success bodies must be what ``/invocations`` answers in-process, which the golden tests hold to the
container's bytes; the errors must raise ``ModelError`` carrying the status and the JSON error this service
answered. The README's two client snippets are run as they are written (only their URL is pointed here): the
local one against the server, the signed one against a recording server that checks the signature's scope.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.config import Config

from inference import Predictor
from tests.conftest import REPO_ROOT
from tests.integration.conftest import RunningServer
from tests.support.lambda_shim import lambda_over_http
from tests.support.recording_server import recording_server
from tests.support.sigv4 import AUTHORIZATION, expected_signature

CSV = b"8.3252,41,6.984,1.024,322,2.556,37.88,-122.23\n5.6431,52,5.817,1.073,558,2.548,37.85,-122.25\n"
CREDENTIALS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}


@pytest.fixture(scope="module")
def predictor(model_tarball: Path) -> Predictor:
    return Predictor(str(model_tarball))


@pytest.fixture(scope="module", params=["server", "lambda"])
def endpoint_url(request: pytest.FixtureRequest, predictor: Predictor) -> Iterator[str]:
    """The real server's URL, or the Lambda handler's behind a route prefix, as on the deployed API."""
    if request.param == "server":
        server: RunningServer = request.getfixturevalue("http_server")
        yield f"http://127.0.0.1:{server.port}"
        return
    adapter: ModuleType = request.getfixturevalue("lambda_adapter")
    with lambda_over_http(adapter, predictor) as url:
        yield url + "/lambda/x86"


def client(endpoint_url: str) -> Any:
    config = Config(retries={"max_attempts": 1})
    return boto3.client("sagemaker-runtime", endpoint_url=endpoint_url, region_name="us-east-1", config=config,
                        **CREDENTIALS)  # fmt: skip


@pytest.mark.parametrize("accept", ["text/csv", "application/json", "application/jsonlines"])
def test_invoke_endpoint_answers_what_invocations_answers(endpoint_url: str, predictor: Predictor, accept: str) -> None:
    response = client(endpoint_url).invoke_endpoint(EndpointName="my-endpoint", ContentType="text/csv",
                                                    Accept=accept, Body=CSV)  # fmt: skip
    expected = predictor.invoke(CSV, {"content-type": "text/csv", "accept": accept}, {})
    assert (response["ContentType"], response["Body"].read()) == (expected.content_type, expected.body)


@pytest.mark.parametrize(
    ("content_type", "body", "accept", "status", "code"),
    [("text/csv", b"1,2,3\n", "text/csv", 400, "wrong_row_length"),
     ("application/json", b"{}", "text/csv", 415, "unsupported_media_type"),
     ("text/csv", CSV, "text/html", 406, "not_acceptable")],
)  # fmt: skip
def test_errors_raise_model_error_with_the_original_status_and_body(
    endpoint_url: str, content_type: str, body: bytes, accept: str, status: int, code: str
) -> None:
    runtime = client(endpoint_url)
    with pytest.raises(runtime.exceptions.ModelError) as raised:
        runtime.invoke_endpoint(EndpointName="e", ContentType=content_type, Accept=accept, Body=body)
    answer = raised.value.response
    assert (answer["ResponseMetadata"]["HTTPStatusCode"], answer["Error"]["Code"]) == (424, "ModelError")
    assert answer["OriginalStatusCode"] == status
    assert json.loads(answer["OriginalMessage"])["error"]["code"] == code
    kind = "client" if status < 500 else "server"
    assert answer["Error"]["Message"].startswith(f"Received {kind} error ({status}) from primary with message ")
    assert answer["OriginalMessage"] in str(raised.value)


def readme_block(marker: str) -> str:
    """The README's fenced Python block holding ``marker``."""
    blocks = re.findall(r"```python\n(.*?)```", (REPO_ROOT / "README.md").read_text(), re.DOTALL)
    [block] = [block for block in blocks if marker in block]
    return block


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Throwaway credentials in the environment, and a fresh default session to read them (boto3's caches its own)."""
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["aws_secret_access_key"])
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("credentials")
def test_the_readme_local_client_runs_unchanged(http_server: RunningServer, predictor: Predictor, capsys) -> None:  # type: ignore[no-untyped-def]
    code = readme_block('endpoint_url="http://127.0.0.1:8080"')
    exec(code.replace("127.0.0.1:8080", f"127.0.0.1:{http_server.port}"), {})
    body = re.search(rb'Body=b"(.*?)"', code.encode()).group(1).decode("unicode_escape").encode()  # type: ignore[union-attr]
    expected = predictor.invoke(body, {"content-type": "text/csv", "accept": "application/json"}, {})
    assert capsys.readouterr().out == f"application/json {expected.body.decode()}\n"


@pytest.mark.usefixtures("credentials")
def test_the_readme_signing_lines_sign_for_execute_api() -> None:
    code = readme_block("before-sign.sagemaker-runtime.InvokeEndpoint")
    unsigned_for_api = "\n".join(line for line in code.splitlines() if "events.register" not in line)
    with recording_server() as server:
        server.answer = (200, b'{"predictions": [{"score": 4.1}]}')
        url = server.url.rstrip("/") + "/lambda/x86"
        for text in (code, unsigned_for_api):
            exec(re.sub(r'API_URL = "[^"]+"', f'API_URL = "{url}"', text), {})
    sent, without = server.requests
    assert "Credential=AKIDEXAMPLE/" in without.headers["authorization"]
    assert "/eu-west-1/sagemaker/aws4_request" in without.headers["authorization"]  # what the lines change
    assert sent.target == "/lambda/x86/endpoints/my-xgboost-endpoint/invocations"
    match = AUTHORIZATION.fullmatch(sent.headers["authorization"])
    assert match is not None and (match["region"], match["service"]) == ("eu-west-1", "execute-api")
    assert match["key"] == CREDENTIALS["aws_access_key_id"]
    secret = CREDENTIALS["aws_secret_access_key"]
    signature = expected_signature(method="POST", target=sent.target, headers=sent.headers, body=sent.body,
                                   secret_key=secret)  # fmt: skip
    assert match["signature"] == signature
