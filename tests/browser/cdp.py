"""A small Chrome DevTools Protocol client over `--remote-debugging-pipe` (no port, no dependency).

Chromium reads commands on fd 3 and writes answers and events on fd 4, each one JSON message
ended by a NUL byte. `Browser.page()` opens a tab with network, console, log and DevTools issues
recorded, so a test can load a file and then ask what it requested and what it complained about.

The flags are the ones this machine's notes ask for (no background networking, no component
updates, no sync, a fresh profile): without them Chromium itself opens connections at start-up,
which would drown the page's own requests.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)
#: How long one protocol answer may take before the harness gives up (a hung browser, not a
#: measurement: nothing asserts on time).
DEADLINE = 60.0


def chromium() -> str | None:
    """The Chromium binary (Debian's package installs /usr/bin/chromium), or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class CDPError(RuntimeError):
    pass


@dataclass
class Page:
    browser: Browser
    session: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    console: list[dict[str, Any]] = field(default_factory=list)  # Runtime.consoleAPICalled
    log: list[dict[str, Any]] = field(default_factory=list)  # Log.entryAdded (CSP violations, ...)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)  # Audits.issueAdded

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session)

    def navigate(self, url: str) -> None:
        """Load `url` and wait for its load event."""
        answer = self.send("Page.navigate", url=url)
        if answer.get("errorText"):
            raise CDPError(f"navigating to {url}: {answer['errorText']}")
        self.browser.wait_for("Page.loadEventFired", self.session)

    def evaluate(self, expression: str) -> Any:
        answer = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in answer:
            raise CDPError(f"{expression!r} threw: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def viewport(self, width: int, height: int, *, mobile: bool = False, scale: float = 1) -> None:
        """Lay the page out as a screen of this size (`mobile`: as a phone, with touch-style viewport rules)."""
        self.send(
            "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=scale, mobile=mobile
        )

    def screenshot(
        self, path: Path, *, width: int = 1280, height: int = 1000, full: bool = False, mobile: bool = False
    ) -> Path:
        self.viewport(width, height, mobile=mobile)
        params: dict[str, Any] = {"format": "png"}
        if full:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def pdf(self, path: Path) -> Path:
        data = self.send("Page.printToPDF", printBackground=True, preferCSSPageSize=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def errors(self) -> list[str]:
        """Console errors and warnings, log entries at warning or error, exceptions, DevTools issues."""
        out = [
            f"console.{c['type']}: " + " ".join(str(a.get("value", a.get("description", ""))) for a in c["args"])
            for c in self.console
            if c["type"] in ("error", "warning", "assert")
        ]
        out += [f"log {e['entry']['level']} ({e['entry']['source']}): {e['entry']['text']}" for e in self.log]
        out = [o for o in out if "log verbose" not in o and "log info" not in o]
        out += [f"exception: {e['exceptionDetails'].get('text')}" for e in self.exceptions]
        out += [f"issue: {i['issue']['code']}: {json.dumps(i['issue'].get('details'))[:300]}" for i in self.issues]
        return out


class Browser:
    """One headless Chromium, driven over the pipe; use as a context manager."""

    def __init__(self, binary: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="k8saudit-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire() -> None:  # in the child: fd 3 reads our commands, fd 4 writes answers
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=wire,
            pass_fds=(3, 4),
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next = 0
        self._events: list[dict[str, Any]] = []
        self.pages: dict[str, Page] = {}

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.send("Browser.close", {})
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    # --- the wire -------------------------------------------------------------------------------

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise CDPError(f"Chromium closed the pipe (exit {self.proc.poll()})")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def _dispatch(self, message: dict[str, Any]) -> None:
        page = self.pages.get(message.get("sessionId", ""))
        method, params = message.get("method"), message.get("params", {})
        if page is not None:
            if method == "Network.requestWillBeSent":
                page.requests.append(params)
            elif method == "Runtime.consoleAPICalled":
                page.console.append(params)
            elif method == "Log.entryAdded":
                page.log.append(params)
            elif method == "Runtime.exceptionThrown":
                page.exceptions.append(params)
            elif method == "Audits.issueAdded":
                page.issues.append(params)
        self._events.append(message)

    def send(self, method: str, params: dict[str, Any], *, session: str | None = None) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + DEADLINE
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == ident:
                if "error" in answer:
                    raise CDPError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self._dispatch(answer)

    def wait_for(self, method: str, session: str | None = None) -> dict[str, Any]:
        deadline = time.monotonic() + DEADLINE
        while True:
            for i, event in enumerate(self._events):
                if event.get("method") == method and (session is None or event.get("sessionId") == session):
                    del self._events[i]
                    params: dict[str, Any] = event.get("params", {})
                    return params
            self._dispatch(self._read_message(deadline))

    # --- pages ----------------------------------------------------------------------------------

    def page(self) -> Page:
        """A new tab with Page, Runtime, Log, Network and Audits enabled (all recorded)."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        self.pages[session] = page
        for domain in ("Page", "Runtime", "Log", "Network", "Audits"):
            page.send(f"{domain}.enable")
        return page


def page_count(pdf: bytes) -> int:
    """The pages of a PDF Chromium printed (each page is one `/Type /Page` object)."""
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
