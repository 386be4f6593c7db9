"""Read one model object from S3 with bounded retries (boto3 honours ``AWS_ENDPOINT_URL_S3``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from inference.errors import ModelFormatError
from inference.settings import S3Settings


def client(settings: S3Settings) -> Any:
    """An S3 client with the timeouts and bounded retries of ``settings``."""
    config = Config(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
    )
    return boto3.client("s3", config=config)


def split_uri(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    key = parsed.path.lstrip("/")
    if parsed.scheme != "s3" or not parsed.netloc or not key:
        raise ModelFormatError(f"{uri!r} is not an s3://bucket/key URI")
    return parsed.netloc, key


def get_object(uri: str, *, max_bytes: int, settings: S3Settings) -> tuple[bytes, str]:
    """Return the object's bytes and its version (VersionId when the bucket is versioned, else ETag)."""
    bucket, key = split_uri(uri)
    try:
        response = client(settings).get_object(Bucket=bucket, Key=key)
        if int(response.get("ContentLength", 0)) > max_bytes:
            response["Body"].close()
            raise ModelFormatError(f"{uri} is larger than {max_bytes} bytes")
        data = response["Body"].read()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        raise ModelFormatError(
            f"could not read {uri}: {code} ({exc.response.get('Error', {}).get('Message', '')})"
        ) from exc
    except BotoCoreError as exc:
        raise ModelFormatError(f"could not read {uri}: {exc}") from exc
    version = response.get("VersionId") or response.get("ETag", "").strip('"')
    return data, f"{key}@{version}" if version and version != "null" else key
