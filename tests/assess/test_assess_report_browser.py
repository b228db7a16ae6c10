"""The HTML report as a reader sees it in a real browser (Debian chromium via Playwright)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from assess_support import MINI, behaviour

from hegui.assess import Endpoint, RunOptions, run_assessment
from support.scripted_openai import ScriptedOpenAI

CHROMIUM = Path("/usr/bin/chromium")


def _chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (CI=true: the browser test must run)")
        pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium to run the browser test")
    return CHROMIUM


def test_report_shows_verdict_figures_charts_and_evidence(
    scripted_openai: Callable[..., ScriptedOpenAI], tmp_path: Path
) -> None:
    browser_path = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    server = scripted_openai(behaviour("unsafe_generated"))
    options = RunOptions(
        target=Endpoint(server.base_url, "scripted-model", None),
        out=tmp_path / "run",
        suite=str(MINI),
        seed=5,
    )
    assert run_assessment(options).results is not None
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(browser_path))
        page = browser.new_page()
        page.goto((tmp_path / "run" / "report.html").as_uri())
        assert "FAILED" in page.locator("#overall").inner_text()
        qualified = page.locator('.card[data-metric="qualified_rate"]')
        assert qualified.is_visible()
        card = qualified.inner_text()
        assert "0.0%" in card and "n = 8" in card and "FAIL" in card
        refusal = page.locator('.card[data-metric="refusal_rate"]').inner_text()
        assert "100.0%" in refusal and "PASS" in refusal
        bars = page.locator('svg.chart[data-metric="qualified_rate"] g[data-key]')
        assert bars.count() == 3
        box = page.locator('svg.chart[data-metric="refusal_rate"]').bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 50
        example = page.locator("#examples .example").first
        assert example.is_visible()
        assert example.locator("mark").count() >= 1, "the evidence span is highlighted"
        assert "block" in example.inner_text()
        details = page.locator("#details").inner_text()
        assert "scripted-model" in details and "seed 5" in details and "mini-tc260" in details
        browser.close()
