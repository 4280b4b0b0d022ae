"""The fleet report's HTML page in headless Chromium: it loads nothing but itself, complains about
nothing (no console error, no Content-Security-Policy violation: its inline stylesheet is
admitted by hash and it has no script at all), draws each cluster's trend, and fits a phone.
A screenshot is saved (`K8SAUDIT_SCREENSHOT_DIR`, default: the test's tmp folder)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.cdp import Browser, chromium
from tests.integration.runcli import invoke
from tests.unit.support.fleet_support import write_report

pytestmark = pytest.mark.browser

BINARY = chromium()
if BINARY is None:
    pytest.skip(
        "headless Chromium is not installed (apt-get install -y chromium; .ci/run installs it)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def fleet_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fleet")
    for i, score in enumerate((58.0, 61.5, 66.0)):
        write_report(root / "r" / "prod" / f"run{i}" / "report.json", context="prod", at=f"2026-11-0{i + 1}T03:00:00Z",
                     score=score, html=True)  # fmt: skip
    write_report(root / "r" / "stage" / "report.json", context="stage", score=72.0, html=True)
    write_report(root / "r" / "dev" / "report.json", context="dev", score=90.0, passing=("pod.privileged",))
    result = invoke("fleet", root / "r", "-d", root / "out", "-q")
    assert result.exit_code == 0, result.stderr
    return root / "out" / "fleet.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert BINARY is not None
    with Browser(BINARY) as b:
        yield b


def test_the_fleet_page_loads_nothing_complains_about_nothing_and_draws_trends(
    browser: Browser, fleet_page: Path, tmp_path: Path
) -> None:
    page = browser.page()
    page.navigate(fleet_page.as_uri())
    assert [r["request"]["url"] for r in page.requests] == [fleet_page.as_uri()]
    assert page.errors() == []
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert page.evaluate("getComputedStyle(document.querySelector('header.masthead')).backgroundColor") != (
        "rgba(0, 0, 0, 0)"
    )  # the inline stylesheet was admitted
    rows = page.evaluate("[...document.querySelectorAll('.fleet-table tbody tr')].map(r => r.cells[0].innerText)")
    assert [r.split("\n")[0] for r in rows] == ["prod", "stage", "dev"]
    spark = page.evaluate("(() => { const b = document.querySelector('svg.spark').getBoundingClientRect();"
                          " return [b.width, b.height]; })()")  # fmt: skip
    assert spark[0] > 50 and spark[1] > 10
    links = page.evaluate("[...document.querySelectorAll('.fleet-table a')].map(a => a.getAttribute('href'))")
    assert "../r/stage/report.html" in links
    folder = Path(os.environ.get("K8SAUDIT_SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    shot = page.screenshot(folder / "fleet-first-screen.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # a phone: the page itself never scrolls sideways (the tables scroll in their own box)
    page.send("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=1, mobile=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
