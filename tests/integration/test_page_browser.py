"""The page in a real browser (Debian's Chromium, driven by Playwright): edit a field, predict, explain.

The numbers the page shows are checked against the API's own answers for the same row, and the chart's
bars against the explanation's contributions. ``make test`` installs Chromium (``make browser``); a machine
without it skips with the reason. ``make screenshot`` keeps the picture in docs/page.png.
"""

from __future__ import annotations

import json
import os
import re
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


def shown_answers(page: Any) -> dict[str, Any]:
    """What the page shows of its answers: visible sections, the prediction's text, the chart's bars and rows."""
    return page.evaluate("""() => ({
        answer: !document.getElementById("answer").hidden, explanation: !document.getElementById("explanation").hidden,
        prediction: document.getElementById("prediction").textContent,
        bars: document.querySelectorAll("#chart rect").length,
        rows: document.querySelectorAll("#contributions tbody tr").length})""")


def predict_and_explain(page: Any) -> None:
    page.click("#predict")
    page.wait_for_selector("#answer:not([hidden])")
    page.click("#explain")
    page.wait_for_selector("#explanation:not([hidden]) rect")


def test_a_refused_value_clears_the_previous_answer_and_names_its_field_once(browser, http_server) -> None:
    page = open_page(browser, http_server)
    predict_and_explain(page)
    before = shown_answers(page)
    assert before["answer"] and before["explanation"] and before["prediction"].endswith("USD") and before["bars"] == 10
    page.fill("#feature-MedInc", "999")
    page.click("#predict")
    page.wait_for_selector("#error:not([hidden])")
    message = page.text_content("#error") or ""
    assert message == "MedInc must be between 0 and 150 (tens of thousands of USD), got 999"
    assert page.get_attribute("#feature-MedInc", "aria-invalid") == "true"
    after = shown_answers(page)
    assert after == {"answer": False, "explanation": False, "prediction": "", "bars": 0, "rows": 0}, (
        "no answer or chart of the previous row stays on screen under the refused value"
    )
    page.fill("#feature-MedInc", "8.3252")  # the example again: answered as before, the error gone
    page.click("#predict")
    page.wait_for_selector("#answer:not([hidden])")
    assert page.is_hidden("#error") and page.text_content("#prediction") == before["prediction"]
    refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert page.errors == [refused], "the browser's own log line for the 400, and no script error"  # type: ignore[attr-defined]


def test_an_explanation_of_other_values_is_cleared_by_a_new_prediction(browser, http_server) -> None:
    page = open_page(browser, http_server)
    predict_and_explain(page)
    page.fill("#feature-HouseAge", "12")
    page.click("#predict")
    page.wait_for_function("() => document.getElementById('explanation').hidden")
    shown = shown_answers(page)
    assert shown["answer"] and not shown["explanation"] and shown["bars"] == 0
    expected = api(http_server, "/predict", {**HOUSING.example, "HouseAge": 12.0})["predictions"][0]
    assert float((page.text_content("#prediction") or "").split()[0].replace(",", "")) == pytest.approx(expected, abs=1)


def js_number(value: float | None) -> str:
    """A number as JavaScript's String() writes it (1000000, not 1e+06; 42.5)."""
    assert value is not None
    return str(int(value)) if value.is_integer() else repr(value)


def test_a_field_hint_shows_one_range_the_one_the_server_accepts(browser, http_server) -> None:
    page = open_page(browser, http_server)
    hints = dict(zip(HOUSING.names, page.eval_on_selector_all(".hint", "n => n.map(x => x.textContent)"), strict=True))
    ranges = {name: re.findall(r"-?[\d.]+ to -?[\d.]+", hint) for name, hint in hints.items()}
    shown = {feature.name: [f"{js_number(feature.minimum)} to {js_number(feature.maximum)}"]
             for feature in HOUSING.features}  # fmt: skip
    assert ranges == shown
    assert hints["Latitude"] == "block group latitude (degrees north); 32 to 42.5"
