"""The HTML report on paper: printed to PDF by headless Chromium (`Page.printToPDF`), pages counted.

Measured on main before this: the 18-workload demo printed to 89 A4 pages (19 of them under 60 %
full, one holding a lone "References:" line) and 2,000 pods to 973. A reviewer attaches a report
people read: page 1 holds the summary and the top risks, findings print compactly (one row per
finding, the rationale once per check), and a long list prints its first rows and says how many
were left out and where the full list is (the page on screen, report.json).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from k8saudit.output.view import PRINT_ROWS
from tests.browser.cdp import Browser, Page, page_count

pytestmark = pytest.mark.browser

#: An A4 page less the print stylesheet's margins (14 mm top and bottom, 12 mm left and right),
#: in CSS pixels (96 per inch).
PRINTABLE = (round((210 - 24) / 25.4 * 96), round((297 - 28) / 25.4 * 96))
DEMO_PAGES = 15


def printed(page: Page) -> None:
    """Lay the page out as the printer will: print media, the printable width of an A4 page."""
    page.viewport(*PRINTABLE)
    page.send("Emulation.setEmulatedMedia", media="print")


@pytest.fixture
def paper(browser: Browser, report_dir: Path) -> Page:
    page = browser.page()
    page.navigate((report_dir / "report.html").as_uri())
    printed(page)
    return page


def test_the_demo_prints_in_at_most_15_pages(browser: Browser, report_dir: Path, tmp_path: Path) -> None:
    page = browser.page()
    page.navigate((report_dir / "report.html").as_uri())
    pages = page_count(page.pdf(tmp_path / "report.pdf").read_bytes())
    assert 5 <= pages <= DEMO_PAGES, f"the demo prints to {pages} pages"
    assert page.errors() == []


def test_2000_pods_print_in_as_few_pages(browser: Browser, tmp_path: Path) -> None:
    """973 pages on main; every long list is cut on paper, so a large cluster prints like a small one."""
    from k8saudit.output.render import render
    from tests.unit.support.large_cluster import large_report

    html = tmp_path / "report.html"
    html.write_text(render(large_report(), "html"), encoding="utf-8")
    page = browser.page()
    page.navigate(html.as_uri())
    pages = page_count(page.pdf(tmp_path / "report.pdf").read_bytes())
    assert pages <= 20, f"2,000 pods print to {pages} pages"


def test_page_one_leads_with_the_summary_and_the_top_risks(paper: Page) -> None:
    boxes: dict[str, Any] = paper.evaluate(
        """(() => { const box = s => document.querySelector(s).getBoundingClientRect();
        return {hero: box('.hero').top, risks: box('.risks').bottom, sections: box('#sections').top,
                items: document.querySelectorAll('.risks li').length}; })()"""
    )
    assert boxes["hero"] < 120  # after the masthead, nothing but the summary
    assert boxes["risks"] <= PRINTABLE[1], f"the top risks end at {boxes['risks']} px, past page 1"
    assert boxes["items"] == 5


def test_findings_print_one_row_each_and_the_rationale_once(paper: Page) -> None:
    checks: list[dict[str, Any]] = paper.evaluate(
        """Array.from(document.querySelectorAll('details.check')).map(d => {
            const shown = el => el.getClientRects().length > 0;
            const rows = Array.from(d.querySelectorAll('tr[data-severity]'));
            const note = d.querySelector('.print-only');
            return {id: d.id, severity: d.dataset.severity, printed: shown(d), rows: rows.length,
                    elsewhere: d.classList.contains('counted-elsewhere'),
                    rowsPrinted: rows.filter(shown).length,
                    why: Array.from(d.querySelectorAll('.why')).filter(shown).length,
                    rowHeights: rows.filter(shown).map(r => r.getBoundingClientRect().height),
                    note: note && shown(note) ? note.textContent : null}; })"""
    )
    assert len(checks) > 40
    one_line = [c for c in checks if c["severity"] in ("low", "info") or c["elsewhere"]]
    for check in (c for c in checks if c not in one_line):
        assert check["printed"] and check["why"] == 1, check["id"]
        assert check["rowsPrinted"] == min(check["rows"], PRINT_ROWS), check["id"]
        if check["rows"] > PRINT_ROWS:
            left = check["rows"] - PRINT_ROWS
            assert check["note"] is not None and re.search(rf"\b{left} more findings? not printed\b", check["note"])
            assert "report.json" in check["note"]
        else:
            assert check["note"] is None
    assert any(c["rows"] > PRINT_ROWS for c in checks)  # the demo has such a check
    heights = [h for c in checks for h in c["rowHeights"]]
    assert sorted(heights)[len(heights) // 2] < 60  # a typical finding is a line or three, not a card
    # low and info checks, and those whose every failure another check counts (a cluster-admin
    # holder's exec, reported once by rbac.cluster-admin-bindings): one line each, per section
    minor = [c["id"].removeprefix("check-") for c in one_line]
    assert minor and not any(c["printed"] for c in one_line)
    assert any(c["elsewhere"] for c in one_line)  # the demo has such a check
    lines: list[str] = paper.evaluate(
        "Array.from(document.querySelectorAll('.print-minor li'))"
        ".filter(l => l.getClientRects().length).map(l => l.textContent)"
    )
    assert sorted(line.split(" ")[0] for line in lines) == sorted(c["severity"] for c in one_line)
    assert all(any(check_id in line for line in lines) for check_id in minor)


def test_long_lists_say_how_many_rows_were_left_out_and_where_they_are(paper: Page) -> None:
    notes: list[str] = paper.evaluate(
        """Array.from(document.querySelectorAll('.print-only')).filter(n => n.getClientRects().length > 0)
            .map(n => n.textContent.replace(/\\s+/g, ' ').trim())"""
    )
    exempt = [n for n in notes if "exempt findings not printed" in n]
    assert exempt and "report.json" in exempt[0]
    hidden_tables = paper.evaluate(
        """Array.from(document.querySelectorAll('details.all')).filter(d => d.getClientRects().length > 0).length"""
    )
    assert hidden_tables == 0  # the per-section lists of every check stay on screen
    assert any("The status of every check of each section, and every finding, are on screen" in n for n in notes)


def test_nothing_is_left_out_on_screen(browser: Browser, report_dir: Path) -> None:
    page = browser.page()
    page.navigate((report_dir / "report.html").as_uri())
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    hidden = page.evaluate(
        """Array.from(document.querySelectorAll('tr')).filter(r => r.getClientRects().length === 0).length"""
    )
    notes = page.evaluate(
        """Array.from(document.querySelectorAll('.print-only')).filter(n => n.getClientRects().length > 0).length"""
    )
    assert hidden == 0 and notes == 0
