"""The arm64 root's mirror comes from the machine's apt configuration (scripts/apt_sources.py), in both formats."""

from __future__ import annotations

from pathlib import Path

from scripts.apt_sources import debian_mirror, source_files
from tests.conftest import REPO_ROOT

DEB822 = """Types: deb
# a snapshot, in a comment
URIs: http://mirror.example.internal/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.internal/debian-security
Suites: bookworm-security
Components: main
"""


def apt_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_a_deb822_source_names_the_mirror(tmp_path: Path) -> None:
    assert debian_mirror(apt_dir(tmp_path, {"sources.list.d/debian.sources": DEB822})) == (
        "http://mirror.example.internal/debian"
    )


def test_a_one_line_source_with_options_names_the_mirror(tmp_path: Path) -> None:
    text = "# corporate\ndeb-src http://src.example/debian bookworm main\n"
    text += "deb [arch=amd64 signed-by=/k.gpg] http://proxy.example/debian trixie main contrib\n"
    assert debian_mirror(apt_dir(tmp_path, {"sources.list": text})) == "http://proxy.example/debian"


def test_security_pockets_other_distributions_and_disabled_files_are_passed_over(tmp_path: Path) -> None:
    files = {
        "sources.list": "deb http://security.example/debian-security bookworm-security main\n",
        "sources.list.d/a-ubuntu.list": "deb http://archive.example/ubuntu noble main\n",
        "sources.list.d/b-off.sources": "Enabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm\n"
        "Components: main\n",
        "sources.list.d/c.list.disabled-by-farm": "deb http://ignored.example/debian bookworm main\n",
        "sources.list.d/d-debian.sources": DEB822,
    }
    folder = apt_dir(tmp_path, files)
    assert [path.name for path in source_files(folder)] == ["sources.list", "a-ubuntu.list", "b-off.sources",
                                                            "d-debian.sources"]  # fmt: skip
    assert debian_mirror(folder) == "http://mirror.example.internal/debian"


def test_no_debian_archive_means_none(tmp_path: Path) -> None:
    assert debian_mirror(apt_dir(tmp_path, {"sources.list": "deb http://archive.example/ubuntu jammy main\n"})) is None
    assert debian_mirror(tmp_path / "absent") is None


def test_no_mirror_address_is_written_into_the_arm64_set_up() -> None:
    script = (REPO_ROOT / "scripts" / "aarch64_root.py").read_text()
    assert "http://" not in script and "https://" not in script
