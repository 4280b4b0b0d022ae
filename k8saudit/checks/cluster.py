"""Cluster-wide facts (NSA/CISA: Upgrading and application security practices).

`cluster.version-supported` compares the server's minor version with the upstream release
table below. "Today" is the snapshot's `collectedAt` when the source records it (so an
offline scan of an old snapshot, and every test, judges the day it was taken), else the
current date.

The table must be kept current: a minor newer than its last row passes with a note rather than
failing, since no minor reaches end of life before the table could have listed it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from k8saudit.facts import ClusterFactsSpec
from k8saudit.findings import Section, Severity
from k8saudit.inventory import Inventory
from k8saudit.registry import Result, check, not_assessable, result

#: When the table below was last checked against kubernetes/website data/releases/eol.yaml
#: and the kubernetes.io/releases pages (past rows are the actual end of life, future rows the plan).
RELEASES_CHECKED = dt.date(2026, 11, 26)
#: Upstream minor release -> end-of-life date (no more patches, security fixes included, after it).
UPSTREAM_EOL: dict[tuple[int, int], dt.date] = {
    (1, 19): dt.date(2021, 10, 28),
    (1, 20): dt.date(2022, 2, 28),
    (1, 21): dt.date(2022, 6, 28),
    (1, 22): dt.date(2022, 12, 8),
    (1, 23): dt.date(2023, 2, 28),
    (1, 24): dt.date(2023, 7, 28),
    (1, 25): dt.date(2023, 10, 28),
    (1, 26): dt.date(2024, 2, 28),
    (1, 27): dt.date(2024, 7, 16),
    (1, 28): dt.date(2024, 10, 22),
    (1, 29): dt.date(2025, 2, 28),
    (1, 30): dt.date(2025, 7, 15),
    (1, 31): dt.date(2025, 11, 11),
    (1, 32): dt.date(2026, 2, 28),
    (1, 33): dt.date(2026, 6, 28),
    (1, 34): dt.date(2026, 10, 27),
    (1, 35): dt.date(2027, 2, 28),
    (1, 36): dt.date(2027, 6, 28),
    (1, 37): dt.date(2027, 10, 28),
}

MANAGED_SUPPORT = {
    "eks": "EKS supports a minor for about 14 months after its EKS release, then in paid extended support; "
    "check the EKS version calendar or `aws eks describe-cluster`",
    "gke": "GKE sets its own end of support per minor (longer on the Extended channel); check the GKE release "
    "schedule or `gcloud container get-server-config`",
    "aks": "AKS supports the latest three minors (LTS versions longer on the Premium tier); check "
    "`az aks get-versions`",
}


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
    title="The cluster runs a Kubernetes minor version still supported upstream",
    section=Section.UPGRADES,
    severity=Severity.HIGH,
    reads=("version",),
    rationale="""
Each Kubernetes minor release gets patches, security fixes included, for about 14 months.
After its end-of-life date, newly found vulnerabilities in the API server, kubelet and
controllers stay open for good, and upgrading later means crossing several minors at once.
The NSA/CISA guide asks for prompt upgrades. Managed platforms (EKS, GKE, AKS) keep their own,
sometimes longer, support windows: there an upstream end of life is reported at medium
severity with the provider's calendar to check.
""",
    remediation="Upgrade the control plane one minor at a time to a supported release, then the nodes (kubelets may "
    "lag the API server by up to three minors); plan the next upgrade before the new minor's end of life.",
    references={},
)
def version_supported(inv: Inventory) -> Iterator[Result]:
    version = inv.facts.version
    minor = version.minor_version() if version else None
    if version is None or minor is None:  # reads=("version",) makes this unreachable
        yield not_assessable("the server version is unknown")
        return
    today = scan_date(inv.facts)
    label = f"{minor[0]}.{minor[1]}"
    eol = UPSTREAM_EOL.get(minor)
    platform = inv.facts.platform or ""
    managed = MANAGED_SUPPORT.get(platform)
    evidence: list[tuple[str, object]] = [
        ("version.gitVersion", version.gitVersion or f"{version.major}.{version.minor}"),
        ("upstream end of life", eol.isoformat() if eol else None),
        ("judged on", today.isoformat()),
    ]
    newest = max(UPSTREAM_EOL)
    if eol is None and minor > newest:
        yield result(
            None,
            failed=False,
            message=f"Kubernetes {label} is newer than this k8saudit's release table "
            f"(checked {RELEASES_CHECKED.isoformat()}, newest {newest[0]}.{newest[1]}): supported",
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
    if managed:
        message += f"; on {platform.upper()}: {managed}"
    yield result(
        None,
        failed=failed,
        message=message,
        evidence=evidence,
        severity=Severity.MEDIUM if failed and managed else None,
    )
