"""The HTML report's history chart in headless Chromium: an inline SVG drawn under the page's
strict Content-Security-Policy with no request, console message or DevTools issue, its lines
laid out where the scores put them; a screenshot of the section is saved for a person to look at
(`K8SAUDIT_SCREENSHOT_DIR`, default: the test's tmp folder)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from k8saudit.output import history
from k8saudit.output.render import render
from tests.browser.cdp import Browser, chromium
from tests.browser.test_html_report import screenshot_dir
from tests.unit.support.history_support import demo_document, demo_now, earlier, failing_keys, write

pytestmark = pytest.mark.browser

BINARY = chromium()
if BINARY is None:
    pytest.skip(
        "headless Chromium is not installed (apt-get install -y chromium; .ci/run installs it)",
        allow_module_level=True,
    )
assert BINARY is not None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert BINARY is not None
    with Browser(BINARY) as b:
        yield b


def test_the_history_chart_draws_under_the_csp(browser: Browser, tmp_path: Path) -> None:
    keys = failing_keys(demo_document())
    scores = [44.0, 52.5, 49.0, 58.0, 60.2]
    earlier_reports = [
        write(tmp_path / "history", f"{i}.json", earlier(len(scores) - i, score=s, passing=keys[: 40 - 8 * i]))
        for i, s in enumerate(scores)
    ]
    report = demo_now()
    report.history = history.history(report, earlier_reports)
    page_file = tmp_path / "report.html"
    page_file.write_text(render(report, "html"))
    page = browser.page()
    page.navigate(page_file.as_uri())
    assert [r["request"]["url"] for r in page.requests] == [page_file.as_uri()]
    assert page.errors() == []
    drawn = page.evaluate(
        """(() => {
        const svg = document.querySelector('#history svg');
        const box = svg.getBoundingClientRect();
        const score = Array.from(svg.querySelectorAll('circle')).map(c => c.getBoundingClientRect().top);
        return {width: box.width, height: box.height, points: score.length, tops: score,
                rows: document.querySelectorAll('#history tbody tr').length};
    })()"""
    )
    assert drawn["width"] > 300 and drawn["height"] > 100
    assert drawn["points"] == drawn["rows"] == len(scores) + 1
    tops = drawn["tops"]
    assert tops[0] > tops[1] and tops[2] > tops[1] and tops[-1] < tops[0]  # 44 < 52.5 > 49 ...: up is better
    page.evaluate("document.getElementById('history').scrollIntoView()")
    shot = page.screenshot(screenshot_dir(tmp_path) / "report-history.png")
    assert shot.stat().st_size > 10_000
    assert page.errors() == []
