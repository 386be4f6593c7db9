"""Call the deployed inference API, signing each request with SigV4 (the API's default IAM auth).

    python scripts/predict.py --url "$API_URL" --json '{"instances": [{"MedInc": 8.3, ...}]}'
    python scripts/predict.py --url "$API_URL" --route fargate --csv @rows.csv  (or --query MedInc=8.3 ...)

``--url`` is the stack's ``ApiUrl`` (or any ``*PredictUrl``) output; ``--route`` picks the backend. Credentials
come from the usual AWS chain (environment, ``--profile``, SSO...); ``--no-sign`` is for ``apiAuth=none`` or the
local server.
Exits 0 on a 2xx answer, 1 on any other answer or no connection, 2 on a local error (nothing sent).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import BotoCoreError
from botocore.httpsession import URLLib3Session
from botocore.session import Session

ROUTE_PATHS = {"default": "/predict", "lambda-x86": "/lambda/x86/predict",
               "lambda-arm64": "/lambda/arm64/predict", "fargate": "/fargate/predict"}  # fmt: skip
SERVICE = "execute-api"
_EXECUTE_API_HOST = re.compile(r"[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?")


class ClientError(Exception):
    """Something wrong on this side (arguments, credentials, region); nothing was sent."""


@dataclass(frozen=True)
class PredictRequest:
    method: str
    url: str
    body: bytes | None
    headers: dict[str, str]


def _text_or_file(value: str) -> str:
    """``@path`` reads the file; anything else is the text itself."""
    if value.startswith("@"):
        try:
            return Path(value[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise ClientError(f"cannot read {value[1:]}: {exc.strerror}") from exc
    return value


def api_base(url: str) -> str:
    """``url`` without a trailing route path: ``ApiUrl`` and every ``*PredictUrl`` output work as ``--url``."""
    base = url.rstrip("/")
    for path in sorted(ROUTE_PATHS.values(), key=len, reverse=True):
        if base.endswith(path):
            return base.removesuffix(path)
    return base


def build_request(
    url: str, route: str, *, json_text: str | None = None, csv_text: str | None = None, query: list[str] | None = None
) -> PredictRequest:
    """The request for exactly one of ``json_text``, ``csv_text`` (POST) or ``query`` (``NAME=VALUE``, GET)."""
    target = api_base(url) + ROUTE_PATHS[route]
    headers = {"Accept": "application/json"}
    if query is not None:
        pairs = [item.partition("=") for item in query]
        if any(not name or not sep for name, sep, _ in pairs):
            raise ClientError("--query takes NAME=VALUE, e.g. --query MedInc=8.3")
        return PredictRequest("GET", f"{target}?{urlencode([(n, v) for n, _, v in pairs])}", None, headers)
    if json_text is not None:
        text = _text_or_file(json_text)
        try:
            json.loads(text)
        except ValueError as exc:
            raise ClientError(f"--json is not valid JSON: {exc}") from exc
        return PredictRequest("POST", target, text.encode(), {**headers, "Content-Type": "application/json"})
    if csv_text is None:
        raise ClientError("give one of --json, --csv or --query")
    text = _text_or_file(csv_text)
    body = text if text.endswith("\n") else text + "\n"
    return PredictRequest("POST", target, body.encode(), {**headers, "Content-Type": "text/csv"})


def region_of(url: str, explicit: str | None, session: Session) -> str:
    """``--region``, else the region in an ``execute-api`` host name, else the configured region."""
    match = _EXECUTE_API_HOST.fullmatch(urlsplit(url).hostname or "")
    region = explicit or (match.group(1) if match else None) or session.get_config_variable("region")
    if not region:
        raise ClientError(f"cannot tell the region from {url}; pass --region")
    return str(region)


def sign(request: PredictRequest, session: Session, region: str) -> PredictRequest:
    """A copy of ``request`` with SigV4 headers for ``execute-api`` in ``region``."""
    credentials = session.get_credentials()
    if credentials is None:
        raise ClientError("no AWS credentials found (set AWS_PROFILE or run `aws configure`), or pass --no-sign")
    aws_request = AWSRequest(method=request.method, url=request.url, data=request.body, headers=request.headers)
    SigV4Auth(credentials.get_frozen_credentials(), SERVICE, region).add_auth(aws_request)
    return PredictRequest(request.method, request.url, request.body, dict(aws_request.headers.items()))


def send(request: PredictRequest, timeout: float) -> tuple[int, bytes]:
    aws_request = AWSRequest(method=request.method, url=request.url, data=request.body, headers=request.headers)
    response = URLLib3Session(timeout=timeout).send(aws_request.prepare())
    return response.status_code, response.content


def render(status: int, content: bytes) -> str:
    """``HTTP <status>`` and the answer, pretty-printed when it is JSON."""
    try:
        return f"HTTP {status}\n{json.dumps(json.loads(content), indent=2)}"
    except ValueError:
        return f"HTTP {status}\n{content.decode('utf-8', errors='replace')}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Call the XGBoost inference API (SigV4-signed).")
    parser.add_argument("--url", required=True, help="the ApiUrl stack output, e.g. https://abc.execute-api...")
    parser.add_argument("--route", choices=tuple(ROUTE_PATHS), default="default", help="backend (default: default)")
    payload = parser.add_mutually_exclusive_group(required=True)
    payload.add_argument("--json", dest="json_text", help="JSON body, or @file")
    payload.add_argument("--csv", dest="csv_text", help="CSV rows without header, or @file")
    payload.add_argument("--query", action="append", metavar="NAME=VALUE", help="one row as GET parameters")
    parser.add_argument("--region", help="signing region (default: from the URL or the AWS config)")
    parser.add_argument("--profile", help="AWS profile for credentials")
    parser.add_argument("--no-sign", action="store_true", help="send unsigned requests (apiAuth=none, local)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default: 30)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        request = build_request(
            args.url, args.route, json_text=args.json_text, csv_text=args.csv_text, query=args.query
        )
        if not args.no_sign:
            session = Session(profile=args.profile)
            request = sign(request, session, region_of(args.url, args.region, session))
    except (ClientError, BotoCoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        status, content = send(request, args.timeout)
    except BotoCoreError as exc:
        print(f"error: {request.method} {request.url} failed: {exc}", file=sys.stderr)
        return 1
    print(render(status, content))
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
