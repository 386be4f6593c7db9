"""`make base-images` (scripts/base_images.py) against a registry on loopback speaking the v2 API's token flow."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from scripts import base_images
from scripts.base_images import ImageReference

INDEX_DIGEST = "sha256:" + "1" * 64
OLD_DIGEST = "sha256:" + "0" * 64
TOKEN = "pull-token"


class Registry(BaseHTTPRequestHandler):
    """``/v2/`` answers 401 with a bearer challenge, ``/token`` a token for a pull scope, and a HEAD of
    ``/v2/<repository>/manifests/<tag>`` the digest, only with that token and an index media type accepted."""

    manifests: ClassVar[dict[str, str]] = {"lambda/python/manifests/3.12": INDEX_DIGEST}
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/v2/":
            realm = f"http://{self.headers['Host']}/token"
            self._answer(401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="test-registry"'})
        elif url.path == "/token":
            query = urllib.parse.parse_qs(url.query)
            self.asked.append(query["scope"][0])
            ok = query["service"] == ["test-registry"] and query["scope"][0].endswith(":pull")
            self._answer(200 if ok else 400, {}, json.dumps({"token": TOKEN}).encode())
        else:
            self._answer(404, {})

    def do_HEAD(self) -> None:
        key = self.path.removeprefix("/v2/")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._answer(401, {})
        elif key in self.manifests and "application/vnd.oci.image.index.v1+json" in self.headers.get("Accept", ""):
            self._answer(200, {"Docker-Content-Digest": self.manifests[key]})
        else:
            self._answer(404, {})

    def _answer(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def dockerfile(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text(f'# a base image\nFROM --platform=linux/arm64 {base} AS runtime\nCMD ["handler.handler"]\n')
    return path


def test_a_tag_is_pinned_to_the_digest_the_registry_serves(registry: str, tmp_path: Path, capsys) -> None:
    path = dockerfile(tmp_path, f"{registry}/lambda/python:3.12")
    assert base_images.main([str(path)]) == 0
    pinned = f"FROM --platform=linux/arm64 {registry}/lambda/python:3.12@{INDEX_DIGEST} AS runtime"
    assert path.read_text().splitlines()[1] == pinned
    assert capsys.readouterr().out.strip().endswith(f"{registry}/lambda/python:3.12 by tag -> {INDEX_DIGEST}")
    assert Registry.asked[-1] == "repository:lambda/python:pull"


def test_a_moved_digest_is_replaced_and_reported_then_unchanged(registry: str, tmp_path: Path, capsys) -> None:
    path = dockerfile(tmp_path, f"{registry}/lambda/python:3.12@{OLD_DIGEST}")
    assert base_images.main([str(path)]) == 0
    assert f"{OLD_DIGEST} -> {INDEX_DIGEST}" in capsys.readouterr().out
    assert base_images.main([str(path)]) == 0
    assert capsys.readouterr().out.strip().endswith("lambda/python:3.12 unchanged")


def test_an_unknown_tag_leaves_the_dockerfile_as_it_was(registry: str, tmp_path: Path, capsys) -> None:
    path = dockerfile(tmp_path, f"{registry}/lambda/python:9.99")
    before = path.read_text()
    assert base_images.main([str(path)]) == 1
    assert path.read_text() == before
    assert "left as it was: cannot ask" in capsys.readouterr().err


def test_names_without_a_registry_are_docker_hubs() -> None:
    official = ImageReference.parse("python:3.12-slim@" + OLD_DIGEST)
    assert (official.registry, official.repository, official.tag, official.digest) == (
        "registry-1.docker.io", "library/python", "3.12-slim", OLD_DIGEST)  # fmt: skip
    assert official.pinned(INDEX_DIGEST) == f"python:3.12-slim@{INDEX_DIGEST}"
    ecr = ImageReference.parse("public.ecr.aws/lambda/python:3.12")
    assert (ecr.registry, ecr.repository, ecr.base_url) == ("public.ecr.aws", "lambda/python", "https://public.ecr.aws")
