"""``report.html`` opened in a real browser: the table and both charts render, no network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hegui.cli import app

CHROMIUM = Path(os.environ.get("HEGUI_CHROMIUM", "/usr/bin/chromium"))


def _browser_or_skip() -> None:
    if CHROMIUM.exists():
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def test_report_renders_in_chromium(small_corpus: Path, tmp_path: Path) -> None:
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "corpus",
            "audit",
            str(small_corpus),
            "--source-field",
            "src",
            "--out",
            str(out),
            "--workers",
            "2",
        ],
    )
    assert result.exit_code == 0, result.stderr
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto((out / "report.html").as_uri())
        assert "语料安全审核报告" in page.title()
        cells = page.locator("#sources tbody tr").all_inner_texts()
        assert any(row.startswith("dirty") and "剔除 drop" in row for row in cells)
        bars = page.locator("#share-chart rect")
        assert bars.count() == 2
        widths = [float(bars.nth(i).get_attribute("width") or 0) for i in range(2)]
        assert widths[0] == 0 and widths[1] > 0  # clean has no unsafe document, dirty has
        assert page.locator("#share-chart").bounding_box() is not None
        assert page.locator("#risk-chart text").count() >= 2
        assert "技术抽检 Technical check" in page.locator("#checks").inner_text()
        browser.close()
    assert all(url.startswith("file://") for url in requests)
