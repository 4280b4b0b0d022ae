"""The conformance tier's data is upstream's, unchanged (issue 15, item 18).

The tier runs on copies (`tests/conformance/data/`, `tests/unit/data/psa_fixtures_v1.37.jsonl`) so
that it runs on every clone. Where `../shared/conformance` (the unchanged upstream data the copies
came from) is beside the repository, the copies are compared with it: the same bytes, and every
fixture of every claimed Polaris check copied. Without it, only those comparisons skip, saying so.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.conformance.upstream import (
    DATA,
    POLARIS_CHECKS,
    PSA_PODS,
    SHARED_POLARIS_CHECKS,
    SHARED_PSA,
    claimed,
    shared_or_skip,
)

pytestmark = pytest.mark.conformance


def test_the_polaris_fixtures_are_upstream_bytes_and_complete() -> None:
    shared = shared_or_skip()
    assert (DATA / "polaris" / "LICENSE").read_bytes() == (shared / "polaris" / "LICENSE").read_bytes()
    for check in claimed():
        upstream = {
            p.name: p.read_bytes()
            for p in (SHARED_POLARIS_CHECKS / check).glob("*.yaml")
            if p.name.startswith(("success", "failure"))
        }
        copied = {p.name: p.read_bytes() for p in (POLARIS_CHECKS / check).glob("*.yaml")}
        assert copied == upstream, f"{check}: copy it again from {SHARED_POLARIS_CHECKS / check}"


def test_only_claimed_polaris_checks_are_copied() -> None:
    assert sorted(p.name for p in POLARIS_CHECKS.iterdir()) == sorted(claimed())


def test_the_psa_pods_are_upstream_pods_and_complete() -> None:
    shared = shared_or_skip()
    licence = shared / "pod-security-admission" / "LICENSE"
    assert (DATA / "pod-security-admission" / "LICENSE").read_bytes() == licence.read_bytes()
    upstream = {
        (level, expect, path.stem): yaml.safe_load(path.read_text())
        for level in ("baseline", "restricted")
        for expect in ("pass", "fail")
        for path in (SHARED_PSA / level / "v1.37" / expect).glob("*.yaml")
    }
    rows = [json.loads(line) for line in PSA_PODS.read_text().splitlines() if line]
    copied = {(r["level"], r["expect"], r["fixture"]): r["pod"] for r in rows}
    assert copied == upstream, "regenerate tests/unit/data/psa_fixtures_v1.37.jsonl (vendor_psa_fixtures.py)"
