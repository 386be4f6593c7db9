"""Pin each Dockerfile's base image to the digest its registry serves for the tag now, and say what changed.

    python3 scripts/base_images.py [DOCKERFILE ...]   (default: lambda_image/Dockerfile fargate_image/Dockerfile)

For every ``FROM name:tag[@sha256:...]``: the registry's v2 API, anonymously (the bearer token its ``/v2/``
challenge points to), then a HEAD of the tag's manifest; ``Docker-Content-Digest`` is the digest (of the
multi-architecture index, for a multi-architecture tag). The FROM line becomes ``name:tag@sha256:<digest>`` and
each image prints ``old -> new`` or ``unchanged``. A registry that cannot be reached leaves its Dockerfile as it
was and makes the exit status 1. Standard library only. Names without a registry are Docker Hub's.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCKERFILES = ("lambda_image/Dockerfile", "fargate_image/Dockerfile")
DOCKER_HUB = "registry-1.docker.io"
MANIFEST_TYPES = ", ".join((
    "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
))  # fmt: skip
FROM_LINE = re.compile(r"^(FROM\s+(?:--\S+\s+)*)(\S+)(.*)$", re.MULTILINE | re.IGNORECASE)
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
TIMEOUT_SECONDS = 30


class RegistryError(RuntimeError):
    """The registry could not be asked, or did not answer with a digest."""


@dataclass(frozen=True)
class ImageReference:
    """``[registry/]repository:tag[@digest]`` as a FROM line names it."""

    registry: str
    repository: str
    tag: str
    digest: str | None
    written: str
    """The name as the Dockerfile writes it, without tag or digest."""

    @classmethod
    def parse(cls, text: str) -> ImageReference:
        name, _, digest = text.partition("@")
        slash, colon = name.rfind("/"), name.rfind(":")
        written, tag = (name[:colon], name[colon + 1 :]) if colon > slash else (name, "latest")
        first, _, rest = written.partition("/")
        if rest and ("." in first or ":" in first or first == "localhost"):
            return cls(first, rest, tag, digest or None, written)
        return cls(DOCKER_HUB, written if rest else f"library/{written}", tag, digest or None, written)

    def pinned(self, digest: str) -> str:
        return f"{self.written}:{self.tag}@{digest}"

    @property
    def base_url(self) -> str:
        """https, except for a registry on this machine (as Docker treats loopback registries)."""
        host = self.registry.rsplit(":", 1)[0]
        return f"{'http' if host in ('localhost', '127.0.0.1') else 'https'}://{self.registry}"


def _request(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> urllib.request.Request:
    return urllib.request.Request(url, method=method, headers=headers or {})  # noqa: S310 - http(s) only


def bearer_token(image: ImageReference) -> str | None:
    """An anonymous pull token from the realm the registry's ``/v2/`` challenge names; None when it needs none."""
    try:
        with urllib.request.urlopen(_request(f"{image.base_url}/v2/"), timeout=TIMEOUT_SECONDS):  # noqa: S310
            return None
    except urllib.error.HTTPError as error:
        challenge = error.headers.get("WWW-Authenticate", "")
        if error.code != 401 or not challenge.lower().startswith("bearer "):
            raise RegistryError(f"{image.registry}/v2/ answered {error.code} without a bearer challenge") from None
    fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    scope = f"repository:{image.repository}:pull"
    query = urllib.parse.urlencode({"service": fields.get("service", ""), "scope": scope})
    with urllib.request.urlopen(_request(f"{fields['realm']}?{query}"), timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
        document = json.load(answer)
    return str(document.get("token") or document["access_token"])


def current_digest(image: ImageReference) -> str:
    """The digest the registry serves for the image's tag."""
    try:
        token = bearer_token(image)
        headers = {"Accept": MANIFEST_TYPES} | ({"Authorization": f"Bearer {token}"} if token else {})
        url = f"{image.base_url}/v2/{image.repository}/manifests/{image.tag}"
        with urllib.request.urlopen(_request(url, "HEAD", headers), timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            digest = str(answer.headers.get("Docker-Content-Digest", ""))
    except (OSError, ValueError, KeyError) as error:  # URLError and HTTPError are OSErrors
        raise RegistryError(f"cannot ask {image.registry} for {image.repository}:{image.tag}: {error}") from None
    if not DIGEST.match(digest):
        raise RegistryError(f"{image.registry} gave no sha256 digest for {image.repository}:{image.tag}")
    return digest


def shown(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def refresh(dockerfile: Path) -> list[str]:
    """Pin every FROM line of ``dockerfile`` to its tag's current digest; returns one report line per image."""
    text, reports = dockerfile.read_text(), []
    for match in FROM_LINE.finditer(text):
        image = ImageReference.parse(match.group(2))
        digest = current_digest(image)
        change = "unchanged" if digest == image.digest else f"{image.digest or 'by tag'} -> {digest}"
        reports.append(f"{shown(dockerfile)}: {image.written}:{image.tag} {change}")
        text = text.replace(match.group(0), f"{match.group(1)}{image.pinned(digest)}{match.group(3)}", 1)
    dockerfile.write_text(text)
    return reports


def main(argv: list[str] | None = None) -> int:
    paths = [Path(name).resolve() for name in (argv if argv is not None else sys.argv[1:])]
    failed = False
    for dockerfile in paths or [REPO_ROOT / name for name in DOCKERFILES]:
        try:
            print("\n".join(refresh(dockerfile)), flush=True)
        except RegistryError as error:
            print(f"{shown(dockerfile)}: left as it was: {error}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
