"""Cluster-wide facts (NSA/CISA: Upgrading and application security practices).

`cluster.version-supported` compares the server's minor version with a dated release table
shipped as data (`k8saudit/data/kubernetes_releases.json`): upstream end-of-life dates and
the EKS, GKE and AKS support schedules, judged against the platform's own schedule when the
cluster runs on one. "Today" is the snapshot's `collectedAt` when the source records it (so
an offline scan of an old snapshot, and every test, judges the day it was taken), else the
current date.

The table is data so it can be refreshed without a code change: `load_release_table(path)`
reads another file of the same shape, and the environment variable `K8SAUDIT_RELEASES_FILE`
makes every scan use it. A minor newer than the table's last row passes with a note rather
than failing, since no minor reaches end of life before the table could have listed it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.facts import ClusterFactsSpec
from k8saudit.model.findings import Section, Severity
from k8saudit.runtime.errors import InputError

Minor = tuple[int, int]

RELEASES_FILE = Path(__file__).resolve().parent.parent / "data" / "kubernetes_releases.json"
#: Environment variable naming a release table to use instead of the packaged one.
RELEASES_ENV = "K8SAUDIT_RELEASES_FILE"
PROVIDERS = {"eks": "EKS", "gke": "GKE", "aks": "AKS"}
EXTENDED_NAMES = {
    "eks": "EKS extended support (charged per cluster hour)",
    "gke": "GKE extended support",
    "aks": "AKS long-term support (Premium tier)",
}


@dataclass(frozen=True)
class ProviderSupport:
    """A managed platform's support of one minor: standard support, then optional extended support."""

    standard: dt.date
    extended: dt.date | None = None


@dataclass(frozen=True)
class ReleaseTable:
    checked: dt.date
    upstream: dict[Minor, dt.date]
    providers: dict[str, dict[Minor, ProviderSupport]] = field(default_factory=dict)
    source: str = ""


def _minor(text: str) -> Minor:
    match = re.fullmatch(r"(\d+)\.(\d+)", text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a minor version such as 1.31")
    return int(match.group(1)), int(match.group(2))


def _date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def load_release_table(path: Path | None = None) -> ReleaseTable:
    """The release table in `path` (default: the packaged one); a malformed file is an InputError."""
    path = path or RELEASES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("upstream"), dict):
            raise ValueError("expected an object with an `upstream` table")
        upstream = {_minor(k): _date(v.get("endOfLife"), f"upstream {k}") for k, v in data["upstream"].items()}
        providers: dict[str, dict[Minor, ProviderSupport]] = {}
        for name in PROVIDERS:
            rows = data.get(name) or {}
            providers[name] = {
                _minor(k): ProviderSupport(
                    _date(v.get("endOfStandardSupport"), f"{name} {k}"),
                    _date(v["endOfExtendedSupport"], f"{name} {k}") if v.get("endOfExtendedSupport") else None,
                )
                for k, v in rows.items()
            }
        return ReleaseTable(_date(data.get("checked"), "checked"), upstream, providers, str(path))
    except OSError as exc:
        raise InputError(f"release table {path}: {exc.strerror or exc}") from None
    except (ValueError, AttributeError, TypeError) as exc:
        raise InputError(f"release table {path}: {exc}") from None


@cache
def _table_for(path: str) -> ReleaseTable:
    return load_release_table(Path(path))


def release_table() -> ReleaseTable:
    """The table scans use: $K8SAUDIT_RELEASES_FILE when set, else the packaged one (read once)."""
    return _table_for(os.environ.get(RELEASES_ENV) or str(RELEASES_FILE))


_PACKAGED = load_release_table()
#: When the packaged table was last checked against the sources it names.
RELEASES_CHECKED = _PACKAGED.checked
#: Upstream minor release -> end-of-life date (no more patches, security fixes included, after it).
UPSTREAM_EOL: dict[Minor, dt.date] = _PACKAGED.upstream


def scan_date(facts: ClusterFactsSpec) -> dt.date:
    """The day the cluster was observed: `collectedAt` when readable, else today (UTC)."""
    if facts.collectedAt:
        try:
            return dt.datetime.fromisoformat(facts.collectedAt).date()
        except ValueError:
            pass
    return dt.datetime.now(dt.UTC).date()


