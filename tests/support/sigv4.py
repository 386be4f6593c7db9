"""An independent SigV4 verifier (written from the AWS specification, not from botocore).

Tests use it on the server side of a real loopback request: it recomputes the signature from exactly what
arrived (method, path, query, signed headers, body) and compares it with the Authorization header.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, urlsplit

AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)"
    r"/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_request(method: str, target: str, headers: Mapping[str, str], signed: list[str], body: bytes) -> str:
    """``target`` is the request target as received (path and query); ``headers`` keys are lower case."""
    parts = urlsplit(target)
    query = sorted((_encode(k), _encode(v)) for k, v in parse_qsl(parts.query, keep_blank_values=True))
    canonical_headers = "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in signed)
    return "\n".join(
        [
            method,
            quote(parts.path or "/", safe="/-_.~"),
            "&".join(f"{k}={v}" for k, v in query),
            canonical_headers,
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )


def expected_signature(*, method: str, target: str, headers: Mapping[str, str], body: bytes, secret_key: str) -> str:
    """The signature a correct signer must have produced for this request (``headers``: lower-case keys)."""
    match = AUTHORIZATION.fullmatch(headers["authorization"])
    if match is None:
        raise AssertionError(f"not a SigV4 Authorization header: {headers['authorization']!r}")
    signed = match["signed"].split(";")
    scope = f"{match['date']}/{match['region']}/{match['service']}/aws4_request"
    request_hash = hashlib.sha256(canonical_request(method, target, headers, signed, body).encode()).hexdigest()
    string_to_sign = f"AWS4-HMAC-SHA256\n{headers['x-amz-date']}\n{scope}\n{request_hash}"
    key = _hmac(f"AWS4{secret_key}".encode(), match["date"])
    for part in (match["region"], match["service"], "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
