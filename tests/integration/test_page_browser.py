"""The page in a real browser (Debian's Chromium, driven by Playwright): edit a field, predict, explain.

The numbers the page shows are checked against the API's own answers for the same row, and the chart's
bars against the explanation's contributions. ``make test`` installs Chromium (``make browser``); a machine
without it skips with the reason. ``make screenshot`` keeps the picture in docs/page.png.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import RunningServer, launch_server
from tests.support.datasets import HOUSING

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (`make browser` installs it)")
LAUNCH_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SCREENSHOT = os.environ.get("PAGE_SCREENSHOT")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def fraud_server(fraud_model: Path, tmp_path_factory) -> Iterator[RunningServer]:
    server = launch_server({"MODEL_URI": str(fraud_model)}, tmp_path_factory.mktemp("fraud-page"))
    yield server
    server.stop()


def open_page(browser: Any, server: RunningServer) -> Any:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"http://127.0.0.1:{server.port}/")
    page.wait_for_selector("#fields input, #fields select")
    page.errors = errors  # type: ignore[attr-defined]
    return page


def api(server: RunningServer, route: str, row: dict[str, Any]) -> Any:
    reply = server.request("POST", route, json.dumps({"instances": [row]}), {"content-type": "application/json"})
    assert reply.status == 200, reply.body
    return reply.json()


def test_a_person_edits_a_field_predicts_and_explains(browser, http_server) -> None:
    page = open_page(browser, http_server)
    labels = page.eval_on_selector_all("#fields label", "nodes => nodes.map(n => n.htmlFor)")
    inputs = page.eval_on_selector_all("#fields input", "nodes => nodes.map(n => n.id)")
    assert labels == inputs and len(inputs) == 8, "every input has its label, for screen readers"
    page.fill("#feature-MedInc", "5.5")
    page.focus("#feature-MedInc")
    page.keyboard.press("Enter")  # submitting from the keyboard predicts
    page.wait_for_selector("#answer:not([hidden])")
    row = {**HOUSING.example, "MedInc": 5.5}
    expected = api(http_server, "/predict", row)["predictions"][0]
    shown = page.text_content("#prediction") or ""
    assert shown.endswith("USD") and float(shown.split()[0].replace(",", "")) == pytest.approx(expected, abs=1.0)
    page.click("#explain")
    page.wait_for_selector("#explanation:not([hidden]) rect")
    explanation = api(http_server, "/explain", row)["explanations"][0]
    bars = page.eval_on_selector_all("#chart rect", "r => r.map(b => [b.dataset.step, Number(b.dataset.value)])")
    ordered = sorted(explanation["contributions"].items(), key=lambda item: -abs(item[1]))
    assert [name for name, _ in bars] == ["bias (expected value)", *[name for name, _ in ordered], "prediction"]
    assert [value for _, value in bars[1:-1]] == pytest.approx([value for _, value in ordered], abs=1e-6)
    # the last bar adds the exact (float64) contributions; the prediction is xgboost's float32, within its rounding
    assert bars[0][1] == pytest.approx(explanation["bias"]) and bars[-1][1] == pytest.approx(expected, rel=1e-6)
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_classifier_page_offers_categories_and_shows_probabilities(browser, fraud_server) -> None:
    page = open_page(browser, fraud_server)
    options = page.eval_on_selector_all("#feature-channel option", "o => o.map(x => x.value)")
    assert options == ["web", "store", "phone"]
    page.select_option("#feature-channel", "phone")
    page.fill("#feature-age", "")  # an optional feature left empty is sent as missing
    page.click("#predict")
    page.wait_for_selector("#answer:not([hidden])")
    row = {"amount": 120.5, "channel": "phone", "age": None, "hour": 14.0, "risk": 0.2}
    expected = api(fraud_server, "/predict", row)["predictions"][0]
    assert (page.text_content("#prediction") or "").startswith(expected["label"])
    cells = page.eval_on_selector_all("#probabilities tbody td", "c => c.map(x => x.textContent)")
    assert cells[0::2] == ["legit", "fraud"]
    assert [float(c) for c in cells[1::2]] == pytest.approx(list(expected["probabilities"].values()), abs=1e-4)


def test_a_bad_value_is_reported_on_its_field(browser, http_server) -> None:
    page = open_page(browser, http_server)
    page.fill("#feature-Latitude", "99")
    page.click("#predict")
    page.wait_for_selector("#error:not([hidden])")
    assert (page.text_content("#error") or "").startswith("Latitude: Latitude must be between 32 and 42.5")
    assert page.get_attribute("#feature-Latitude", "aria-invalid") == "true"
