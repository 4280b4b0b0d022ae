"""No script from object names: names, labels, annotations, images, commands, RBAC subjects and
config text carrying HTML, script, template, Markdown and terminal payloads are shown as text in
every format. The HTML report is opened in headless Chromium (tests/browser/cdp.py): no payload
runs, no request leaves the page (a local listener the payloads point at must see nothing),
with the page's Content-Security-Policy and also without it (escaping alone must hold)."""

from __future__ import annotations

import http.server
import json
import re
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

from k8saudit.cli.options import OutFormat
from tests.browser.cdp import Browser, chromium
from tests.security.payloads import innocent, payload_config, payload_objects, payloads
from tests.security.support import run_main

#: Tags no payload may create (the report itself uses none of them; its gauges are inline SVG,
#: which is why the structure is also compared with a clean twin's).
ACTIVE_TAGS = {"img", "iframe", "image", "base", "link", "object", "embed", "form", "video", "audio", "frame"}


class Beacon(http.server.ThreadingHTTPServer):
    """A local HTTP server that records every request it gets: any hit is a leak."""

    hits: list[str]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        assert isinstance(self.server, Beacon)
        self.server.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def beacon() -> Iterator[Beacon]:
    server = Beacon(("127.0.0.1", 0), _Handler)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def beacon_url(server: Beacon) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def scan_all_formats(folder: Path, texts: dict[str, str]) -> Path:
    manifests = folder / "manifests.yaml"
    manifests.write_text(yaml.safe_dump_all(payload_objects(texts), allow_unicode=True))
    config = folder / "k8saudit.yaml"
    config.write_text(yaml.safe_dump(payload_config(texts), allow_unicode=True))
    formats = [arg for fmt in OutFormat for arg in ("--format", fmt.value)]
    out = folder / "out"
    outcome = run_main("scan", "--manifests", manifests, "--config", config, *formats, "--output-dir", out)
    assert outcome.code == 0, outcome.stderr
    (folder / "terminal.txt").write_text(outcome.stdout + outcome.stderr)
    return out


