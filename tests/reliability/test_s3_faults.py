"""S3 faults: missing object, access denied, slow, unavailable, flaky, cut-off transfer, nothing listening.

The server reports each clearly, /ping fails and nothing is predicted; transient faults are retried with
botocore's standard mode (exponential backoff with jitter) a bounded number of times, then the load fails.
"""

from __future__ import annotations

import time
from pathlib import Path

import boto3

from tests.conftest import free_port
from tests.reliability.fake_s3 import fake_s3, moto_with_iam
from tests.reliability.serving import assert_predicts, assert_refuses_to_predict, wait_until_ping_mentions

URI = "s3://models/job-1/output/model.tar.gz"
FAST_FAILURE = {"MODEL_RETRY_SECONDS": "3600", "MODEL_S3_MAX_ATTEMPTS": "3", "MODEL_S3_CONNECT_TIMEOUT": "1",
                "MODEL_S3_READ_TIMEOUT": "0.5", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip


def test_missing_object_is_refused(start_server, aws_env: str) -> None:
    boto3.client("s3").create_bucket(Bucket="models")
    server = start_server({"MODEL_URI": URI, "AWS_ENDPOINT_URL_S3": aws_env, **FAST_FAILURE})
    assert_refuses_to_predict(server, "NoSuchKey")


def test_access_denied_by_iam_is_refused(start_server, model_tarball: Path) -> None:
    with moto_with_iam("models", "job-1/output/model.tar.gz", model_tarball.read_bytes()) as reader:
        server = start_server({"MODEL_URI": URI, **FAST_FAILURE, **reader})
        assert_refuses_to_predict(server, "AccessDenied")


def test_slow_endpoint_is_retried_then_refused(start_server) -> None:
    with fake_s3("slow", delay=5) as s3:
        started = time.monotonic()
        server = start_server({"MODEL_URI": URI, "AWS_ENDPOINT_URL_S3": s3.url, **FAST_FAILURE})
        assert s3.requests == 3, "one request and two retries (MODEL_S3_MAX_ATTEMPTS=3)"
        assert time.monotonic() - started < 30, "bounded: attempts x read timeout + backoff"
        assert_refuses_to_predict(server, "Read timeout")


def test_unavailable_endpoint_is_retried_then_refused(start_server) -> None:
    with fake_s3("unavailable") as s3:
        server = start_server({"MODEL_URI": URI, "AWS_ENDPOINT_URL_S3": s3.url, **FAST_FAILURE})
        assert s3.requests == 3
        assert_refuses_to_predict(server, "SlowDown")


def test_flaky_endpoint_is_retried_until_the_model_loads(start_server, model_tarball: Path) -> None:
    schema = str(model_tarball.with_name("schema.json"))  # a local schema: the fake serves one object for any key
    with fake_s3("flaky", model_tarball.read_bytes(), failures=2) as s3:
        server = start_server({"MODEL_URI": URI, "SCHEMA_URI": schema, "AWS_ENDPOINT_URL_S3": s3.url, **FAST_FAILURE})
        assert s3.requests == 3, "two 503s, then the object"
        assert_predicts(server)


def test_transfer_cut_off_midway_is_refused(start_server, model_tarball: Path) -> None:
    with fake_s3("cut", model_tarball.read_bytes()) as s3:
        server = start_server({"MODEL_URI": URI, "AWS_ENDPOINT_URL_S3": s3.url, **FAST_FAILURE})
        assert_refuses_to_predict(server, f"could not read {URI}")


def test_nothing_listening_is_retried_then_refused(start_server) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    server = start_server({"MODEL_URI": URI, "AWS_ENDPOINT_URL_S3": endpoint, **FAST_FAILURE})
    assert_refuses_to_predict(server, "Could not connect to the endpoint URL")


def test_a_model_that_arrives_broken_then_whole_is_served_only_once_whole(start_server, aws_env: str,
                                                                          model_tarball: Path) -> None:  # fmt: skip
    """Retries at request time (MODEL_RETRY_SECONDS=0) never serve from a missing or half-written object."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="models")
    s3.upload_file(str(model_tarball.with_name("schema.json")), "models", "job-1/output/schema.json")  # the default
    server = start_server({"MODEL_URI": URI, "AWS_ENDPOINT_URL_S3": aws_env, **FAST_FAILURE,
                           "MODEL_RETRY_SECONDS": "0"})  # fmt: skip
    assert_refuses_to_predict(server, "NoSuchKey")
    whole = model_tarball.read_bytes()
    s3.put_object(Bucket="models", Key=URI.split("/", 3)[3], Body=whole[: len(whole) * 2 // 3])
    wait_until_ping_mentions(server, "truncated or corrupt")
    assert_refuses_to_predict(server, "truncated or corrupt")
    s3.put_object(Bucket="models", Key=URI.split("/", 3)[3], Body=whole)
    wait_until_ping_mentions(server, '"ok"')
    assert_predicts(server)
