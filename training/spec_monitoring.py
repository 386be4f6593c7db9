"""The monitoring keys of a dataset spec: ``[monitoring] psi_threshold`` (every feature's and the answers'
threshold, default 0.2) and, per feature, ``drift_threshold`` (that feature's own). They travel into
``baseline.json``, which the monitor reads; the schema never holds them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inference.monitoring.baseline import DEFAULT_PSI_THRESHOLD, BaselineError
from inference.monitoring.baseline_document import number

FEATURE_KEY = "drift_threshold"
MonitoringKeyError = BaselineError
"""A monitoring key with a value the monitor cannot use (the baseline would refuse it); names file and key."""


def psi_threshold(document: dict[str, Any], path: Path) -> float:
    table = document.get("monitoring", {})
    if not isinstance(table, dict) or set(table) - {"psi_threshold"}:
        raise MonitoringKeyError(f"{path}: monitoring must be a table with the key psi_threshold")
    return number(table.get("psi_threshold", DEFAULT_PSI_THRESHOLD), f"{path}: monitoring.psi_threshold", positive=True)


def drift_thresholds(features: object, path: Path) -> dict[str, float]:
    """Feature name -> its own threshold, for the features that set one."""
    found = {}
    for i, feature in enumerate(features if isinstance(features, list) else []):
        if isinstance(feature, dict) and FEATURE_KEY in feature:
            where = f"{path}: features[{i}].{FEATURE_KEY}"
            found[str(feature.get("name"))] = number(feature[FEATURE_KEY], where, positive=True)
    return found
