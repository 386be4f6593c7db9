"""The monitoring report in a real browser (Debian's Chromium, driven by Playwright), reached from the page.

Records captured from a shifted sample are monitored into ``report.html``; the server started with
``MONITOR_REPORT`` shows the page's link to it, and the report names the drifted feature, draws a chart per
feature and the answers, and loads nothing its content security policy refuses. ``make screenshot`` keeps the
picture in docs/monitoring-report.png.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from inference import Predictor
from inference.monitoring.run import Sources, monitor
from inference.monitoring.store import Store
from tests.integration.test_page_browser import CHROMIUM, browser, open_page  # noqa: F401 (the fixture)
from tests.support.datasets import FRAUD, rows_for
from tests.support.monitoring import baseline_for, capture_lines

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (`make browser` installs it)")
SCREENSHOT = os.environ.get("REPORT_SCREENSHOT")


def test_the_page_links_to_the_report_which_shows_the_drifted_feature(browser, start_server, fraud_model,  # noqa: F811
                                                                      tmp_path: Path) -> None:  # fmt: skip
    predictor = Predictor(str(fraud_model), "card-fraud-2026-05-01")
    rows = rows_for(FRAUD, 1200, seed=21)
    rows[:, FRAUD.index["age"]] += 40  # the customers got older
    capture = tmp_path / "capture" / "fargate" / "2026/05/01/09"
    capture.mkdir(parents=True)
    lines = [line for _, line in capture_lines(predictor, FRAUD, rows, backend="fargate", per_request=4)]
    (capture / "records.jsonl").write_text("\n".join(lines) + "\n")
    sources = Sources(Store(str(tmp_path / "capture")), None, Store(str(tmp_path / "monitor")), ("",))
    monitor(predictor.bundle, baseline_for(predictor.bundle, "auc"), sources, None, dt.datetime.now(dt.UTC))
    server = start_server({"MODEL_URI": str(fraud_model), "MONITOR_REPORT": str(tmp_path / "monitor/report.html")})
    page = open_page(browser, server)
    page.click("#monitoring a")
    page.wait_for_selector(".alert")
    assert page.inner_text(".alert.drift").startswith("Drift: age (PSI")
    assert page.eval_on_selector_all("tr.drifted td:first-child", "c => c.map(x => x.textContent)") == ["age (drift)"]
    assert page.eval_on_selector_all("figure", "f => f.length") == len(FRAUD.features) + 1  # each feature, the answers
    if SCREENSHOT:
        page.set_viewport_size({"width": 1100, "height": 900})
        page.screenshot(path=SCREENSHOT, full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]  (a refused style or resource would be logged here)


def test_without_a_report_the_link_says_where_reports_are(browser, http_server) -> None:  # noqa: F811
    page = open_page(browser, http_server)
    page.click("#monitoring a")
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "No monitoring report here yet"
    assert "monitoring/latest/report.html" in page.inner_text("body")
    assert page.errors == []  # type: ignore[attr-defined]
