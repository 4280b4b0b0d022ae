"""The fleet benchmark: many clusters scanned from one process, and `k8saudit fleet` over many reports.

    python -m benchmarks.fleet                          # 20 clusters of size S, fleet over 500 reports
    python -m benchmarks.fleet --clusters 5 --reports 50 --size 50   # a quick run (the test's)

**Many clusters.** `benchmarks.server` serves one generated cluster (size S: 1,000 pods) on one
port per cluster (`--listeners`: the same pre-rendered pages, each port its own API server
thread; the server runs in its own process, so its CPU and memory are not the client's). A
kubeconfig names one context per port. Each measurement runs in a fresh child process, as in
`benchmarks/run.py`, so `ru_maxrss` is that run's own peak:

- **one scan**: `k8saudit scan --context c01` through the real CLI in-process;
- **N x one scan, one process each**: what a shell loop does today, `k8saudit scan --context cNN`
  N times in a row, each a new process (imports paid each time); the peak is the largest child's;
- **N x one scan, one process**: the same N scans in a row in one process
  (`scan --context … --cluster-workers 1`), and a quarter of them;
- **N clusters at once**: `scan --context … --cluster-workers W` for several W; then with the default
  4 workers over 4 clusters and over 2N: the peak must follow the workers (one inventory each),
  not the clusters.

The server answers on loopback at once, so every scan above is CPU-bound in one process, and
threads on two cores cannot make it faster (the GIL). A cluster across a network is mostly
waiting, so the same is measured again with `--latency-ms` (default 100) waited before every
answer: one scan; N one at a time in one process; N at once for the same W.

**Fleet over many reports.** The JSON report of one scan of that cluster is copied into
`R / 10` clusters' folders x 10 runs each (`DIR/<cluster>/<UTC time>/report.json`, as CronJobs'
`--timestamped` volumes hold them), with the context, the time and the score changed; then
`k8saudit fleet DIR` (HTML, Markdown and JSON written) runs in a child process: time and peak
RSS, for R reports and for a tenth of them.

Wall times are only as good as the machine is quiet: the load average is printed, and CPU time
(user + sys of the process and its children) beside every wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.generate import SIZES
from benchmarks.run import ROOT, Server, machine

RESULT_PREFIX = "FLEET-RESULT "
#: `scan --cluster-workers`' default (k8saudit.cli.fleet_scan.DEFAULT_CLUSTER_WORKERS).
DEFAULT_WORKERS = 4


# --- child side ---------------------------------------------------------------------------------


def _usage() -> tuple[float, float]:
    """(CPU seconds of this process and its waited children, the larger peak RSS in MB of the two)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    return cpu, max(me.ru_maxrss, kids.ru_maxrss) / 1024


def _cli(args: list[str]) -> int:
    """The CLI in this process, its terminal output swallowed; its exit code."""
    from k8saudit import cli

    with contextlib.redirect_stdout(io.StringIO()):
        try:
            code = cli.app(args, standalone_mode=False)
        except SystemExit as exc:
            code = exc.code
    return int(code or 0)


def child(mode: str, config: dict[str, Any]) -> dict[str, Any]:
    """One measured run in this (fresh) process."""
    kubeconfig, out = config["kubeconfig"], Path(config["out"])
    cpu0, _ = _usage()
    began = time.perf_counter()
    if mode == "one":
        code = _cli(["scan", "--kubeconfig", kubeconfig, "--context", "c01", "-d", str(out), "-q"])
    elif mode == "processes":
        code = 0
        for i in range(1, config["clusters"] + 1):
            proc = subprocess.run(
                [sys.executable, "-m", "k8saudit", "scan", "--kubeconfig", kubeconfig, "--context", f"c{i:02d}",
                 "-d", str(out / f"c{i:02d}"), "-q"],
                cwd=ROOT, capture_output=True, check=False,
            )  # fmt: skip
            code = max(code, proc.returncode)
    elif mode == "clusters":
        contexts = [a for i in range(1, config["clusters"] + 1) for a in ("--context", f"c{i:02d}")]
        workers = ["--cluster-workers", str(config["workers"])]
        code = _cli(["scan", "--kubeconfig", kubeconfig, *contexts, *workers, "-d", str(out), "-q"])
    elif mode == "fleet":
        code = _cli(["fleet", config["reports"], "-d", str(out), "-q"])
    else:
        raise SystemExit(f"unknown mode {mode}")
    wall = time.perf_counter() - began
    cpu1, peak = _usage()
    return {"mode": mode, "exit": code, "wall_s": wall, "cpu_s": cpu1 - cpu0, "peak_rss_mb": peak}


# --- parent side --------------------------------------------------------------------------------


