"""make scan: checkov on the synthesized CloudFormation templates, judged against listed acceptances.

Runs checkov (from the scan venv, build/scan-venv: its pins conflict with the main venv) on every
``<dir>/*.template.json``, offline (``--skip-download``). Each failed check must match an entry of
security/checkov-acceptances.yaml (check id, template file names, resources as ``<Type>.<LogicalId>`` exactly,
and a reason); every resource an entry lists must still have that finding, and a pattern is refused. Prints the
counts and exits 1 on an unaccepted finding or a stale acceptance.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKOV = REPO_ROOT / "build" / "scan-venv" / "bin" / "checkov"
ACCEPTANCES = REPO_ROOT / "security" / "checkov-acceptances.yaml"


@dataclass(frozen=True)
class Finding:
    check: str
    name: str
    template: str
    resource: str  # "<Type>.<LogicalId>"

    def __str__(self) -> str:
        return f"{self.check} {self.template} {self.resource}: {self.name}"


def load_acceptances(path: Path) -> list[dict[str, Any]]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for entry in entries:
        missing = {"check", "templates", "resources", "reason"} - set(entry)
        if missing or len(str(entry.get("reason", "")).strip()) < 20:
            raise SystemExit(f"{path}: every acceptance needs check, templates, resources and a reason: {entry}")
        patterns = [name for name in (*entry["templates"], *entry["resources"]) if set(name) & set("*?[")]
        if patterns:
            raise SystemExit(f"{path}: name each template and resource (<Type>.<LogicalId>), not a pattern: {patterns}")
    return list(entries)


def run_checkov(templates: list[Path], checkov: Path) -> tuple[list[Finding], int]:
    """Failed checks and the number of passed checks, from checkov's JSON report."""
    command = [str(checkov), "--framework", "cloudformation", "--output", "json", "--compact", "--quiet",
               "--skip-download", *(arg for t in templates for arg in ("--file", str(t)))]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)  # noqa: S603 (our argv)
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise SystemExit(f"checkov failed ({result.returncode}):\n{result.stderr[-3000:]}")
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    findings, passed = [], 0
    for report in reports:
        passed += report["summary"]["passed"]
        for failed in report["results"]["failed_checks"]:
            findings.append(Finding(failed["check_id"], failed["check_name"], Path(failed["file_path"]).name,
                                    failed["resource"]))  # fmt: skip
    return findings, passed


def matches(entry: dict[str, Any], finding: Finding) -> bool:
    return (
        entry["check"] == finding.check
        and finding.template in entry["templates"]
        and finding.resource in entry["resources"]
    )


def judge(findings: list[Finding], acceptances: list[dict[str, Any]]) -> tuple[list[Finding], list[tuple[str, str]]]:
    """The findings no acceptance covers, and the (check, resource) pairs accepted that have no such finding."""
    unaccepted = [f for f in findings if not any(matches(entry, f) for entry in acceptances)]
    found = {(f.check, f.resource) for f in findings}
    stale = [(entry["check"], resource) for entry in acceptances for resource in entry["resources"]
             if (entry["check"], resource) not in found]  # fmt: skip
    return unaccepted, stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", default=str(REPO_ROOT / "cdk.out"), help="directory of *.template.json")
    parser.add_argument("--acceptances", default=str(ACCEPTANCES))
    parser.add_argument("--checkov", default=str(CHECKOV))
    args = parser.parse_args(argv)
    templates = sorted(Path(args.templates).glob("*.template.json"))
    if not templates:
        raise SystemExit(f"no *.template.json in {args.templates}: run `make synth` first")
    if not Path(args.checkov).exists():
        raise SystemExit(f"{args.checkov} is missing: run `make scan-venv`")
    findings, passed = run_checkov(templates, Path(args.checkov))
    unaccepted, stale = judge(findings, load_acceptances(Path(args.acceptances)))
    by_check: dict[str, int] = {}
    for finding in findings:
        by_check[finding.check] = by_check.get(finding.check, 0) + 1
    counts = ", ".join(f"{check} x{count}" for check, count in sorted(by_check.items()))
    print(f"checkov on {', '.join(t.name for t in templates)}: {passed} passed, {len(findings)} failed, "
          f"{len(findings) - len(unaccepted)} accepted ({counts}), {len(unaccepted)} unaccepted")  # fmt: skip
    for finding in unaccepted:
        print(f"UNACCEPTED {finding}")
    for check, resource in stale:
        print(f"STALE acceptance (no such finding; remove it): {check} {resource}")
    return 1 if unaccepted or stale else 0


if __name__ == "__main__":
    sys.exit(main())
