from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Check, Result, all_checks, get_check, not_assessable, result
from k8saudit.engine.run import EXEMPT_ANNOTATION, EXEMPT_REASON_ANNOTATION, ScanOptions, _run_one, run_checks
from k8saudit.model.findings import Section, Severity, Status
from k8saudit.model.inventory import Inventory
from k8saudit.model.scoring import grade
from tests.conftest import make_inventory
from tests.unit.support.helpers import deployment, failing, namespace, run, summary

PRIVILEGED = {"securityContext": {"privileged": True}}


def synthetic(results: Iterable[Result], reads: tuple[str, ...] = ()) -> Check:
    """A check outside the registry (so the catalogue the other tests see is unchanged)."""
    items = list(results)

    def func(ctx: ScanContext) -> Iterator[Result]:
        yield from items

    return Check("test.synthetic", "t", Section.POD_SECURITY, Severity.HIGH, "r", "fix", {}, reads, func)


def run_one(chk: Check, inv: Inventory | None = None) -> tuple[Status, str | None, int, int]:
    gaps: dict[str, str] = {}
    summary_, findings = _run_one(chk, ScanContext(inv or make_inventory([])), ScanOptions(), {}, gaps)
    return summary_.status, summary_.reason, summary_.passed, len(findings)


# --- not-assessable -------------------------------------------------------------------------------


def test_missing_input_in_reads_makes_the_check_not_assessable_without_running_it() -> None:
    ran: list[bool] = []

    def func(ctx: ScanContext) -> Iterator[Result]:
        ran.append(True)
        yield result(None, failed=False, message="x")

    chk = Check("test.reads", "t", Section.SECRETS, Severity.LOW, "r", "f", {}, ("ConfigMap",), func)
    gaps: dict[str, str] = {}
    summary_, findings = _run_one(chk, ScanContext(make_inventory([deployment("web")])), ScanOptions(), {}, gaps)
    assert ran == []
    assert summary_.status is Status.NOT_ASSESSABLE
    assert summary_.reason is not None and "no ConfigMap objects" in summary_.reason
    assert gaps == {"ConfigMap": summary_.reason}
    assert [f.status for f in findings] == [Status.NOT_ASSESSABLE]
    assert findings[0].resource is None


def test_only_a_check_level_not_assessable_is_not_assessable() -> None:
    assert run_one(synthetic([not_assessable("nothing to judge")])) == (
        Status.NOT_ASSESSABLE,
        "nothing to judge",
        0,
        1,
    )


def test_check_level_not_assessable_yields_to_real_results() -> None:
    web = make_inventory([deployment("web")]).workloads[0]
    status, reason, passed, findings = run_one(
        synthetic([not_assessable("partial"), result(web, failed=False, message="ok")])
    )
    assert (status, reason, passed, findings) == (Status.PASS, None, 1, 0)
    status, _, _, findings = run_one(synthetic([not_assessable("partial"), result(web, failed=True, message="bad")]))
    assert status is Status.FAIL and findings == 1


def test_only_per_resource_not_assessable_is_not_assessable() -> None:
    web = make_inventory([deployment("web")]).workloads[0]
    status, _, _, findings = run_one(synthetic([not_assessable("cannot tell", web)]))
    assert status is Status.NOT_ASSESSABLE and findings == 1


def test_the_catalogue_has_what_every_check_needs() -> None:
    checks = all_checks()
    ids = [c.id for c in checks]
    assert len(ids) == len(set(ids))
    for chk in checks:
        assert chk.rationale and chk.remediation and chk.title, chk.id
        assert chk.id.count(".") == 1, chk.id
    for expected in (
        "net.default-deny",
        "rbac.cluster-admin-bindings",
        "rbac.anonymous-bindings",
        "cp.anonymous-auth",
        "cp.authorization-mode",
        "cp.audit-logging",
        "cp.secrets-encryption",
        "cluster.version-supported",
    ):
        assert expected in ids
    anonymous = get_check("cp.anonymous-auth")
    assert anonymous is not None and anonymous.reads == ()
    assert anonymous.info().reads == ["kube-apiserver", "anonymous-probe"]


# --- exemptions -----------------------------------------------------------------------------------


def exempt_annotations(value: str = "pod.privileged") -> dict[str, str]:
    return {EXEMPT_ANNOTATION: value, EXEMPT_REASON_ANNOTATION: "CNI agent needs it (JIRA-42)"}


def test_annotation_on_the_workload_exempts_it() -> None:
    docs = [deployment("cni", PRIVILEGED, annotations=exempt_annotations()), deployment("bad", PRIVILEGED)]
    report = run(docs, "pod.privileged")
    exempt = [f for f in report.findings if f.status is Status.EXEMPT]
    assert [f.resource.name for f in exempt if f.resource] == ["cni"]
    assert exempt[0].exemption is not None
    assert exempt[0].exemption.reason == "CNI agent needs it (JIRA-42)"
    assert exempt[0].exemption.by == "annotation on the resource"
    assert set(failing(report)) == {"bad"}
    assert (summary(report).failed, summary(report).exempt) == (1, 1)


