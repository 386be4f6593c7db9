"""The Debian mirror this machine's apt already uses, read from its configuration (no address in the repository).

Reads ``/etc/apt/sources.list`` and ``/etc/apt/sources.list.d/*.list`` (one-line ``deb [options] URI suite
components...``) and ``*.sources`` (deb822 stanzas: ``Types``, ``URIs``, ``Suites``, ``Components``), in apt's
order. The mirror is the first ``deb`` source with the ``main`` component whose suite is a Debian release (a code
name such as ``bookworm``, or ``stable``...), not its ``-security``, ``-updates`` or ``-backports`` pocket: the same
archive serves every release, so a machine on another Debian release (or behind a corporate mirror) works too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

APT_DIR = Path("/etc/apt")
DEBIAN_RELEASES = frozenset({"buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid",
                             "oldoldstable", "oldstable", "stable", "testing", "unstable"})  # fmt: skip


class AptSource(NamedTuple):
    types: tuple[str, ...]
    uris: tuple[str, ...]
    suites: tuple[str, ...]
    components: tuple[str, ...]


def source_files(apt_dir: Path = APT_DIR) -> list[Path]:
    """The files apt reads, in its order: sources.list, then sources.list.d's ``.list`` and ``.sources`` by name."""
    parts = apt_dir / "sources.list.d"
    listed = sorted(p for p in parts.glob("*") if p.suffix in (".list", ".sources")) if parts.is_dir() else []
    return [path for path in (apt_dir / "sources.list", *listed) if path.is_file()]


def one_line_sources(text: str) -> Iterator[AptSource]:
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if words and words[0] in ("deb", "deb-src"):
            if len(words) > 1 and words[1].startswith("["):  # [arch=amd64 signed-by=...]: options, up to "]"
                end = next((i for i, word in enumerate(words) if word.endswith("]")), len(words) - 1)
                words = [words[0], *words[end + 1 :]]
            if len(words) >= 3:
                yield AptSource((words[0],), (words[1],), (words[2],), tuple(words[3:]))


def deb822_sources(text: str) -> Iterator[AptSource]:
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.strip() and not line.lstrip().startswith("#") and ":" in line and not line[0].isspace():
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
        if fields.get("enabled", "yes").lower() != "no" and "uris" in fields:
            yield AptSource(*(tuple(fields.get(key, "").split()) for key in ("types", "uris", "suites", "components")))


def debian_mirror(apt_dir: Path = APT_DIR) -> str | None:
    """The URI of the first Debian archive apt is configured with, or None when there is none."""
    for path in source_files(apt_dir):
        text = path.read_text(encoding="utf-8", errors="replace")
        parsed = deb822_sources(text) if path.suffix == ".sources" else one_line_sources(text)
        for source in parsed:
            if "deb" in source.types and "main" in source.components and DEBIAN_RELEASES & set(source.suites):
                return source.uris[0].rstrip("/")
    return None
