from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from k8saudit.checks.cluster import RELEASES_ENV, UPSTREAM_EOL, load_release_table, release_table, scan_date
from k8saudit.model.facts import ClusterFactsSpec, ServerVersion
from k8saudit.model.findings import Severity, Status
from k8saudit.runtime.errors import InputError
from tests.unit.support.helpers import deployment, failing, run, summary

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


# --- managed schedules and the data file --------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "version", "status", "severity", "words"),
    [
        ("eks", "v1.34.2-eks-113cf36", Status.PASS, None, "EKS standard support until 2026-12-02"),
        ("eks", "v1.30.14-eks-1", Status.FAIL, Severity.HIGH, "out of EKS support since 2026-07-23"),
        ("gke", "v1.33.5-gke.1080000", Status.FAIL, Severity.HIGH, "out of GKE support since 2026-08-03"),
        ("gke", "v1.35.0-gke.3047000", Status.PASS, None, "GKE standard support"),
        ("aks", "v1.31.9", Status.FAIL, Severity.MEDIUM, "AKS long-term support (Premium tier) until 2026-11-30"),
        ("aks", "v1.24.9", Status.FAIL, Severity.HIGH, "older than every minor AKS still lists"),
        ("aks", "v1.39.0", Status.PASS, None, "newer than this k8saudit's AKS schedule"),
    ],
)
def test_managed_platforms_are_judged_by_their_own_schedule(
    platform: str, version: str, status: Status, severity: Severity | None, words: str
) -> None:
    report = run([deployment("web")], CHECK, facts(version, platform=platform))
    assert summary(report).status is status
    if status is Status.FAIL:
        finding = failing(report)["cluster"]
        assert finding.severity is severity and words in finding.message, finding.message
    else:
        assert summary(report).passed == 1


def test_release_table_ships_as_data_with_every_provider() -> None:
    table = load_release_table()
    assert table.source.endswith("kubernetes_releases.json")
    assert set(table.providers) == {"eks", "gke", "aks"}
    for rows in table.providers.values():
        minors = sorted(rows)
        assert [rows[m].standard for m in minors] == sorted(rows[m].standard for m in minors)
        assert all(r.extended is None or r.extended > r.standard for r in rows.values())
    assert table.upstream == UPSTREAM_EOL


def test_release_table_override_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    custom = tmp_path / "releases.json"
    custom.write_text(json.dumps({"checked": "2026-12-01", "upstream": {"1.33": {"endOfLife": "2027-01-31"}}}))
    monkeypatch.setenv(RELEASES_ENV, str(custom))
    report = run([deployment("web")], CHECK, facts("v1.33.4"))
    assert summary(report).status is Status.PASS  # the packaged table says 2026-06-28
    assert release_table().checked == dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not json", "Expecting value"),
        ('{"checked": "2026-12-01"}', "upstream"),
        ('{"checked": "2026-12-01", "upstream": {"one": {"endOfLife": "2027-01-31"}}}', "not a minor version"),
        ('{"checked": "2026-12-01", "upstream": {"1.33": {"endOfLife": "soon"}}}', "not a date"),
    ],
)
def test_a_malformed_release_table_is_one_input_error(tmp_path: Path, content: str, words: str) -> None:
    bad = tmp_path / "releases.json"
    bad.write_text(content)
    with pytest.raises(InputError, match=words) as caught:
        load_release_table(bad)
    assert "\n" not in str(caught.value) and str(bad) in str(caught.value)
    with pytest.raises(InputError, match="No such file"):
        load_release_table(tmp_path / "missing.json")
