"""The report in a real browser: headless Chromium, network blocked, opened from file://."""

from __future__ import annotations

import pytest

from jmgis.report import build_report
from tests.clients import OfflineBrowser, require_chromium
from tests.report_fixtures import fixture_inputs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    b = OfflineBrowser(width=1200, height=1600)
    yield b
    b.close()


def test_report_opens_offline_with_charts_tables_and_chinese(browser, tmp_path):
    evil = "<img src=x onerror=\"document.title='pwned'\">"
    result = build_report(tmp_path, inputs=fixture_inputs(rename={"440703002": evil}), map_files=[])
    report = browser.open(result.html)
    assert report.external_requests == []
    assert report.failed_requests == []
    assert report.console_errors == []
    assert browser.js("return document.title").startswith("江门市交通可达性报告")
    # every chart decoded into a real picture
    sizes = browser.js("return Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
    assert len(sizes) >= 3 and all(done and width > 100 for done, width in sizes)
    # one rendered table per CSV file, with the township rows of the CSV
    keys = browser.js(
        "return Array.from(document.querySelectorAll('table[data-key]')).map(t => t.dataset.key)"
    )
    assert sorted(keys) == sorted(p.stem for p in result.csv)
    rows = browser.js(
        "return document.querySelector('table[data-key=townships_core] tbody').rows.length"
    )
    assert rows == 36
    # the hostile name is text in a cell, and its handler never ran
    assert browser.js("return document.title") != "pwned"
    cells = browser.js("return Array.from(document.querySelectorAll('td')).map(c => c.textContent)")
    assert evil in cells
    browser.screenshot("report.png")
