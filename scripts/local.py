"""Serve the locally trained model on 127.0.0.1 the way the images do, and show one answer from each adapter.

``make local`` prepares the data and trains first (once; later runs reuse the model), then runs this:
it starts the Fargate image's server (uvicorn, the production entry point) on 127.0.0.1, sends the
sample request over HTTP, answers the same request through the Lambda handler invoked in-process with
an API Gateway HTTP API event, and keeps serving until Ctrl-C, which stops the server cleanly.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from inference.errors import ModelFormatError
from inference.model.bundle import default_schema_uri, load_schema

REPO_ROOT = Path(__file__).resolve().parent.parent


def dataset_folder(kind: str, model: Path) -> Path:
    """``build/<kind>/<data set>/`` for a local model (``build/models/<data set>/model.tar.gz``): where its requests
    are captured (``capture``), its ground truth is put (``ground-truth``) and ``make monitor`` reports (``monitor``,
    the report the page links to)."""
    return REPO_ROOT / "build" / kind / model.parent.name


def capture_environment(folder: Path, backend: str) -> dict[str, str]:
    """Capture every request into <folder>/<backend>/yyyy/mm/dd/hh/, written within a second."""
    return {"CAPTURE_DESTINATION": str(folder), "CAPTURE_FLUSH_SECONDS": "1", "BACKEND_NAME": backend}


def sample_request(model: Path) -> dict[str, Any]:
    """The schema's example row (beside the model, as the server reads it), as a named JSON request."""
    schema = load_schema(default_schema_uri(str(model)), explicit=False)
    return {"instances": [{name: value for name, value in schema.example.items() if value is not None}]}


def start_server(model: Path, port: int, capture: Path, report: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MODEL_URI": str(model), "HOST": "127.0.0.1", "PORT": str(port), "MODEL_VERSION": "local",
           "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"), "MONITOR_REPORT": str(report),
           **capture_environment(capture, "local-server")}  # fmt: skip
    return subprocess.Popen([sys.executable, "-m", "fargate_image.serve"], cwd=REPO_ROOT, env=env)


def wait_until_ready(server: subprocess.Popen[bytes], base_url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}; is port {base_url[-4:]} in use?")
        try:
            with urllib.request.urlopen(f"{base_url}/ping", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {base_url}/ping within {timeout:.0f} s")


def post_json(url: str, payload: dict[str, Any]) -> Any:
    request = urllib.request.Request(  # noqa: S310
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.load(response)


def lambda_answer(model: Path, payload: dict[str, Any], capture: Path) -> Any:
    """The same request through the Lambda handler, invoked in-process with an HTTP API (v2) event."""
    os.environ.update(MODEL_URI=str(model), MODEL_VERSION="local", LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
                      **capture_environment(capture, "local-lambda"))  # fmt: skip
    sys.path.insert(0, str(REPO_ROOT / "lambda_image"))
    import handler

    event = {"version": "2.0", "routeKey": "POST /predict", "rawPath": "/predict", "rawQueryString": "",
             "headers": {"content-type": "application/json"}, "body": json.dumps(payload), "isBase64Encoded": False,
             "requestContext": {"http": {"method": "POST", "path": "/predict"}, "requestId": "local"}}  # fmt: skip
    response = handler.handler(event, None)
    return json.loads(response["body"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "build/models/california_housing/model.tar.gz")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--once", action="store_true", help="stop after showing the sample answers")
    parser.add_argument("--capture", type=Path, help="where requests are captured (build/capture/<data set>)")
    parser.add_argument(
        "--report", type=Path, help="the report the page links to (build/monitor/<data set>/report.html)"
    )
    args = parser.parse_args()
    args.capture = args.capture or dataset_folder("capture", args.model)
    args.report = args.report or dataset_folder("monitor", args.model) / "report.html"
    if not args.model.is_file():
        raise SystemExit(f"{args.model} does not exist: run `make local` (it trains first)")
    base_url = f"http://127.0.0.1:{args.port}"
    try:
        sample = sample_request(args.model.resolve())
    except ModelFormatError as error:
        raise SystemExit(f"{error}: run `make local` (it prepares the data and trains first)") from None
    server = start_server(args.model.resolve(), args.port, args.capture.resolve(), args.report.resolve())
    try:
        wait_until_ready(server, base_url)
        curl = f"curl -s -X POST {base_url}/predict -H 'Content-Type: application/json'"
        print(f"\n$ {curl} \\\n    -d '{json.dumps(sample)}'")
        print(json.dumps(post_json(f"{base_url}/predict", sample)))
        print("\nThe same request through the Lambda handler (HTTP API v2 event, in-process):")
        print(json.dumps(lambda_answer(args.model.resolve(), sample, args.capture.resolve())))
        if args.once:
            return
        print(
            f"\nServing on {base_url}: open {base_url}/ in a browser to predict and explain "
            f"(API: {base_url}/openapi.json). Every request is captured under {args.capture}/: `make monitor` "
            "reports its drift. Press Ctrl-C to stop.",
            flush=True,
        )
        server.wait()
    except KeyboardInterrupt:
        print("\nStopping the server...")
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
