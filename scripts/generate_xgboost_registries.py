"""Write cdk_constructs/xgboost_registries.json from sagemaker-core's bundled image URI configuration.

Synthesis reads that JSON file with the standard library instead of importing ``sagemaker.core`` (seconds, and
it raises when ``AWS_PROFILE`` names a profile the machine does not have). Run this after upgrading
sagemaker-core or changing ``XGBOOST_VERSIONS``; ``--check`` exits 1 when the committed file is out of date.

    .venv/bin/python -m scripts.generate_xgboost_registries [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from stacks.config_training import XGBOOST_VERSIONS

REGISTRIES_FILE = Path(__file__).resolve().parents[1] / "cdk_constructs" / "xgboost_registries.json"
SOURCE = "sagemaker-core: image_uris.config_for_framework('xgboost')['training']['versions']"
REGENERATE = "python -m scripts.generate_xgboost_registries"


def registries_from_sagemaker_core(versions: Iterable[str] = XGBOOST_VERSIONS) -> dict[str, Any]:
    """The document the JSON file holds: per version, the ECR repository name and region -> account."""
    from sagemaker.core import image_uris  # imported here so that `--help` works without it

    training = image_uris.config_for_framework("xgboost")["training"]["versions"]
    return {
        "source": SOURCE,
        "regenerate": REGENERATE,
        "versions": {version: _image_entry(training[version]) for version in versions},
    }


def _image_entry(config: dict[str, Any]) -> dict[str, Any]:
    registries = {str(region): str(account) for region, account in config["registries"].items()}
    return {"repository": str(config["repository"]), "registries": registries}


def render(document: dict[str, Any]) -> str:
    """The file's exact text: sorted keys, two-space indent, a final newline (stable diffs)."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REGISTRIES_FILE, help="where to write (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if --out differs")
    args = parser.parse_args(argv)
    expected = render(registries_from_sagemaker_core())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != expected:
            print(f"{args.out} is out of date with sagemaker-core: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(expected, encoding="utf-8")
    print(f"wrote {args.out} ({len(expected)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
