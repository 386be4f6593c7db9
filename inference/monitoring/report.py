"""``report.json``: one window against the baseline, per feature and for the answers, and what has drifted.

Per feature: ``psi`` over the baseline's bins (missing and unseen are bins too), ``drift`` (``psi`` at or above
the feature's ``threshold``, once the window has ``MIN_ROWS`` rows), the share missing then and now, the share
of unseen categories, and both distributions bin by bin. The same for the answers, and the live metric next
to the validation one where ground truth was joined.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from inference.monitoring import histogram
from inference.monitoring.baseline import Bins
from inference.monitoring.stats import WindowStats
from inference.monitoring.store import Window

MIN_ROWS = 100
"""Fewer rows than this say too little: their PSI is reported but flags nothing."""
REPORT_FORMAT = 1


def distribution(bins: Bins, counts: np.ndarray, threshold: float, enough: bool) -> dict[str, Any]:
    """PSI, drift and the shares of one feature (or of the answers) in the window against the baseline."""
    window = histogram.shares(counts)
    total = int(counts.sum())
    value = round(histogram.psi(bins.shares, window), 6) if total else None
    return {
        "psi": value,
        "drift": bool(enough and value is not None and value >= threshold),
        "threshold": threshold,
        "rows": total,
        "missing_share": round(float(window[-2]), 6),
        "baseline_missing_share": bins.missing,
        "missing_change": round(float(window[-2]) - bins.missing, 6),
        "unseen_share": round(float(window[-1]), 6),
        "bins": {
            "labels": bins.labels(),
            "baseline": list(bins.shares),
            "window": [round(float(share), 6) for share in window],
        },
    }


def report_document(stats: WindowStats, window: Window | None, generated: dt.datetime) -> dict[str, Any]:
    stats.flush()
    baseline, enough = stats.baseline, stats.rows >= MIN_ROWS
    features = {f.name: distribution(f.bins, counts, f.threshold, enough)
                for f, counts in zip(baseline.features, stats.features, strict=True)}  # fmt: skip
    answers, quality = None, None
    if baseline.answers is not None and stats.answers is not None:
        a = baseline.answers
        answers = {"kind": a.kind} | distribution(a.bins, stats.answers, a.threshold, stats.answered_rows >= MIN_ROWS)
        live, joined = stats.live_metric()
        quality = {"metric": a.metric, "validation": a.validation, "live": live, "rows": joined}
    records = {"lines": stats.records["lines"], "malformed": stats.records["malformed"],
               "unreadable": stats.records["unreadable"],
               "by_status": {str(k): v for k, v in sorted(stats.statuses.items())},
               "by_backend": dict(sorted(stats.backends.items())),
               "by_model_version": dict(sorted(stats.versions.items()))}  # fmt: skip
    return {
        "format": REPORT_FORMAT,
        "dataset": baseline.dataset,
        "model_version": stats.bundle.version,
        "window": None if window is None else _window(window),
        "generated": _iso(generated),
        "records": records,
        "rows": stats.rows,
        "answered_rows": stats.answered_rows,
        "min_rows": MIN_ROWS,
        "enough_rows": enough,
        "drifted_features": [name for name, feature in features.items() if feature["drift"]],
        "features": features,
        "answers": answers,
        "quality": quality,
    }


def _window(window: Window) -> dict[str, Any]:
    return {"name": window.name, "start": _iso(window.start), "end": _iso(window.end), "hours": window.hours}


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