def run_child(mode: str, config: dict[str, Any], timeout: float = 3600) -> dict[str, Any]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("KUBECONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.fleet", "--child", mode, "--child-config", json.dumps(config)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"fleet benchmark child {mode!r} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_PREFIX) :])
    if result["exit"] != 0:
        raise RuntimeError(f"fleet benchmark child {mode!r}: the command exited {result['exit']}")
    return result


def write_kubeconfig(path: Path, info: dict[str, Any], clusters: int) -> Path:
    """One context per listener: c01, c02, … (JSON is YAML: any kubeconfig loader reads it)."""
    urls = info["urls"]
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": f"k{i:02d}", "cluster": {"server": urls[i - 1], "certificate-authority": info["ca"]}}
                     for i in range(1, clusters + 1)],
        "users": [{"name": "bench", "user": {"token": info["token"]}}],
        "contexts": [{"name": f"c{i:02d}", "context": {"cluster": f"k{i:02d}", "user": "bench"}}
                     for i in range(1, clusters + 1)],
        "current-context": "c01",
    }  # fmt: skip
    path.write_text(json.dumps(doc, indent=2))
    return path


_HEAD = re.compile(rb'"generatedAt": "[^"]*"|"context": "c01"|"score": [0-9.]+|"collectedAt": "[^"]*"')


def copy_reports(report: Path, root: Path, count: int, runs: int = 10) -> Path:
    """`count` copies of `report` as `runs` runs of `count / runs` clusters, each with its own
    context, time and score (replaced in the report's head, before its findings)."""
    data = report.read_bytes()
    cut = data.index(b'"findings"')
    head, tail = data[:cut], data[cut:]
    for n in range(count):
        cluster, run = divmod(n, runs)
        stamp = f"2026-11-{run + 1:02d}T03:17:02Z"
        values = {
            b"generatedAt": f'"generatedAt": "{stamp}"'.encode(),
            b"collectedAt": f'"collectedAt": "{stamp}"'.encode(),
            b"context": f'"context": "fleet-{cluster:03d}"'.encode(),
            b"score": f'"score": {50 + (cluster * 7 + run * 3) % 50}.0'.encode(),
        }
        new_head = _HEAD.sub(lambda m, v=values: v[m.group().split(b'"')[1]], head)  # type: ignore[misc]
        target = root / f"fleet-{cluster:03d}" / f"202611{run + 1:02d}T031702Z" / "report.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(new_head + tail)
    return root


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (5 min {five:.1f})"


def _row(label: str, r: dict[str, Any]) -> str:
    return f"  {label:<46}{r['wall_s']:8.2f} s{r['cpu_s']:9.2f} s{r['peak_rss_mb']:9.0f} MB"


def _pods(args: argparse.Namespace) -> int:
    return SIZES.get(str(args.size).upper()) or int(args.size)


