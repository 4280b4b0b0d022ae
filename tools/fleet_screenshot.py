"""Make the README's fleet report screenshot (docs/fleet.png) from real scans.

    python -m tools.fleet_screenshot            # writes docs/fleet.png (needs chromium)

Four generated clusters (`benchmarks.generate`, each its own size and seed, served by
`benchmarks.server` on loopback) are scanned together three times with `scan --all-contexts
--timestamped`, a new seed each time for all but one (so their findings and scores move, and the
fleet report has trends to draw), plus a context nothing answers. The fleet report of the last
run is opened in headless Chromium and its first screen saved.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.run import ROOT, Server
from tests.browser.cdp import Browser, chromium

#: (context, pods, seeds per run): the seeds change the generated cluster from run to run.
CLUSTERS = (
    ("prod-eu-1", 300, (11, 12, 13)),
    ("prod-us-1", 240, (21, 22, 23)),
    ("staging", 160, (31, 31, 31)),
    ("dev", 90, (41, 42, 43)),
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _kubeconfig(path: Path, servers: dict[str, Server]) -> Path:
    dead = f"https://127.0.0.1:{_closed_port()}"
    entries = {name: (s.info["url"], s.info["ca"], s.info["token"]) for name, s in servers.items()}
    entries["legacy-dc"] = (dead, "", "t")
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": u, **({"certificate-authority": c} if c else {})}}
                     for n, (u, c, _t) in entries.items()],
        "users": [{"name": n, "user": {"token": t}} for n, (_u, _c, t) in entries.items()],
        "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in entries],
        "current-context": "prod-eu-1",
    }  # fmt: skip
    path.write_text(json.dumps(doc))
    return path


def scan_runs(work: Path, runs: int = 3) -> Path:
    """The fleet's report folder after `runs` multi-cluster scans."""
    out = work / "reports"
    for run in range(runs):
        servers = {name: Server(pods, seeds[run], 500, True, work / f"tls-{name}") for name, pods, seeds in CLUSTERS}
        try:
            config = _kubeconfig(work / "kubeconfig", servers)
            subprocess.run(
                [sys.executable, "-m", "k8saudit", "scan", "--kubeconfig", str(config), "--all-contexts",
                 "--timestamped", "-q", "-d", str(out)],
                cwd=ROOT, check=False,
            )  # fmt: skip
        finally:
            for server in servers.values():
                server.stop()
        time.sleep(1.1)  # run folders are named to the second
    return out / "fleet.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "fleet.png")
    args = parser.parse_args(argv)
    binary = chromium()
    if binary is None:
        raise SystemExit("chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="k8saudit-fleet-shot-") as tmp:
        page_file = scan_runs(Path(tmp))
        with Browser(binary) as browser:
            page = browser.page()
            page.navigate(page_file.as_uri())
            problems = page.errors()
            if problems:
                raise SystemExit(f"the fleet page complained: {problems}")
            page.screenshot(args.out, width=1280, height=860)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