@pytest.fixture(scope="module")
def reports(beacon: Beacon, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every format the CLI offers, for manifests full of payloads, with a config full of them."""
    return scan_all_formats(tmp_path_factory.mktemp("payload-reports"), payloads(beacon_url(beacon)))


@pytest.fixture(scope="module")
def twin(beacon: Beacon, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same objects and config with plain text where the payloads were."""
    return scan_all_formats(tmp_path_factory.mktemp("twin-reports"), innocent(payloads(beacon_url(beacon))))


def structure(page: Tags) -> Counter[str]:
    return Counter(tag for tag, _ in page.tags)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


def assert_no_markup_from_payloads(page: Tags, beacon: str, scripts: int) -> None:
    names = [tag for tag, _ in page.tags]
    assert names.count("script") == scripts, names.count("script")
    assert ACTIVE_TAGS.isdisjoint(names), ACTIVE_TAGS & set(names)
    for tag, attrs in page.tags:
        assert not [a for a in attrs if a.lower().startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "content", "style"):
            value = (attrs.get(name) or "").lower()
            assert beacon not in value and "javascript:" not in value, (tag, attrs)
        if tag == "meta":
            assert (attrs.get("http-equiv") or "").lower() != "refresh", attrs
        if tag == "a":
            href = attrs.get("href") or ""
            assert href.startswith(("#", "https://")), attrs


def shown(page: Tags) -> str:
    return "".join(page.text)


# --- HTML ------------------------------------------------------------------------------------------


def test_the_html_report_shows_payloads_as_text(reports: Path, twin: Path, beacon: Beacon) -> None:
    html = (reports / "report.html").read_text()
    page = parse(html)
    assert_no_markup_from_payloads(page, beacon_url(beacon), scripts=1)
    assert structure(page) == structure(parse((twin / "report.html").read_text()))  # not one element more
    text = shown(page)
    for name in ("script", "img", "close-script", "jinja", "style"):
        assert payloads(beacon_url(beacon))[name] in text, name  # shown, verbatim, as text
    assert "{{ 7*7 }}" in text  # shown, never evaluated
    assert "\x1b" not in html and "\x07" not in html


BINARY = chromium()


@pytest.mark.browser
@pytest.mark.skipif(BINARY is None, reason="headless Chromium is not installed (apt-get install -y chromium)")
@pytest.mark.parametrize("csp", [True, False], ids=["with-csp", "csp-removed"])
def test_in_chromium_no_payload_runs_and_nothing_is_requested(
    csp: bool, reports: Path, beacon: Beacon, tmp_path: Path
) -> None:
    html = (reports / "report.html").read_text()
    if not csp:  # escaping alone must hold: the policy is a second wall, not the only one
        html, removed = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        assert removed == 1
    page_file = tmp_path / "report.html"
    page_file.write_text(html)
    url = page_file.as_uri()
    assert BINARY is not None
    with Browser(BINARY) as browser:
        page = browser.page()
        page.navigate(url)
        page.evaluate("document.getElementById('expand-all') && document.getElementById('expand-all').click()")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        state = page.evaluate(
            """({
                pwned: window.__pwned === undefined ? null : window.__pwned,
                scripts: document.scripts.length,
                active: document.querySelectorAll('img,iframe,image,base,link,object,embed,form').length,
                handlers: Array.from(document.querySelectorAll('*')).filter(
                    e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length,
                text: document.body.innerText,
                title: document.title,
            })"""
        )
        requested = [r["request"]["url"] for r in page.requests]
        errors = page.errors()
    assert requested == [url], requested
    assert beacon.hits == []
    assert state["pwned"] is None
    assert (state["scripts"], state["active"], state["handlers"]) == (1, 0, 0), state
    assert errors == [], errors  # not even a blocked attempt (a CSP violation) happened
    assert payloads(beacon_url(beacon))["script"] in state["text"]
    assert "pwned" not in state["title"]


# --- Markdown -------------------------------------------------------------------------------------------


def test_the_markdown_report_renders_no_markup_and_keeps_its_tables(reports: Path, twin: Path, beacon: Beacon) -> None:
    md = (reports / "report.md").read_text()
    assert "\x1b" not in md and "\x07" not in md
    assert "␛" in md  # the escape sequence is shown, inert
    for raw in ("<script", "<img", "<iframe", "<svg", "<meta", "<base", "<link", "<!--", "</style", "</script"):
        assert raw not in md, raw
    renderer = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
    tokens = renderer.parse(md)
    html = renderer.renderer.render(tokens, renderer.options, {})
    page = parse(html)
    assert_no_markup_from_payloads(page, beacon_url(beacon), scripts=0)
    clean = renderer.render((twin / "report.md").read_text())
    assert structure(page) == structure(parse(clean))  # the same tables, rows, cells and links
    assert not [t for t in tokens if t.type in ("html_block", "html_inline")]
    links = [t for t in _inline(tokens) if t.type in ("link_open", "image")]
    for link in links:
        target = str(link.attrs.get("href") or link.attrs.get("src") or "")
        assert target.startswith(("#", "https://")) and beacon not in target, target
    text = shown(page)
    for name in ("script", "img", "markdown-link", "jinja"):
        assert payloads(beacon_url(beacon))[name] in text, name  # the escapes render back to the text
    _assert_tables_are_whole(tokens)


def _inline(tokens: list[Any]) -> Iterator[Any]:
    for token in tokens:
        yield token
        yield from token.children or []


def _assert_tables_are_whole(tokens: list[Any]) -> None:
    """Every row of every table has as many cells as its header: no pipe broke out of a cell."""
    tables = 0
    header: int | None = None
    row = 0
    for token in tokens:
        if token.type == "table_open":
            tables, header = tables + 1, None
        elif token.type == "tr_open":
            row = 0
        elif token.type in ("th_open", "td_open"):
            row += 1
        elif token.type == "tr_close":
            if header is None:
                header = row
            assert row == header, (token.map, row, header)
    assert tables >= 3


# --- the machine formats and the terminal -----------------------------------------------------------------


def test_json_sarif_and_junit_carry_payloads_as_data(reports: Path, beacon: Beacon) -> None:
    script = payloads(beacon_url(beacon))["script"]
    report = json.loads((reports / "report.json").read_text())
    assert any(script in text for text in _strings(report["findings"]))
    for path in reports.iterdir():
        if path.suffix == ".sarif":
            sarif = json.loads(path.read_text())
            assert sarif["runs"][0]["results"]
        elif path.suffix == ".xml":
            root = ET.fromstring(path.read_bytes())  # well-formed: no control character broke it
            assert root.iter("testcase")
            names = " ".join(case.get("name", "") for case in root.iter("testcase"))
            assert "<script" not in path.read_text() or script not in path.read_text()
            assert names


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_the_terminal_summary_prints_no_control_sequences(reports: Path) -> None:
    terminal = (reports.parent / "terminal.txt").read_text()
    assert terminal.strip()
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", terminal), repr(terminal[:500])
