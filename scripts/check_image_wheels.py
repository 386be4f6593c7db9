"""Check that every image dependency installs from wheels on both Lambda/Fargate architectures.

For each image and each of manylinux_2_28 x86_64 and aarch64, ``pip download --only-binary=:all:`` the image's
requirements (with their dependencies) for CPython 3.12, then print the wheels and their total size. Exits
non-zero when something has no wheel, or when a package that must stay out of the images shows up.

    python scripts/check_image_wheels.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
IMAGES = ("lambda_image", "fargate_image")
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64")
PYTHON_VERSION = "3.12"
FORBIDDEN = ("xgboost", "xgboost_cpu", "pandas", "scikit_learn", "nvidia_nccl_cu12")
"""Distributions (wheel-name spelling) no image may contain: the runtime needs numpy only."""


def download(requirements: Path, platform: str, dest: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet",
        "--only-binary=:all:", "--platform", platform, "--python-version", PYTHON_VERSION,
        "--implementation", "cp", "-r", str(requirements), "-d", str(dest),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv, no shell


def check(image: str, platform: str, dest: Path) -> list[str]:
    """Download one image's wheels for one platform, print them; return the problems found."""
    result = download(REPO_ROOT / image / "requirements.txt", platform, dest)
    if result.returncode != 0:
        return [f"{image} {platform}: pip download failed:\n{result.stderr.strip()}"]
    wheels = sorted(dest.glob("*.whl"))
    total = sum(wheel.stat().st_size for wheel in wheels)
    print(f"{image} {platform}: {len(wheels)} wheels, {total / 1e6:.1f} MB")
    for wheel in wheels:
        print(f"  {wheel.stat().st_size / 1e6:7.2f} MB  {wheel.name}")
    names = {wheel.name.split("-", 1)[0].lower() for wheel in wheels}
    return [f"{image} {platform}: {name} must not be in the image" for name in FORBIDDEN if name in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="download into this folder and keep the wheels")
    args = parser.parse_args(argv)
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        for image in IMAGES:
            for platform in PLATFORMS:
                dest = root / image / platform
                dest.mkdir(parents=True, exist_ok=True)
                problems += check(image, platform, dest)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    print(
        "all image dependencies have wheels for both architectures" if not problems else f"{len(problems)} problem(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
