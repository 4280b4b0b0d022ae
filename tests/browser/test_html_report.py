"""The HTML report of the demo cluster in headless Chromium (Debian's `chromium` package).

The page must load with no network request of any kind besides its own file, no console error
or warning, no Content-Security-Policy violation or other DevTools issue; its inline script must
run under the hash-based CSP (the filter bar appears and filters); and it must print. A screenshot
of the first screen is saved (`K8SAUDIT_SCREENSHOT_DIR`, default: the test's tmp folder) for a
person to look at. Without Chromium the tests skip and say how to install it (`.ci/run` does).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.cdp import Browser, Page, chromium

pytestmark = pytest.mark.browser

BINARY = chromium()
if BINARY is None:
    pytest.skip(
        "headless Chromium is not installed (apt-get install -y chromium; .ci/run installs it)",
        allow_module_level=True,
    )
assert BINARY is not None


@pytest.fixture
def page(browser: Browser, report_dir: Path) -> Page:
    p = browser.page()
    p.navigate((report_dir / "report.html").as_uri())
    return p


def screenshot_dir(default: Path) -> Path:
    import os

    folder = Path(os.environ.get("K8SAUDIT_SCREENSHOT_DIR", default))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_loads_nothing_and_complains_about_nothing(page: Page, report_dir: Path, tmp_path: Path) -> None:
    url = (report_dir / "report.html").as_uri()
    requested = [r["request"]["url"] for r in page.requests]
    assert requested == [url], f"the page requested something besides itself: {requested}"
    assert page.errors() == []
    shot = page.screenshot(screenshot_dir(tmp_path) / "report-first-screen.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    full = page.screenshot(screenshot_dir(tmp_path) / "report-full.png", full=True)
    assert full.stat().st_size > shot.stat().st_size
    # scrolling through every section loads nothing either (no lazy images, no fonts)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert [r["request"]["url"] for r in page.requests] == [url]
    assert page.errors() == []


def test_first_screen_shows_the_summary(page: Page) -> None:
    page.send("Emulation.setDeviceMetricsOverride", width=1280, height=1000, deviceScaleFactor=1, mobile=False)
    visible = page.evaluate(
        """(() => {
        const seen = (sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                                return r.height > 0 && r.top < window.innerHeight; };
        return {gauge: seen('.gauge svg'), counts: seen('.counts'), coverage: seen('.coverage-bar'),
                identity: seen('.identity'), risks: seen('.risks')};
    })()"""
    )
    assert visible == {"gauge": True, "counts": True, "coverage": True, "identity": True, "risks": True}
    assert page.evaluate("document.querySelectorAll('.risks li').length") == 5


def test_the_inline_script_runs_under_the_csp_and_filters(page: Page) -> None:
    assert page.evaluate("document.getElementById('filters').hidden") is False  # the script ran
    total = page.evaluate("document.querySelectorAll('details.check').length")
    assert total > 10
    shown = page.evaluate(
        """(() => { const box = document.getElementById('filter-text'); box.value = 'fluent-bit';
        box.dispatchEvent(new Event('input'));
        return document.querySelectorAll('details.check:not([hidden])').length; })()"""
    )
    assert 0 < shown < total
    critical_only = page.evaluate(
        """(() => { const box = document.getElementById('filter-text'); box.value = '';
        box.dispatchEvent(new Event('input'));
        document.querySelectorAll('#filters input[type=checkbox]').forEach(b => {
            if (b.value !== 'critical') { b.checked = false; b.dispatchEvent(new Event('change')); } });
        return Array.from(document.querySelectorAll('details.check:not([hidden])'))
            .map(d => d.dataset.severity); })()"""
    )
    assert critical_only and set(critical_only) == {"critical"}
    assert page.errors() == []


def test_the_severity_filter_goes_by_each_findings_own_severity(page: Page, report_dir: Path) -> None:
    """Ticking only critical shows every critical finding, also those of high checks (the
    writable containerd.sock of ci/build-runner, the binding anonymous-metrics), and no other row."""
    import json

    counts = json.loads((report_dir / "report.json").read_text())["counts"]
    shown = page.evaluate(
        """(() => {
        document.querySelectorAll('#filters input[type=checkbox]').forEach(b => {
            b.checked = b.value === 'critical'; b.dispatchEvent(new Event('change')); });
        const checks = Array.from(document.querySelectorAll('details.check:not([hidden])'));
        const rows = checks.flatMap(d => Array.from(d.querySelectorAll('tr[data-severity]:not([hidden])')));
        return {checks: checks.map(d => d.id), rows: rows.map(r => r.dataset.severity),
                text: rows.map(r => r.textContent).join(' | '),
                status: document.getElementById('filter-shown').textContent}; })()"""
    )
    assert shown["checks"] == ["check-pod.privileged", "check-pod.host-path", "check-rbac.anonymous-bindings"]
    assert shown["rows"] == ["critical"] * counts["critical"]
    assert "ci/build-runner" in shown["text"] and "anonymous-metrics" in shown["text"]
    total = page.evaluate("document.querySelectorAll('details.check').length")
    assert shown["status"] == f"3 of {total} failing checks shown (4 findings)"
    assert page.errors() == []


def test_works_without_javascript(browser: Browser, report_dir: Path) -> None:
    p = browser.page()
    p.send("Emulation.setScriptExecutionDisabled", value=True)
    p.navigate((report_dir / "report.html").as_uri())
    state = p.send(
        "Runtime.evaluate",
        expression="[document.getElementById('filters').hidden, "
        "document.querySelectorAll('details.check[open]').length]",
        returnByValue=True,
    )["result"]["value"]
    hidden, open_checks = state
    assert hidden is True  # no dead filter controls without the script
    assert open_checks > 0  # critical and high findings are open without a click


def test_prints_to_pdf(page: Page, tmp_path: Path) -> None:
    pdf = page.pdf(tmp_path / "report.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") > 5
    assert page.errors() == []


def test_the_harness_catches_requests_and_console_errors(browser: Browser, tmp_path: Path) -> None:
    """The checks above can fail: a page that fetches and logs is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
        '</head><body><img src="http://127.0.0.1:9/x.png"><p style="color:red">x</p></body></html>'
    )
    p = browser.page()
    p.navigate(bad.as_uri())
    urls = [r["request"]["url"] for r in p.requests]
    assert urls[0] == bad.as_uri()
    errors = p.errors()
    assert any("Content-Security-Policy" in e or "ContentSecurityPolicy" in e for e in errors), errors
    noisy = tmp_path / "noisy.html"
    noisy.write_text("<!DOCTYPE html><script>console.error('boom'); fetch('http://127.0.0.1:9/');</script>")
    p = browser.page()
    p.navigate(noisy.as_uri())
    assert "http://127.0.0.1:9/" in [r["request"]["url"] for r in p.requests]
    assert any("boom" in e for e in p.errors())