def test_annotation_on_the_pod_template_exempts_too() -> None:
    doc = deployment("cni", PRIVILEGED)
    doc["spec"]["template"]["metadata"]["annotations"] = exempt_annotations("*")
    report = run([doc], "pod.privileged")
    assert summary(report).status is Status.PASS and summary(report).exempt == 1


def test_annotation_on_the_namespace_exempts_its_workloads() -> None:
    docs = [
        namespace("kube-system", exempt_annotations("pod.run-as-non-root, pod.privileged")),
        deployment("cni", PRIVILEGED, namespace="kube-system"),
        deployment("app", PRIVILEGED, namespace="shop"),
    ]
    report = run(docs, "pod.privileged")
    exempt = [f for f in report.findings if f.status is Status.EXEMPT]
    assert len(exempt) == 1 and exempt[0].exemption is not None
    assert exempt[0].exemption.by == "annotation on the namespace"
    assert set(failing(report)) == {"app"}


def test_annotation_naming_another_check_does_not_exempt() -> None:
    docs = [deployment("cni", PRIVILEGED, annotations=exempt_annotations("pod.read-only-root-fs"))]
    assert set(failing(run(docs, "pod.privileged"))) == {"cni"}


def test_missing_reason_is_said() -> None:
    docs = [deployment("cni", PRIVILEGED, annotations={EXEMPT_ANNOTATION: "pod.privileged"})]
    (finding,) = run(docs, "pod.privileged").findings
    assert finding.exemption is not None and finding.exemption.reason == "no reason given"


def test_no_annotation_exemptions_refuses_them() -> None:
    docs = [
        namespace("shop", exempt_annotations()),
        deployment("cni", PRIVILEGED, annotations=exempt_annotations()),
    ]
    report = run(docs, "pod.privileged", annotations=False)
    assert set(failing(report)) == {"cni"}
    assert summary(report).status is Status.FAIL and summary(report).exempt == 0


# --- score, grade, coverage -----------------------------------------------------------------------

SCORED = ("pod.privileged", "pod.read-only-root-fs")


def test_score_and_grade_are_deterministic_and_order_independent() -> None:
    docs = [deployment("bad", PRIVILEGED), deployment("good", {"securityContext": {"readOnlyRootFilesystem": True}})]
    first = run_checks(make_inventory(docs), ScanOptions(checks=SCORED))
    again = run_checks(make_inventory(list(reversed(docs))), ScanOptions(checks=SCORED))
    # privileged: 1 of 2 passes, weight 10; read-only: 1 of 2 passes, weight 3 -> 50.0
    assert first.score == again.score == 50.0
    assert first.grade == again.grade == "F"
    assert [f.key() for f in first.findings] == [f.key() for f in again.findings]
    # severity weights: a critical failure costs more than a medium one
    only_ro_fails = [deployment("a", {}), deployment("b", {})]
    ro_report = run_checks(make_inventory(only_ro_fails), ScanOptions(checks=SCORED))
    assert ro_report.score == round(100 * 10 / 13, 1)  # privileged passes (10), read-only fails (3)
    assert ro_report.grade == "C"  # 76.9


@pytest.mark.parametrize(
    ("score", "letter"), [(100.0, "A"), (90.0, "A"), (89.9, "B"), (80.0, "B"), (70.0, "C"), (60.0, "D"), (59.9, "F")]
)
def test_grade_thresholds(score: float, letter: str) -> None:
    assert grade(score) == letter


def test_not_assessable_checks_are_left_out_of_the_score_and_count_in_coverage() -> None:
    report = run_checks(
        make_inventory([deployment("good", {"securityContext": {"privileged": False}})]),
        ScanOptions(checks=("pod.privileged", "cp.secrets-encryption", "cluster.version-supported")),
    )
    assert report.score == 100.0 and report.grade == "A"
    assert (report.coverage.checks, report.coverage.assessed, report.coverage.ratio) == (3, 1, 0.333)
    assert set(report.coverage.gaps) == {"kube-apiserver", "version"}


def test_nothing_assessable_has_no_score() -> None:
    report = run_checks(make_inventory([]), ScanOptions(checks=("pod.privileged",)))
    assert report.score is None and report.grade == "n/a" and report.coverage.ratio == 0.0


def test_counts_are_failing_findings_by_severity() -> None:
    report = run_checks(make_inventory([deployment("bad", PRIVILEGED)]), ScanOptions(checks=SCORED))
    assert report.counts == {"critical": 1, "high": 0, "medium": 1, "low": 0, "info": 0}
