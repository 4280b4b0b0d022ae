"""The scan benchmark: a synthetic cluster served on loopback, a full live scan, and the floor.

    python -m benchmarks.run --size L          # one size (S, M, L), or `all` (the default)
    python -m benchmarks.run --pods 50         # any size
    python -m benchmarks.run --size L --profile cprofile   # also write a profile of one scan

For each size it starts `benchmarks.server` (pre-rendered pages, its own process), then runs
each measurement in a fresh child process, so one run's memory and caches do not leak into the
next and `ru_maxrss` is that run's peak:

- **scan**: `k8saudit scan` through the real CLI code path in-process (typer parses the same
  arguments; `collect_live` → `run_checks` → HTML, Markdown and JSON reports written, terminal
  summary printed). Stages are timed by wrapping the functions the CLI calls: fetch (time in
  HTTP GETs, summed over the worker threads), parse (time in the model parse, summed), collect
  (wall), index (owner resolution and control-plane views, forced before the checks), checks,
  render (per format) and summary.
- **floor**: the same list requests, same pages, same client stack (urllib3, TLS, gzip, the
  same number of concurrent lists), each page parsed with the fastest JSON parser available
  (orjson, else json) into plain dicts, garbage collector off. No models, no checks.
- **snapshot mode**: `k8saudit collect -o FILE` (live → snapshot), then `k8saudit scan
  --snapshot FILE` with no network.

Times are the best of `--repeat` runs (default 3). The last line is
`ratio total/floor: X.XX  peak_rss_mb: N  size: S|M|L` (the scan's total wall time over the
floor's, the scan's peak RSS). With more than one size a scaling table follows (each stage's
time at L over S against the 20x growth in pods), and the ratio lines are repeated last.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.generate import SIZES

RESULT_PREFIX = "BENCH-RESULT "
ROOT = Path(__file__).resolve().parent.parent


# --- child side: one measured run ------------------------------------------------------------


class Meter:
    """Seconds and calls per stage; thread-safe (fetch and parse run on worker threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def add(self, name: str, seconds: float) -> None:
        with self.lock:
            self.seconds[name] += seconds
            self.calls[name] += 1

    @contextlib.contextmanager
    def time(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)

    def wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.time(name):
                return func(*args, **kwargs)

        return timed


class GCMeter:
    """Time the cyclic garbage collector spends, via gc.callbacks."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections[info["generation"]] += 1


def _instrument(meter: Meter) -> list[str]:
    """Wrap what the CLI calls so each stage is timed; returns the stages that could not be hooked."""
    from k8saudit import api
    from k8saudit.cli import report_files
    from k8saudit.output import render as report
    from k8saudit.output import terminal
    from k8saudit.sources import files, live

    missing: list[str] = []
    session = getattr(live, "_Session", None)
    if session is not None and hasattr(session, "get"):
        session.get = meter.wrap("fetch", session.get)
    else:
        missing.append("fetch")
    parse_page = getattr(live, "_parse_page", None)
    if parse_page is not None:
        live._parse_page = meter.wrap("parse", parse_page)
    else:
        missing.append("parse")
    collect = api.collect
    api.collect = meter.wrap("collect", collect)
    run_checks = api.run_checks

    def checks(inv: Any, *args: Any, **kwargs: Any) -> Any:
        with meter.time("index"):
            inv.workloads  # noqa: B018 - cached properties: owner resolution, control plane, namespaces
            inv.control_plane  # noqa: B018
            inv.namespaces  # noqa: B018
        with meter.time("checks"):
            return run_checks(inv, *args, **kwargs)

    api.run_checks = checks
    render = report.render

    def timed_render(rep: Any, fmt: str) -> str:
        with meter.time(f"render {fmt}"):
            return render(rep, fmt)

    report.render = timed_render
    if hasattr(report, "write"):  # reports streamed to their files: rendering and writing are one step
        write = report.write

        def timed_write(rep: Any, fmt: str, handle: Any) -> None:
            with meter.time(f"render {fmt}"):
                write(rep, fmt, handle)

        report.write = timed_write
    report_files.write_reports = meter.wrap("render", report_files.write_reports)  # render and write every format
    terminal.print_summary = meter.wrap("summary", terminal.print_summary)
    files.write_snapshot = meter.wrap("write snapshot", files.write_snapshot)
    return missing


def _cli_supports(option: str) -> bool:
    import inspect

    from k8saudit.cli.scan import scan

    return option in inspect.signature(scan).parameters


def _run_cli(args: list[str]) -> None:
    from k8saudit import cli

    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):  # the terminal summary: rendered, not shown
        try:
            cli.app(args, standalone_mode=False)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise


def child(mode: str, config: dict[str, Any]) -> dict[str, Any]:
    """One measured run in this (fresh) process."""
    result: dict[str, Any] = {"mode": mode}
    started = time.perf_counter()
    if mode == "floor":
        result.update(_floor(config))
    else:
        if mode != "snapshot":
            import kubernetes  # noqa: F401 - imported lazily by a live scan; counted as import, not work
        result["import_s"] = time.perf_counter() - started
        meter = Meter()
        result["unhooked"] = _instrument(meter)
        gcm = GCMeter()
        gc.callbacks.append(gcm)
        common = ["--page-size", str(config["page_size"])]
        if config.get("workers") and _cli_supports("workers"):
            common += ["--workers", str(config["workers"])]
        out = Path(config["out"])
        profiler = _profiler(config.get("profile"))
        cpu = _cpu()
        began = time.perf_counter()
        with profiler:
            if mode == "scan":
                _run_cli(["scan", "--kubeconfig", config["kubeconfig"], "--output-dir", str(out / "scan"), *common])
            elif mode == "collect":
                _run_cli(["collect", "--kubeconfig", config["kubeconfig"], "--output", config["snapshot"], *common])
            elif mode == "snapshot":
                _run_cli(["scan", "--snapshot", config["snapshot"], "--output-dir", str(out / "snapshot")])
            else:
                raise SystemExit(f"unknown mode {mode}")
        result["total_s"] = time.perf_counter() - began
        # the run's own peak, before this process reads the written report back to count it
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result["cpu_s"] = _cpu() - cpu
        gc.callbacks.remove(gcm)
        profiler.save(config, mode)
        result["stages"] = dict(meter.seconds)
        result["gc_s"] = gcm.seconds
        result["gc_collections"] = gcm.collections
        if mode == "collect":
            result["snapshot_bytes"] = Path(config["snapshot"]).stat().st_size
        if mode == "scan":
            report = json.loads((out / "scan" / "report.json").read_text())
            result["findings"] = len(report.get("findings", []))
            result["workloads"] = report.get("cluster", {}).get("workloads")
            result["pods"] = report.get("cluster", {}).get("pods")
            result["report_bytes"] = {p.suffix[1:]: p.stat().st_size for p in (out / "scan").iterdir()}
    result.setdefault("peak_rss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _NoProfile:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None

    def save(self, config: dict[str, Any], mode: str) -> None:
        return None


class _CProfile(_NoProfile):
    def __init__(self) -> None:
        import cProfile

        self.profile = cProfile.Profile()

    def __enter__(self) -> None:
        self.profile.enable()

    def __exit__(self, *exc: object) -> None:
        self.profile.disable()

    def save(self, config: dict[str, Any], mode: str) -> None:
        import pstats

        base = Path(config["out"]) / f"profile-{config['label']}-{mode}"
        self.profile.dump_stats(f"{base}.pstats")
        with open(f"{base}.txt", "w") as fh:
            stats = pstats.Stats(self.profile, stream=fh).sort_stats("cumulative")
            stats.print_stats(60)
            stats.sort_stats("tottime").print_stats(40)


class _Pyinstrument(_NoProfile):
    def __init__(self) -> None:
        from pyinstrument import Profiler

        self.profiler = Profiler(interval=0.001)

    def __enter__(self) -> None:
        self.profiler.start()

    def __exit__(self, *exc: object) -> None:
        self.profiler.stop()

    def save(self, config: dict[str, Any], mode: str) -> None:
        base = Path(config["out"]) / f"profile-{config['label']}-{mode}"
        Path(f"{base}.pyinstrument.txt").write_text(self.profiler.output_text(unicode=False, color=False))


def _profiler(kind: str | None) -> _NoProfile:
    if kind == "cprofile":
        return _CProfile()
    if kind == "pyinstrument":
        return _Pyinstrument()
    return _NoProfile()


def _floor(config: dict[str, Any]) -> dict[str, Any]:
    """Fetch every list the collector reads, raw, and parse each page into dicts: nothing more."""
    from concurrent.futures import ThreadPoolExecutor

    import urllib3

    from k8saudit.model.kinds import KINDS
    from k8saudit.sources.live import NEVER_LISTED

    try:
        import orjson

        loads: Callable[[bytes], Any] = orjson.loads
        parser = "orjson"
    except ImportError:
        loads, parser = json.loads, "json"
    paths = [k.list_path for k in KINDS if k.kind not in NEVER_LISTED]
    url, page_size = config["url"], config["page_size"]
    workers = max(1, min(config.get("workers") or 4, len(paths)))
    pool = urllib3.PoolManager(
        cert_reqs="CERT_REQUIRED", ca_certs=config["ca"], maxsize=(os.cpu_count() or 1) * 5, retries=False
    )
    headers = {
        "Accept": "application/json",
        "Accept-Encoding": "gzip",
        "Authorization": f"Bearer {config['token']}",
        "User-Agent": "k8saudit-bench-floor",
    }
    meter = Meter()

    def list_all(path: str) -> list[Any]:
        items: list[Any] = []
        token = ""
        while True:
            fields: dict[str, str] = {"limit": str(page_size)}
            if token:
                fields["continue"] = token
            with meter.time("fetch"):
                response = pool.request("GET", url + path, fields=fields, headers=headers, preload_content=False)
                data = response.read()
                response.release_conn()
            if response.status != 200:
                raise RuntimeError(f"floor: GET {path}: {response.status}")
            with meter.time("parse"):
                page = loads(data)
            items.extend(page["items"])
            token = page["metadata"].get("continue") or ""
            if not token:
                return items

    gc.disable()
    cpu = _cpu()
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as executor:
        lists = list(executor.map(list_all, paths))
    total = time.perf_counter() - began
    cpu = _cpu() - cpu
    gc.enable()
    return {
        "parser": parser,
        "total_s": total,
        "cpu_s": cpu,
        "stages": {**meter.seconds, "collect": total},
        "objects": sum(len(items) for items in lists),
        "requests": meter.calls["fetch"],
    }


# --- parent side: orchestration and the table --------------------------------------------


@dataclass
class SizeResult:
    label: str
    pods: int
    server: dict[str, Any]
    scan: dict[str, Any]
    floor: dict[str, Any]
    collect: dict[str, Any] | None = None
    snapshot: dict[str, Any] | None = None
    runs: dict[str, list[float]] = field(default_factory=dict)
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def ratio(self) -> float:
        return float(self.scan["total_s"]) / float(self.floor["total_s"])

    def ratio_line(self) -> str:
        return (
            f"ratio total/floor: {self.ratio:.2f}  peak_rss_mb: {round(self.scan['peak_rss_mb'])}  size: {self.label}"
        )


class Server:
    """`python -m benchmarks.server` in a process of its own."""

    def __init__(
        self,
        pods: int,
        seed: int,
        page_size: int,
        gzip_enabled: bool,
        tls_dir: Path,
        listeners: int = 1,
        latency_ms: float = 0.0,
    ) -> None:
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.server",
            "--pods",
            str(pods),
            "--seed",
            str(seed),
            "--page-size",
            str(page_size),
            "--tls-dir",
            str(tls_dir),
            "--listeners",
            str(listeners),
            "--latency-ms",
            str(latency_ms),
        ]
        if not gzip_enabled:
            cmd.append("--no-gzip")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError(f"the benchmark API server did not start (exit {self.proc.returncode})")
        self.info: dict[str, Any] = json.loads(line)

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def write_kubeconfig(path: Path, info: dict[str, Any]) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "bench", "cluster": {"server": info["url"], "certificate-authority": info["ca"]}}],
        "users": [{"name": "bench", "user": {"token": info["token"]}}],
        "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": "bench"}}],
        "current-context": "bench",
    }
    path.write_text(json.dumps(doc, indent=2))  # JSON is YAML: any kubeconfig loader reads it
    return path


def run_child(mode: str, config: dict[str, Any], timeout: float = 1800) -> dict[str, Any]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("KUBECONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--child", mode, "--child-config", json.dumps(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"benchmark child {mode!r} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_PREFIX) :])
    return result


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return min(runs, key=lambda r: float(r["total_s"]))


def bench_size(
    label: str,
    pods: int,
    *,
    seed: int,
    page_size: int,
    workers: int | None,
    repeat: int,
    gzip_enabled: bool,
    snapshot: bool,
    profile: str | None,
    out: Path,
    log: Callable[[str], None],
) -> SizeResult:
    out.mkdir(parents=True, exist_ok=True)
    log(f"[{label}] generating {pods} pods and pre-rendering pages ...")
    server = Server(pods, seed, page_size, gzip_enabled, out / "tls")
    try:
        info = server.info
        log(
            f"[{label}] serving {info['url']}: {info['pages']} pages, {info['bytes_json'] / 1e6:.0f} MB JSON "
            f"({info['bytes_wire'] / 1e6:.0f} MB on the wire); generated in {info['generate_s']} s, "
            f"rendered in {info['render_s']} s"
        )
        config = {
            "url": info["url"],
            "ca": info["ca"],
            "token": info["token"],
            "kubeconfig": str(write_kubeconfig(out / "kubeconfig", info)),
            "page_size": page_size,
            "workers": workers,
            "out": str(out),
            "snapshot": str(out / "snapshot.json"),
            "label": label,
        }
        run_child("floor", config)  # warm-up: TLS, page cache, .pyc files; not counted
        load = os.getloadavg()
        scans: list[dict[str, Any]] = []
        floors: list[dict[str, Any]] = []
        for i in range(repeat):
            floors.append(run_child("floor", config))
            scans.append(run_child("scan", config))
            log(
                f"[{label}] run {i + 1}/{repeat}: scan {scans[-1]['total_s']:.2f} s, "
                f"floor {floors[-1]['total_s']:.2f} s, scan peak RSS {scans[-1]['peak_rss_mb']:.0f} MB"
            )
        result = SizeResult(label, pods, info, _best(scans), _best(floors), load=load)
        result.runs = {"scan": [r["total_s"] for r in scans], "floor": [r["total_s"] for r in floors]}
        if snapshot:
            collects = [run_child("collect", config) for _ in range(repeat)]
            snaps = [run_child("snapshot", config) for _ in range(repeat)]
            result.collect, result.snapshot = _best(collects), _best(snaps)
        if profile:
            run_child("scan", {**config, "profile": profile})
            if snapshot:
                run_child("snapshot", {**config, "profile": profile})
            log(f"[{label}] profiles written to {out}/profile-{label}-*")
        return result
    finally:
        server.stop()


SCAN_ROWS = (
    ("fetch", "fetch (Σ over threads)"),
    ("parse", "parse (Σ over threads)"),
    ("collect", "collect (wall)"),
    ("index", "index: owners, control plane"),
    ("checks", "checks"),
    ("render html", "render html"),
    ("render md", "render md"),
    ("render json", "render json"),
    ("render", "render + write (all)"),
    ("summary", "terminal summary"),
)


def _fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:8.2f} s"


def table(res: SizeResult) -> str:
    scan, floor = res.scan, res.floor
    info = res.server
    lines = [
        f"load average at start {res.load[0]:.1f} on {os.cpu_count()} cores"
        + (
            "  (WARNING: the machine was busy; wall times are unreliable)"
            if res.load[0] > (os.cpu_count() or 1)
            else ""
        ),
        f"size {res.label}: {res.pods:,} pods, {floor['objects']:,} objects in {floor['requests']} pages of "
        f"{info['bytes_json'] / 1e6:.0f} MB JSON ({info['bytes_wire'] / 1e6:.0f} MB gzipped on the wire); "
        f"floor parser {floor['parser']}; {scan.get('workloads')} workloads, {scan.get('findings')} findings",
        f"{'stage':34}{'scan':>12}{'floor':>12}",
    ]
    for key, title in SCAN_ROWS:
        s = scan["stages"].get(key)
        f = floor["stages"].get(key)
        if s is None and f is None:
            continue
        lines.append(f"  {title:32}{_fmt_s(s):>12}{_fmt_s(f):>12}")
    lines.append(f"  {'TOTAL (wall)':32}{_fmt_s(scan['total_s']):>12}{_fmt_s(floor['total_s']):>12}")
    lines.append(f"  {'CPU time (user + sys)':32}{_fmt_s(scan['cpu_s']):>12}{_fmt_s(floor['cpu_s']):>12}")
    lines.append(
        f"  {'GC pauses (scan)':32}{_fmt_s(scan['gc_s']):>12}   collections by generation {scan['gc_collections']}"
    )
    lines.append(f"  {'peak RSS':32}{scan['peak_rss_mb']:>9.0f} MB{floor['peak_rss_mb']:>9.0f} MB")
    lines.append(f"  {'imports before work (scan)':32}{_fmt_s(scan['import_s']):>12}")
    if len(res.runs.get("scan", [])) > 1:
        lines.append(
            "  runs (s): scan "
            + " ".join(f"{t:.2f}" for t in res.runs["scan"])
            + " | floor "
            + " ".join(f"{t:.2f}" for t in res.runs["floor"])
        )
    if scan.get("unhooked"):
        lines.append(f"  (stages not measured: {', '.join(scan['unhooked'])}: the collector changed shape)")
    if res.collect and res.snapshot:
        c, s = res.collect, res.snapshot
        lines.append(
            f"snapshot mode: collect → file {c['total_s']:.2f} s (write {c['stages'].get('write snapshot', 0):.2f} s, "
            f"{c['snapshot_bytes'] / 1e6:.1f} MB, peak RSS {c['peak_rss_mb']:.0f} MB); "
            f"scan --snapshot {s['total_s']:.2f} s: load {s['stages'].get('collect', 0):.2f} s, "
            f"index {s['stages'].get('index', 0):.2f} s, checks {s['stages'].get('checks', 0):.2f} s, "
            f"render {s['stages'].get('render', 0):.2f} s, peak RSS {s['peak_rss_mb']:.0f} MB"
        )
    return "\n".join(lines)


SCALING_ROWS = (
    ("fetch", "scan"),
    ("parse", "scan"),
    ("collect", "scan"),
    ("index", "scan"),
    ("checks", "scan"),
    ("render", "scan"),
    ("total", "scan"),
    ("cpu", "scan"),
    ("fetch", "floor"),
    ("parse", "floor"),
    ("total", "floor"),
    ("cpu", "floor"),
    ("load", "snapshot"),
    ("checks", "snapshot"),
    ("total", "snapshot"),
    ("peak RSS MB", "scan"),
)


def _stage(res: SizeResult, stage: str, source: str) -> float | None:
    data = {"scan": res.scan, "floor": res.floor, "snapshot": res.snapshot}.get(source)
    if data is None:
        return None
    if stage == "total":
        return float(data["total_s"])
    if stage == "cpu":
        return float(data["cpu_s"])
    if stage == "peak RSS MB":
        return float(data["peak_rss_mb"])
    value = data["stages"].get("collect" if stage == "load" else stage)
    return None if value is None else float(value)


def scaling(results: list[SizeResult]) -> str:
    first, last = results[0], results[-1]
    growth = last.pods / first.pods
    head = "".join(f"{r.label:>10}" for r in results)
    lines = [
        f"scaling: each stage from {first.label} to {last.label} "
        f"({growth:.0f}x the pods; linear means about {growth:.0f}x)",
        f"{'stage':24}{head}{last.label + '/' + first.label:>10}",
    ]
    for stage, source in SCALING_ROWS:
        values = [_stage(r, stage, source) for r in results]
        if any(v is None for v in values):
            continue
        a, z = values[0], values[-1]
        ratio = f"{z / a:9.1f}x" if a and z is not None else "      -"
        unit = "" if stage == "peak RSS MB" else "s"
        cells = "".join(f"{v:9.2f}{unit}" if unit else f"{v:10.0f}" for v in values if v is not None)
        lines.append(f"{source + ' ' + stage:24}{cells}{ratio:>10}")
    return "\n".join(lines)


def machine() -> str:
    import importlib.metadata as md

    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    cpu = "unknown cpu"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break

    def ver(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "absent"

    return (
        f"machine: {os.cpu_count()} cores ({cpu}), {mem_gb:.1f} GB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; kubernetes {ver('kubernetes')}, urllib3 {ver('urllib3')}, "
        f"pydantic {ver('pydantic')} (core {ver('pydantic-core')}), orjson {ver('orjson')}, jinja2 {ver('jinja2')}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="k8saudit scan benchmark (see benchmarks/README.md)")
    parser.add_argument("--size", default="all", help="S, M, L, a comma list, or all (default)")
    parser.add_argument("--pods", type=int, help="a custom size instead of --size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=None, help="lists read concurrently (default: the CLI's)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is reported")
    parser.add_argument("--no-gzip", action="store_true", help="serve uncompressed (a server with compression off)")
    parser.add_argument("--no-snapshot", action="store_true", help="skip the snapshot-mode runs")
    parser.add_argument("--profile", choices=("cprofile", "pyinstrument"), help="also profile one scan per size")
    parser.add_argument("--out", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-config", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        result = child(args.child, json.loads(args.child_config))
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        return 0

    if args.pods:
        sizes = [(f"{args.pods}", args.pods)]
    elif args.size.lower() == "all":
        sizes = list(SIZES.items())
    else:
        labels = [s.strip().upper() for s in args.size.split(",") if s.strip()]
        unknown = [s for s in labels if s not in SIZES]
        if unknown:
            parser.error(f"unknown size {', '.join(unknown)}: choose from {', '.join(SIZES)} or all")
        sizes = [(s, SIZES[s]) for s in labels]

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    print(machine())
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="k8saudit-bench-") as tmp:
        base = args.out or Path(tmp)
        for label, pods in sizes:
            res = bench_size(
                label,
                pods,
                seed=args.seed,
                page_size=args.page_size,
                workers=args.workers,
                repeat=max(1, args.repeat),
                gzip_enabled=not args.no_gzip,
                snapshot=not args.no_snapshot,
                profile=args.profile,
                out=base / label,
                log=log,
            )
            results.append(res)
            print()
            print(table(res))
            print(res.ratio_line(), flush=True)
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "label": r.label,
                        "pods": r.pods,
                        "server": r.server,
                        "scan": r.scan,
                        "floor": r.floor,
                        "collect": r.collect,
                        "snapshot": r.snapshot,
                        "runs": r.runs,
                    }
                    for r in results
                ],
                indent=2,
            )
        )
    if len(results) > 1:
        print()
        print(scaling(results))
        print()
        for res in results:
            print(res.ratio_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
