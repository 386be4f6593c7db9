"""Set up an emulated aarch64 CPython 3.11 (QEMU user mode) with each image's requirements, cached in build/aarch64.

    python -m scripts.aarch64_root [--dir build/aarch64]

1. ``qemu-user-static`` and ``debootstrap`` from apt when missing (needs root; runs ``apt-get update`` first).
2. ``debootstrap --arch=arm64 --foreign --variant=minbase --include=python3 bookworm <mirror>``, then ``dpkg -x`` of
   every downloaded package: an aarch64 Debian root with Python 3.11, without a second stage, chroot or binfmt_misc.
   The mirror is the Debian archive this machine's apt uses (``scripts/apt_sources.py``), so a corporate mirror works.
3. For each image, ``pip download`` of its requirements as cp311 aarch64 wheels, unpacked into a folder that goes on
   ``PYTHONPATH``; keyed on the requirements file's content, so editing it rebuilds only that folder.

Prints the wrapper (``bin/python3.11``: the emulated interpreter on a Graviton2-like CPU) and each image's
PYTHONPATH folder. A file lock makes concurrent callers (pytest-xdist workers) wait for one set-up. Exit code 3:
this machine cannot install the tools (not root, or no apt-get); anything else that fails is an error.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from scripts.apt_sources import debian_mirror

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO_ROOT / "build" / "aarch64"
IMAGES = ("lambda_image", "fargate_image")
SUITE, PYTHON_VERSION = "bookworm", "3.11"
ROOT_KEY = f"debootstrap arm64 minbase python3 {SUITE} v3"
WHEEL_PLATFORMS = ("manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64")
APT_PACKAGES = {"qemu-aarch64-static": "qemu-user-static", "debootstrap": "debootstrap"}
DEFAULT_CPU = "neoverse-n1"
"""Graviton2's core, what arm64 Lambda runs on: NEON only. (QEMU's ``max`` adds SVE, as Graviton3 and later have.)"""
UNAVAILABLE_EXIT_CODE = 3


class EmulationUnavailable(RuntimeError):
    """The tools are missing and this machine cannot install them (the test tier skips with this reason)."""


@dataclass(frozen=True)
class EmulatedPython:
    """An aarch64 interpreter run through qemu-aarch64-static, and one PYTHONPATH folder per image."""

    qemu: Path
    root: Path
    wrapper: Path
    site_dirs: dict[str, Path]

    def command(self, cpu: str = DEFAULT_CPU) -> list[str]:
        return emulated_command(self.qemu, self.root, cpu)


def emulated_command(qemu: Path, root: Path, cpu: str = DEFAULT_CPU) -> list[str]:
    return [str(qemu), "-cpu", cpu, "-L", str(root), str(root / "usr/bin" / f"python{PYTHON_VERSION}")]


def _run(command: list[str], **options: object) -> None:
    subprocess.run(command, check=True, **options)  # type: ignore[call-overload]  # noqa: S603 - fixed argv


def tool(name: str) -> str | None:
    """A tool's path, looking in the sbin folders too (debootstrap lives there, off a normal user's PATH)."""
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))


def install_tools() -> Path:
    """qemu-aarch64-static's path, apt-installing it and debootstrap first when either is missing."""
    missing = [package for name, package in APT_PACKAGES.items() if tool(name) is None]
    if missing:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise EmulationUnavailable(f"{' and '.join(missing)} not installed, and installing needs root and apt-get")
        apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "-qq"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        _run([*apt, "update"], env=env)
        _run([*apt, "install", "-y", "--no-install-recommends", *missing], env=env)
    qemu = tool("qemu-aarch64-static")
    if qemu is None:
        raise RuntimeError("qemu-user-static is installed but qemu-aarch64-static is not on PATH")
    return Path(qemu)


def _stamp_matches(folder: Path, key: str) -> bool:
    return (folder / ".ready").is_file() and (folder / ".ready").read_text() == key


def _replace(folder: Path, partial: Path, key: str) -> None:
    """Move a finished ``partial`` into place, stamped with ``key``: a crash never leaves a half-built folder."""
    (partial / ".ready").write_text(key)
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


