from __future__ import annotations

import datetime as dt

import pytest

from k8saudit.checks.cluster import UPSTREAM_EOL, scan_date
from k8saudit.facts import ClusterFactsSpec, ServerVersion
from k8saudit.findings import Severity, Status
from tests.unit.helpers import deployment, failing, run, summary

CHECK = "cluster.version-supported"


def facts(
    git_version: str, collected: str | None = "2026-11-26T09:30:00Z", platform: str | None = None
) -> ClusterFactsSpec:
    return ClusterFactsSpec(
        source="snapshot", version=ServerVersion(gitVersion=git_version), collectedAt=collected, platform=platform
    )


@pytest.mark.parametrize("version", ["v1.35.2", "v1.36.0", "v1.37.1"])
def test_supported_minor_passes(version: str) -> None:
    report = run([deployment("web")], CHECK, facts(version))
    assert summary(report).status is Status.PASS and summary(report).passed == 1


@pytest.mark.parametrize(
    ("version", "eol"), [("v1.34.3", "2026-10-27"), ("v1.31.0", "2025-11-11"), ("v1.28.9", "2024-10-22")]
)
def test_end_of_life_minor_fails_with_the_date(version: str, eol: str) -> None:
    finding = failing(run([deployment("web")], CHECK, facts(version)))["cluster"]
    assert eol in finding.message
    assert finding.severity is Severity.HIGH
    assert {e.path: e.value for e in finding.evidence}["judged on"] == "2026-11-26"


def test_judged_on_the_day_of_collection() -> None:
    # 1.34 was still supported on 2026-10-01.
    assert summary(run([deployment("web")], CHECK, facts("v1.34.3", "2026-10-01T00:00:00+00:00"))).status is Status.PASS


def test_older_than_the_table_fails_and_newer_passes() -> None:
    assert summary(run([deployment("web")], CHECK, facts("v1.16.15"))).status is Status.FAIL
    report = run([deployment("web")], CHECK, facts("v1.40.0"))
    assert summary(report).status is Status.PASS


def test_managed_platform_is_medium_and_names_its_calendar() -> None:
    finding = failing(run([deployment("web")], CHECK, facts("v1.32.9-eks-1234567", platform="eks")))["cluster"]
    assert finding.severity is Severity.MEDIUM
    assert "EKS" in finding.message and "extended support" in finding.message


def test_major_minor_without_git_version() -> None:
    spec = ClusterFactsSpec(source="snapshot", version=ServerVersion(major="1", minor="30+"), collectedAt="2026-11-26")
    assert "2025-07-15" in failing(run([deployment("web")], CHECK, spec))["cluster"].message


def test_unknown_version_is_not_assessable() -> None:
    report = run([deployment("web")], CHECK)
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "server version" in (summary(report).reason or "")


def test_scan_date_falls_back_to_today() -> None:
    assert scan_date(ClusterFactsSpec(collectedAt="not a date")) == dt.datetime.now(dt.UTC).date()
    assert scan_date(ClusterFactsSpec(collectedAt="2026-11-26T23:59:59Z")) == dt.date(2026, 11, 26)


def test_table_is_ordered_and_dated() -> None:
    minors = sorted(UPSTREAM_EOL)
    dates = [UPSTREAM_EOL[m] for m in minors]
    assert dates == sorted(dates)
    assert minors[-1] >= (1, 37)
