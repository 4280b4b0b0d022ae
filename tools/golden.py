"""Prove a refactoring changed no report: render the same inputs with two source trees and compare.

    python -m tools.golden --against 69329ec            # this tree against that commit
    python -m tools.golden --against main --sizes S     # only the demo and size S
    python -m tools.golden --against HEAD~3 --keep /tmp/golden   # keep both sets of files to diff

Inputs: the demo snapshot (`scan --demo`, every format, also with the demo's own report as
`--baseline`), and for each benchmark size (S, M, L: `benchmarks.generate`) a live scan of the
benchmark API server, `collect` to a snapshot and `scan --snapshot` of it. Both trees run in
child processes against the same server (the server's URL is in the reports), from their own
source (`PYTHONPATH`; the other commit is checked out with `git worktree` into a temporary
folder). What differs from run to run is masked before comparing: timestamps (`generatedAt`,
`collectedAt` and the times the reports print). Exit 0 when every file is byte-identical after
that, else 1 with the files that differ.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.generate import SIZES
from benchmarks.run import Server, write_kubeconfig

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ["html", "md", "json", "sarif", "junit"]
#: ISO times (`2026-12-07T21:23:28Z`, `+00:00`, fractions) and the reports' printed forms.
_TIMES = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}| UTC)?"
    r"|\d{8}T\d{6}Z"
    r"|nobody-[0-9a-f]+@"  # the authorizer probe's made-up user
)


def normalized(data: bytes) -> bytes:
    return _TIMES.sub("<time>", data.decode("utf-8", "replace")).encode()


@contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """The source tree of `rev` in a temporary worktree (removed after)."""
    folder = Path(tempfile.mkdtemp(prefix="golden-"))
    tree = folder / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev], check=True, capture_output=True
    )
    try:
        yield tree
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False, capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


def k8saudit(tree: Path, args: list[str], cwd: Path) -> str:
    """Run `k8saudit ARGS` from `tree`'s source in `cwd`; its standard output."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    for name in ("KUBECONFIG", "K8SAUDIT_LOG_FORMAT"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "k8saudit", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800
    )
    if result.returncode not in (0, 1):
        raise SystemExit(f"k8saudit {' '.join(args)} (from {tree}) failed: {result.stderr.strip()[-2000:]}")
    return result.stdout


def every_format() -> list[str]:
    return [arg for fmt in FORMATS for arg in ("-f", fmt)]


def run_demo(tree: Path, out: Path) -> None:
    out.mkdir(parents=True)
    k8saudit(tree, ["scan", "--demo", "-q", "-d", "demo", *every_format()], out)
    # relative paths from here on: the baseline's path is printed in the reports
    baseline = ["--baseline", "demo/report.json"]
    k8saudit(tree, ["scan", "--demo", "-q", "-d", "demo-baseline", *baseline, *every_format()], out)
    who = k8saudit(tree, ["who-can", "create", "pods", "-A", "--demo", "--format", "json"], out)
    (out / "who-can.json").write_text(who)
    diff = k8saudit(tree, ["diff", "demo/report.json", "demo-baseline/report.json", "--format", "json"], out)
    (out / "diff.json").write_text(diff)


def run_size(tree: Path, out: Path, kubeconfig: Path) -> None:
    out.mkdir(parents=True)
    k8saudit(tree, ["scan", "-q", "--kubeconfig", str(kubeconfig), "-d", str(out / "live"), *every_format()], out)
    k8saudit(tree, ["collect", "--kubeconfig", str(kubeconfig), "-o", str(out / "snapshot.json")], out)
    k8saudit(
        tree,
        ["scan", "-q", "--snapshot", str(out / "snapshot.json"), "-d", str(out / "snapshot"), *every_format()],
        out,
    )


def files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(normalized(p.read_bytes())).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the git revision to compare with")
    parser.add_argument("--sizes", default="S,M,L", help="benchmark sizes, comma-separated (empty: demo only)")
    parser.add_argument("--keep", type=Path, help="keep both trees' outputs in this folder")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="golden-out-"))
    if args.keep and work.exists():
        shutil.rmtree(work)
    sizes = [s for s in args.sizes.split(",") if s]
    with checkout(args.against) as old:
        trees = {"old": old, "new": ROOT}
        for name, tree in trees.items():
            run_demo(tree, work / name)
        for size in sizes:
            tls = work / f"tls-{size}"
            tls.mkdir(parents=True)
            server = Server(SIZES[size], 1, 500, True, tls)
            try:
                kubeconfig = write_kubeconfig(work / f"kubeconfig-{size}", server.info)
                for name, tree in trees.items():
                    run_size(tree, work / name / size, kubeconfig)
            finally:
                server.stop()
    before, after = files(work / "old"), files(work / "new")
    differ = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    for name in differ:
        print(f"DIFFERS: {name}" + ("" if name in before and name in after else " (only in one tree)"))
    print(f"{len(before)} files compared, {len(differ)} differ" + (f"; outputs in {work}" if args.keep else ""))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