@check(
    id="cluster.version-supported",
    title="The cluster runs a Kubernetes minor version that still gets security fixes",
    problem="Kubernetes version past its end of support",
    section=Section.UPGRADES,
    severity=Severity.HIGH,
    reads=("version",),
    rationale="""
Each Kubernetes minor release gets patches, security fixes included, for about 14 months
upstream. After its end-of-life date, newly found vulnerabilities in the API server, kubelet
and controllers stay open for good, and upgrading later means crossing several minors at
once. The NSA/CISA guide asks for prompt upgrades. Managed platforms keep their own
schedules, and the table ships them too: on EKS, GKE and AKS the minor is judged against the
provider's end of standard support; past it but within the provider's extended or long-term
support (paid on EKS, Premium tier on AKS) it fails at medium severity, past both at high.
""",
    remediation="Upgrade the control plane one minor at a time to a supported release, then the nodes (kubelets may "
    "lag the API server by up to three minors); plan the next upgrade before the new minor's end of life.",
    references={"kubescape": ["C-0273"]},
)
def version_supported(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    version = inv.facts.version
    minor = version.minor_version() if version else None
    if version is None or minor is None:  # reads=("version",) makes this unreachable
        yield not_assessable("the server version is unknown")
        return
    table = release_table()
    today = scan_date(inv.facts)
    label = f"{minor[0]}.{minor[1]}"
    eol = table.upstream.get(minor)
    platform = inv.facts.platform or ""
    evidence: list[tuple[str, object]] = [
        ("version.gitVersion", version.gitVersion or f"{version.major}.{version.minor}"),
        ("upstream end of life", eol.isoformat() if eol else None),
        ("judged on", today.isoformat()),
        ("release table checked", table.checked.isoformat()),
    ]
    if platform in PROVIDERS:
        yield _provider_result(table, platform, minor, today, evidence)
        return
    newest = max(table.upstream)
    if eol is None and minor > newest:
        yield result(
            None,
            failed=False,
            message=f"Kubernetes {label} is newer than this k8saudit's release table "
            f"(checked {table.checked.isoformat()}, newest {newest[0]}.{newest[1]}): supported",
            evidence=evidence,
        )
        return
    if eol is None:  # older than the table
        message = f"Kubernetes {label} reached its upstream end of life years ago"
        failed = True
    elif today > eol:
        message = f"Kubernetes {label} reached its upstream end of life on {eol.isoformat()}"
        failed = True
    else:
        days = (eol - today).days
        message = f"Kubernetes {label} is supported upstream until {eol.isoformat()} ({days} days)"
        failed = False
    yield result(None, failed=failed, message=message, evidence=evidence)


def _provider_result(
    table: ReleaseTable, platform: str, minor: Minor, today: dt.date, evidence: list[tuple[str, object]]
) -> Result:
    name = PROVIDERS[platform]
    label = f"{minor[0]}.{minor[1]}"
    rows = table.providers.get(platform, {})
    row = rows.get(minor)
    if row is None:
        if rows and minor > max(rows):
            newest = max(rows)
            return result(
                None,
                failed=False,
                message=f"Kubernetes {label} is newer than this k8saudit's {name} schedule "
                f"(checked {table.checked.isoformat()}, newest {newest[0]}.{newest[1]}): supported",
                evidence=evidence,
            )
        return result(
            None,
            failed=True,
            message=f"Kubernetes {label} is older than every minor {name} still lists: out of support",
            evidence=evidence,
        )
    evidence = [
        *evidence,
        (f"{name} end of standard support", row.standard.isoformat()),
        (f"{name} end of extended support", row.extended.isoformat() if row.extended else None),
    ]
    if today <= row.standard:
        days = (row.standard - today).days
        return result(
            None,
            failed=False,
            message=f"Kubernetes {label} is in {name} standard support until {row.standard.isoformat()} ({days} days)",
            evidence=evidence,
        )
    if row.extended and today <= row.extended:
        return result(
            None,
            failed=True,
            message=f"Kubernetes {label} left {name} standard support on {row.standard.isoformat()}; it runs in "
            f"{EXTENDED_NAMES[platform]} until {row.extended.isoformat()}",
            evidence=evidence,
            severity=Severity.MEDIUM,
        )
    end = row.extended or row.standard
    return result(
        None,
        failed=True,
        message=f"Kubernetes {label} is out of {name} support since {end.isoformat()}",
        evidence=evidence,
    )
