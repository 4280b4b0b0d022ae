"""Upstream's Pod Security admission fixtures, through k8saudit's checks (issue 15, item 18).

Each of the 148 pods `k8s.io/pod-security-admission` v1.37 must accept or refuse at a level
(`test/testdata/{baseline,restricted}/v1.37/{pass,fail}`) is audited as a manifest: `pss.baseline`
or `pss.restricted` (the level's check) must pass the pods admission accepts and fail the pods it
refuses, naming what upstream's own test expects in the refusal (`expectErrorSubstring`). A pod
that passes restricted also passes baseline (restricted includes baseline's checks). The unit
tests hold the evaluator (`k8saudit.semantics.podsecurity`) to the same pods; this holds the
verdict a user reads.
"""

from __future__ import annotations

from typing import Any

import pytest

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.findings import Status
from tests.conformance.upstream import psa_pods
from tests.conftest import make_inventory

pytestmark = pytest.mark.conformance

PODS = psa_pods()


def test_every_level_and_outcome_is_there() -> None:
    counts: dict[tuple[str, str], int] = {}
    for pod in PODS:
        counts[pod["level"], pod["expect"]] = counts.get((pod["level"], pod["expect"]), 0) + 1
    assert sorted(counts) == [
        ("baseline", "fail"),
        ("baseline", "pass"),
        ("restricted", "fail"),
        ("restricted", "pass"),
    ]
    assert sum(counts.values()) == 148


@pytest.mark.parametrize("fixture", PODS, ids=[f"{p['level']}-{p['expect']}-{p['fixture']}" for p in PODS])
def test_pod_security_fixture(fixture: dict[str, Any]) -> None:
    report = run_checks(make_inventory([fixture["pod"]]), ScanOptions(checks=("pss.baseline", "pss.restricted")))
    summaries = {c.id: c for c in report.checks}
    level = summaries[f"pss.{fixture['level']}"]
    if fixture["expect"] == "pass":
        assert (level.status, level.passed, level.failed) == (Status.PASS, 1, 0), "admission accepts this pod"
        if fixture["level"] == "restricted":
            assert summaries["pss.baseline"].status is Status.PASS
        return
    assert (level.status, level.failed) == (Status.FAIL, 1), "admission refuses this pod"
    (finding,) = [f for f in report.findings if f.check == level.id and f.status is Status.FAIL]
    assert fixture["substring"] in finding.message, "the refusal names what upstream's test expects"