def debian_root(folder: Path, qemu: Path) -> Path:
    """A Debian bookworm arm64 root holding python3.11 (the first debootstrap stage plus ``dpkg -x``)."""
    if _stamp_matches(folder, ROOT_KEY):
        return folder
    if os.geteuid() != 0:
        raise EmulationUnavailable("debootstrap needs root to create the aarch64 root")
    mirror = debian_mirror()
    if mirror is None:
        raise EmulationUnavailable("no Debian archive in /etc/apt/sources.list* to fetch the arm64 root from")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    options = ["--arch=arm64", "--foreign", "--variant=minbase", "--include=python3"]
    _run([tool("debootstrap") or "debootstrap", *options, SUITE, str(partial), mirror], stdout=subprocess.DEVNULL)
    for package in sorted((partial / "var/cache/apt/archives").glob("*.deb")):
        _run(["dpkg", "-x", str(package), str(partial)])
        package.unlink()
    if not (partial / "usr/bin" / f"python{PYTHON_VERSION}").is_file():
        raise RuntimeError(f"debootstrap finished but {partial}/usr/bin/python{PYTHON_VERSION} is missing")
    compile_bytecode(partial / "usr/lib" / f"python{PYTHON_VERSION}", emulated_command(qemu, partial))
    _replace(folder, partial, ROOT_KEY)
    return folder


def compile_bytecode(folder: Path, emulated: list[str]) -> None:
    """Write ``__pycache__`` now, as the images' ``compileall`` does (dpkg -x skips Debian's py3compile, and
    PYTHONDONTWRITEBYTECODE may be set): emulated imports from source cost seconds (numpy 5 s instead of 2 s).
    A host CPython 3.11 writes the same bytecode far faster than the emulated one. Failures only cost speed."""
    python = [sys.executable] if sys.version_info[:2] == (3, 11) else emulated
    command = [*python, "-m", "compileall", "-q", "-j", "0", str(folder)]
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def requirements_key(requirements: Path) -> str:
    inputs = [requirements.read_bytes(), PYTHON_VERSION.encode(), " ".join(WHEEL_PLATFORMS).encode(), b"v2"]
    return hashlib.sha256(b"\0".join(inputs)).hexdigest()[:16]


def site_dir(cache: Path, image: str, emulated: list[str]) -> Path:
    """The image's requirements as aarch64 cp311 wheels, unpacked into one folder for PYTHONPATH."""
    requirements = REPO_ROOT / image / "requirements.txt"
    key = requirements_key(requirements)
    folder = cache / f"{image}-site-{key}"
    if _stamp_matches(folder, key):
        return folder
    partial, downloads = folder.with_name(folder.name + ".partial"), cache / f"{image}-wheels-{key}"
    shutil.rmtree(partial, ignore_errors=True)
    platforms = [option for platform in WHEEL_PLATFORMS for option in ("--platform", platform)]
    _run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--only-binary=:all:",
          "--python-version", PYTHON_VERSION, "--implementation", "cp", *platforms, "-r", str(requirements),
          "-d", str(downloads)])  # fmt: skip
    for wheel in sorted(downloads.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(partial)
    compile_bytecode(partial, emulated)
    _replace(folder, partial, key)
    shutil.rmtree(downloads)
    for stale in cache.glob(f"{image}-site-*"):  # folders of earlier requirements
        if stale != folder and not stale.name.endswith(".partial"):
            shutil.rmtree(stale, ignore_errors=True)
    return folder


def write_wrapper(path: Path, command: list[str]) -> Path:
    """A shell script that execs the emulated interpreter (qemu forwards signals, so SIGTERM reaches Python)."""
    text = "#!/bin/sh\nexec " + " ".join(f"'{part}'" for part in command) + ' "$@"\n'
    if not path.is_file() or path.read_text() != text:  # replaced atomically: another worker may be running it
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text)
        partial.chmod(0o755)
        partial.replace(path)
    return path


def ensure(cache: Path = DEFAULT_DIR) -> EmulatedPython:
    """Build what is missing or stale, under a file lock; returns the ready interpreter."""
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        qemu = install_tools()
        root = debian_root(cache / "root", qemu)
        emulated = emulated_command(qemu, root)
        sites = {image: site_dir(cache, image, emulated) for image in IMAGES}
        return EmulatedPython(qemu, root, write_wrapper(cache / "bin" / f"python{PYTHON_VERSION}", emulated), sites)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="cache folder (default: build/aarch64)")
    args = parser.parse_args(argv)
    try:
        python = ensure(args.dir.resolve())
    except EmulationUnavailable as error:
        print(f"cannot set up aarch64 emulation here: {error}", file=sys.stderr)
        return UNAVAILABLE_EXIT_CODE
    print(f"aarch64 python: {python.wrapper}")
    for image, folder in python.site_dirs.items():
        print(f"  {image}: PYTHONPATH={folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
