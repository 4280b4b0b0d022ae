"""The conformance tier's upstream data, and how a k8saudit verdict is read for a fixture.

The tier runs on the copies in `tests/conformance/data/` (and the PSA pods the unit tests already
vendor in `tests/unit/data/psa_fixtures_v1.37.jsonl`), so it runs on a fresh clone. `SHARED` is
where they were copied from: `../shared/conformance` beside the repository, when it is there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pytest

from k8saudit.checks.registry import all_checks
from k8saudit.model.findings import Report, Status

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DATA = HERE / "data"
POLARIS_CHECKS = DATA / "polaris" / "checks"
PSA_PODS = REPO / "tests" / "unit" / "data" / "psa_fixtures_v1.37.jsonl"
#: Where the copies came from; absent on a clone without the shared folder beside it.
SHARED = REPO.parent / "shared" / "conformance"
SHARED_POLARIS_CHECKS = SHARED / "polaris" / "test" / "checks"
SHARED_PSA = SHARED / "pod-security-admission" / "test" / "testdata"

Verdict = Literal["pass", "fail", "not-assessable"]


def shared_or_skip() -> Path:
    """`SHARED`, or skip the calling test (and only it) with the reason."""
    if not SHARED.is_dir():
        pytest.skip(
            f"{SHARED} is not there, so the copies in tests/conformance/data cannot be compared with "
            "their originals; the tier itself ran on the copies"
        )
    return SHARED


@cache
def claimed() -> dict[str, tuple[str, ...]]:
    """Polaris check name -> the k8saudit check ids that name it in `references.polaris`."""
    found: dict[str, list[str]] = {}
    for chk in all_checks():
        for name in chk.references.get("polaris", []):
            found.setdefault(name, []).append(chk.id)
    return {name: tuple(ids) for name, ids in sorted(found.items())}


@dataclass(frozen=True)
class PolarisFixture:
    check: str  # the Polaris check (its folder)
    path: Path

    @property
    def key(self) -> str:
        """`check/file.yaml`: how the tables of reasons name it."""
        return f"{self.check}/{self.path.name}"

    @property
    def polaris(self) -> Verdict:
        """Polaris' verdict: `failure*` files must fail the check, `success*` files pass it."""
        return "fail" if self.path.name.startswith("failure") else "pass"


def polaris_fixtures() -> list[PolarisFixture]:
    """Every success and failure fixture of every claimed Polaris check, from the copies."""
    return [
        PolarisFixture(check, path)
        for check in claimed()
        for path in sorted((POLARIS_CHECKS / check).glob("*.yaml"))
        if path.name.startswith(("success", "failure"))
    ]


def psa_pods() -> list[dict[str, Any]]:
    """The upstream PodSecurity fixtures: level, expect (pass/fail), fixture name, substring, pod."""
    return [json.loads(line) for line in PSA_PODS.read_text().splitlines() if line]


def verdict(report: Report, ids: tuple[str, ...]) -> Verdict:
    """What k8saudit says for a fixture, as Polaris' test reads its own (`test/schema_test.go`): a
    failure of any mapped check fails it; otherwise it passes when one of them judged something
    and nothing failed; a check that could not judge anything is `not-assessable`."""
    summaries = [c for c in report.checks if c.id in ids]
    assert {c.id for c in summaries} == set(ids), "every mapped check ran"
    if any(c.failed for c in summaries):
        return "fail"
    if any(c.status is Status.PASS and c.passed for c in summaries):
        return "pass"
    return "not-assessable"
