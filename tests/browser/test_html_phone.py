"""The HTML report on a phone (390 CSS pixels wide, an iPhone 12 to 15) in headless Chromium.

Measured on main before this: at 390 px the page was 836 px wide and scrolled sideways, tables
overflowed, the access review's binding → role column was cut off, and check ids and field paths
broke mid-word, on the desktop too ("allowPrivilegeE|scalation"). Now the page never scrolls
sideways (a wide table scrolls inside its own box), the findings and the access review stack
into one card per row, ids and paths break after `.` and `/`, and the summary cards stack.

A screenshot of the phone's first screen is saved (`K8SAUDIT_SCREENSHOT_DIR`): docs/report-phone.png.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.cdp import Browser, Page

pytestmark = pytest.mark.browser

PHONE = (390, 844)
DESKTOP = (1280, 1000)

#: Every place inside a `code` element (ids, field paths, values) where a line ends between two
#: letters or digits: a word broken in the middle. Break opportunities are the separators; only a
#: word longer than a phone's line (over 40 characters: a sha256 digest) may break inside.
MID_WORD_BREAKS = """(() => {
  const LONGEST_WORD = 40;
  const broken = [];
  const word = /[A-Za-z0-9]/;
  for (const code of document.querySelectorAll('main code')) {
    if (code.closest('pre') || code.getClientRects().length < 2) continue;
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    const chars = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.data.length; i++) chars.push([node, i]);
    }
    let previous = null;
    const range = document.createRange();
    chars.forEach(([node, i], k) => {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) return;
      if (previous && rect.top > previous.top + previous.height / 2 && k > 0) {
        const [pn, pi] = chars[k - 1];
        const before = pn.data[pi], after = node.data[i];
        if (word.test(before) && word.test(after)) {
          // the whole word around the break: one longer than a phone's line (a sha256 digest) must break
          let from = k - 1, to = k;
          while (from > 0 && word.test(chars[from - 1][0].data[chars[from - 1][1]])) from--;
          while (to < chars.length - 1 && word.test(chars[to + 1][0].data[chars[to + 1][1]])) to++;
          if (to - from + 1 <= LONGEST_WORD) broken.push(code.textContent.slice(0, 80) + ' @ ' + before + '|' + after);
        }
      }
      previous = rect;
    });
  }
  return broken;
})()"""


def open_report(browser: Browser, report_dir: Path, size: tuple[int, int], *, mobile: bool) -> Page:
    page = browser.page()
    page.viewport(*size, mobile=mobile)
    page.navigate((report_dir / "report.html").as_uri())
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # every table laid out
    return page


@pytest.fixture
def phone(browser: Browser, report_dir: Path) -> Page:
    return open_report(browser, report_dir, PHONE, mobile=True)


def test_the_page_never_scrolls_sideways_on_a_phone(phone: Page) -> None:
    widths = phone.evaluate(
        "({inner: window.innerWidth, page: document.documentElement.scrollWidth, body: document.body.scrollWidth})"
    )
    assert widths == {"inner": PHONE[0], "page": PHONE[0], "body": PHONE[0]}
    assert phone.errors() == []


def test_the_history_section_fits_a_phone_too(browser: Browser, history_report_dir: Path) -> None:
    """A report with a history (what --timestamped runs show) has a chart and one more table."""
    page = open_report(browser, history_report_dir, PHONE, mobile=True)
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE[0]
    chart = page.evaluate("document.querySelector('#history svg').getBoundingClientRect().right")
    assert chart <= PHONE[0]
    assert page.evaluate("document.querySelector('#history table').parentElement.className") == "table-scroll"


def test_wide_tables_scroll_inside_their_own_box(phone: Page) -> None:
    boxes: list[dict[str, Any]] = phone.evaluate(
        """Array.from(document.querySelectorAll('main table')).map(t => {
            const box = t.parentElement, r = box.getBoundingClientRect(), style = getComputedStyle(box);
            return {cls: box.className, right: r.right, overflow: style.overflowX,
                    wide: t.scrollWidth > box.clientWidth + 1}; })"""
    )
    assert boxes and all(b["cls"].split()[0] == "table-scroll" for b in boxes), boxes[:3]
    assert all(b["right"] <= PHONE[0] for b in boxes)
    assert all(b["overflow"] == "auto" for b in boxes if b["wide"])
    assert any(b["wide"] for b in boxes)  # the node inventory is wider than a phone: it scrolls in its box


def test_the_access_reviews_binding_to_role_column_is_visible(phone: Page) -> None:
    cells: list[dict[str, Any]] = phone.evaluate(
        """Array.from(document.querySelectorAll('#access table tr')).filter(r => r.querySelector('td')).map(r => {
            const through = r.querySelectorAll('td')[3], box = through.getBoundingClientRect();
            return {left: box.left, right: box.right, width: box.width, text: through.textContent,
                    label: getComputedStyle(through, '::before').content}; })"""
    )
    assert len(cells) >= 5
    for cell in cells:
        assert cell["left"] >= 0 and cell["right"] <= PHONE[0] and cell["width"] > 100, cell
        assert "→" in cell["text"] and cell["label"] == '"Through"'


def test_findings_stack_into_one_card_per_finding(phone: Page) -> None:
    rows: list[dict[str, Any]] = phone.evaluate(
        """Array.from(document.querySelectorAll('details.check tr[data-severity]')).slice(0, 40).map(r => {
            const cells = Array.from(r.querySelectorAll('td')).map(td => td.getBoundingClientRect());
            return {lefts: cells.map(c => Math.round(c.left)), rights: cells.map(c => Math.round(c.right))}; })"""
    )
    assert rows
    for row in rows:
        assert len(set(row["lefts"])) == 1 and max(row["rights"]) <= PHONE[0]  # cells under each other


def test_the_summary_cards_stack(phone: Page) -> None:
    cards: list[dict[str, float]] = phone.evaluate(
        """Array.from(document.querySelectorAll('.hero > .card, .risks')).map(c => {
            const r = c.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top}; })"""
    )
    assert len(cards) == 5
    assert len({round(c["left"]) for c in cards}) == 1 and all(c["right"] <= PHONE[0] for c in cards)
    assert [c["top"] for c in cards] == sorted(c["top"] for c in cards)


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_ids_and_paths_break_at_dots_and_slashes_not_mid_word(
    browser: Browser, report_dir: Path, size: tuple[int, int]
) -> None:
    page = open_report(browser, report_dir, size, mobile=size == PHONE)
    broken = page.evaluate(MID_WORD_BREAKS)
    assert broken == []
    wrapped = page.evaluate(
        "Array.from(document.querySelectorAll('main code')).filter(c => c.getClientRects().length > 1).length"
    )
    assert size == DESKTOP or wrapped > 0  # on a phone long paths do wrap, at their separators


def test_a_phone_screenshot(phone: Page, tmp_path: Path) -> None:
    folder = Path(os.environ.get("K8SAUDIT_SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    phone.evaluate("document.querySelectorAll('details').forEach(d => d.open = d.matches('.check.critical'))")
    shot = phone.screenshot(folder / "report-phone.png", width=PHONE[0], height=PHONE[1], mobile=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