def bench_clusters(args: argparse.Namespace, work: Path, log: Any) -> tuple[list[str], dict[str, Any]]:
    pods = _pods(args)
    n = args.clusters
    server = Server(pods, 1, 500, True, work / "tls", listeners=2 * n)
    results: dict[str, Any] = {"pods": pods, "clusters": n}
    lines = [f"{n} clusters of {pods:,} pods (one generated cluster served on {2 * n} ports); load average {_load()}"]
    lines.append(HEADER)
    try:
        kc = str(write_kubeconfig(work / "kubeconfig", server.info, 2 * n))
        base = {"kubeconfig": kc, "clusters": n}

        def measure(key: str, label: str, mode: str, **extra: Any) -> dict[str, Any]:
            log(f"fleet benchmark: {label}")
            out = work / key
            runs = [run_child(mode, {**base, **extra, "out": str(out / str(i))}) for i in range(args.repeat)]
            best = min(runs, key=lambda r: r["wall_s"])
            results[key] = best | {"runs_s": [round(r["wall_s"], 2) for r in runs]}
            lines.append(_row(label, best))
            return best

        one = measure("one", "one scan (c01)", "one")
        processes = measure("processes", f"{n} x one scan, a process each", "processes")
        few = max(2, n // 4)
        measure("serial_few", f"{few} x one scan, one process, one at a time", "clusters", workers=1, clusters=few)
        serial = measure("serial", f"{n} x one scan, one process, one at a time", "clusters", workers=1)
        for workers in args.workers:
            measure(f"workers{workers}", f"{n} clusters at once, --cluster-workers {workers}", "clusters",
                    workers=workers)  # fmt: skip
        # The same concurrency (the default 4 workers) over as many clusters as workers and over twice
        # N: the peak follows the workers, not the clusters.
        w = DEFAULT_WORKERS
        measure("as_many", f"{w} clusters at once, --cluster-workers {w}", "clusters", workers=w, clusters=w)
        measure("twice", f"{2 * n} clusters at once, --cluster-workers {w}", "clusters", workers=w, clusters=2 * n)
        best = min((results[f"workers{w}"] for w in args.workers), key=lambda r: r["wall_s"])
        alone = n * one["wall_s"]
        lines.append(
            f"  speed-up of the fastest concurrent run: {processes['wall_s'] / best['wall_s']:.2f}x over "
            f"{n} processes, "
            f"{alone / best['wall_s']:.2f}x over {n} x one scan ({alone:.1f} s), "
            f"{serial['wall_s'] / best['wall_s']:.2f}x over one process one at a time"
        )
    finally:
        server.stop()
    return lines, results


HEADER = f"  {'':<46}{'wall':>10}{'CPU':>11}{'peak RSS':>12}"


def bench_latency(args: argparse.Namespace, work: Path, log: Any) -> tuple[list[str], dict[str, Any]]:
    """The same clusters with `--latency-ms` before every answer: what concurrency is for."""
    n, latency = args.clusters, args.latency_ms
    server = Server(_pods(args), 1, 500, True, work / "tls-latency", listeners=n, latency_ms=latency)
    results: dict[str, Any] = {"latency_ms": latency}
    lines = [f"the same {n} clusters, {latency:g} ms before every API answer; load average {_load()}", HEADER]
    try:
        base = {"kubeconfig": str(write_kubeconfig(work / "kubeconfig-latency", server.info, n)), "clusters": n}

        def measure(key: str, label: str, mode: str, **extra: Any) -> dict[str, Any]:
            log(f"fleet benchmark, {latency:g} ms: {label}")
            runs = [run_child(mode, {**base, **extra, "out": str(work / f"latency-{key}" / str(i))})
                    for i in range(args.repeat)]  # fmt: skip
            best = min(runs, key=lambda r: r["wall_s"])
            results[key] = best | {"runs_s": [round(r["wall_s"], 2) for r in runs]}
            lines.append(_row(label, best))
            return best

        measure("one", "one scan (c01)", "one")
        serial = measure("serial", f"{n} x one scan, one process, one at a time", "clusters", workers=1)
        fastest = min(
            (measure(f"workers{w}", f"{n} clusters at once, --cluster-workers {w}", "clusters", workers=w)
             for w in args.workers),
            key=lambda r: r["wall_s"],
        )  # fmt: skip
        lines.append(f"  speed-up of the fastest concurrent run: {serial['wall_s'] / fastest['wall_s']:.2f}x over "
                     "one process one at a time")  # fmt: skip
    finally:
        server.stop()
    return lines, results


def bench_reports(args: argparse.Namespace, work: Path, log: Any) -> tuple[list[str], dict[str, Any]]:
    report = work / "one" / "0" / "report.json"
    if not report.is_file():  # --no-clusters: make the one report first
        raise SystemExit("the fleet-over-reports part needs the clusters part's report (drop --no-clusters)")
    size_mb = report.stat().st_size / 1e6
    lines = [f"k8saudit fleet over copies of that report ({size_mb:.1f} MB each); load average {_load()}"]
    results: dict[str, Any] = {"report_mb": round(size_mb, 2)}
    for count in sorted({max(10, args.reports // 10), args.reports}):
        log(f"fleet benchmark: k8saudit fleet over {count} reports")
        root = copy_reports(report, work / f"reports-{count}", count)
        runs = [run_child("fleet", {"kubeconfig": "", "reports": str(root), "out": str(work / f"fleet-{count}")})
                for _ in range(args.repeat)]  # fmt: skip
        best = min(runs, key=lambda r: r["wall_s"])
        clusters = -(-count // 10)
        results[f"fleet{count}"] = best | {"clusters": clusters, "runs_s": [round(r["wall_s"], 2) for r in runs]}
        lines.append(_row(f"{count} reports ({clusters} clusters x 10 runs each)", best))
    return lines, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="k8saudit fleet benchmark (see benchmarks/README.md)")
    parser.add_argument("--size", default="S", help="pods per cluster: S, M, L or a number (default S)")
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4, 8], help="--cluster-workers values to try")
    parser.add_argument("--reports", type=int, default=500, help="reports for the fleet-over-reports part")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="per answer, for the latency part (0: skip)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the best is reported")
    parser.add_argument("--out", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-config", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(RESULT_PREFIX + json.dumps(child(args.child, json.loads(args.child_config))), flush=True)
        return 0

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    print(machine())
    with tempfile.TemporaryDirectory(prefix="k8saudit-fleet-bench-") as tmp:
        work = args.out or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        scan_lines, scan_results = bench_clusters(args, work, log)
        print("\n".join(scan_lines), flush=True)
        latency_lines, latency_results = bench_latency(args, work, log) if args.latency_ms > 0 else ([], {})
        print("\n".join(latency_lines), flush=True)
        fleet_lines, fleet_results = bench_reports(args, work, log)
        print("\n".join(fleet_lines), flush=True)
    if args.json:
        document = {"clusters": scan_results, "latency": latency_results, "reports": fleet_results}
        args.json.write_text(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
