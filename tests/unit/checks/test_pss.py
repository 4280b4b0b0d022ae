"""Pod Security Standards per workload, Pod Security admission per namespace, and readiness."""

from __future__ import annotations

from typing import Any

import pytest

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import all_checks
from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.findings import Severity, Status
from k8saudit.semantics.podsecurity import Level
from tests.conftest import make_inventory
from tests.unit.support.workload_helpers import (
    HARDENED_SC,
    ctr,
    fails,
    hardened,
    inventory,
    namespace,
    psa,
    run,
    summary,
    unjudged,
    workload,
)


def baseline_only(name: str, namespace: str = "shop") -> dict[str, Any]:
    """Meets baseline, not restricted (nothing set)."""
    return workload(name, ctr(), namespace=namespace)


def privileged(name: str, namespace: str = "shop") -> dict[str, Any]:
    return workload(name, ctr(securityContext={"privileged": True}), namespace=namespace)


# --- per workload --------------------------------------------------------------------------


def test_pss_baseline_and_restricted_count_each_level() -> None:
    docs = [hardened("strict"), baseline_only("plain"), privileged("root")]
    base = run(docs, "pss.baseline")
    assert set(fails(base)) == {("root", None)}
    assert fails(base)[("root", None)].severity is Severity.HIGH
    assert (
        'privileged (container "app" must not set securityContext.privileged=true)'
        in fails(base)[("root", None)].message
    )
    assert summary(base).passed == 2

    restricted = run(docs, "pss.restricted")
    got = fails(restricted)
    assert set(got) == {("plain", None), ("root", None)}
    assert got[("plain", None)].message.startswith("Pods meet baseline but would violate PodSecurity restricted")
    assert "allowPrivilegeEscalation != false" in got[("plain", None)].message
    assert "meet neither baseline nor restricted and would violate" in got[("root", None)].message
    checks = {e.value.split(":")[0] for e in got[("plain", None)].evidence}
    assert checks == {
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "runAsNonRoot",
        "seccompProfile_restricted",
    }
    assert summary(restricted).passed == 1


def test_pss_evaluates_injected_sidecars_with_the_workload() -> None:
    deployment = hardened("web")
    replica_set = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": "web-1",
            "namespace": "shop",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "controller": True}],
        },
        "spec": deployment["spec"],
    }
    pod_spec = dict(deployment["spec"]["template"]["spec"])
    pod_spec["containers"] = [*pod_spec["containers"], ctr("istio-proxy", securityContext={"runAsUser": 0})]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-1-x",
            "namespace": "shop",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "controller": True}],
        },
        "spec": pod_spec,
    }
    got = fails(run([deployment, replica_set, pod], "pss.restricted"))
    assert set(got) == {("web", None)}
    assert "istio-proxy" in got[("web", None)].message and "injected" in got[("web", None)].message


def test_pss_agrees_with_the_upstream_fixture_levels() -> None:
    from tests.pss_cases import cases

    sample = list(cases())[:20]
    docs = []
    for case in sample:
        doc = dict(case.pod)
        doc["metadata"] = {**doc["metadata"], "namespace": "shop"}
        docs.append(doc)
    inv = make_inventory(docs)
    report = run_checks(inv, ScanOptions(checks=("pss.baseline", "pss.restricted")))
    failing = {(f.check, f.resource.name) for f in report.findings if f.status is Status.FAIL and f.resource}
    for case in sample:
        name = case.pod["metadata"]["name"]
        assert (("pss.baseline", name) in failing) == (case.level is Level.PRIVILEGED), name
        assert (("pss.restricted", name) in failing) == (case.level is not Level.RESTRICTED), name


# --- psa.enforce ---------------------------------------------------------------------------


def test_psa_enforce_per_namespace_with_readiness_note() -> None:
    docs = [
        namespace("strict", psa("restricted")),
        namespace("base", psa("baseline", "v1.30")),
        namespace("open"),
        namespace("priv", psa("privileged")),
        namespace("typo", psa("Restricted")),
        namespace("empty"),
        namespace("kube-system"),
        namespace("kube-public"),
        hardened("a", namespace="open"),
        baseline_only("b", namespace="priv"),
        privileged("c", namespace="typo"),
        privileged("proxy", namespace="kube-system"),
    ]
    report = run(docs, "psa.enforce")
    got = {name: f for (name, _), f in fails(report).items()}
    assert set(got) == {"open", "priv", "typo", "empty"}
    assert "enforces no Pod Security Standard" in got["open"].message
    assert "its one workload meets restricted already: enforce restricted today" in got["open"].message
    assert "explicitly enforces privileged" in got["priv"].message
    assert "baseline can be enforced today (restricted would reject Deployment b)" in got["priv"].message
    assert "invalid enforce label 'Restricted'" in got["typo"].message
    assert "enforcing baseline would reject Deployment c" in got["typo"].message
    assert got["empty"].severity is Severity.LOW and got["open"].severity is Severity.MEDIUM
    assert summary(report).passed == 2  # strict, base; kube-system and an empty kube-public are not judged


def test_psa_enforce_flags_cluster_defaults_for_review() -> None:
    apiserver = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "kube-apiserver-cp1",
            "namespace": "kube-system",
            "labels": {"component": "kube-apiserver"},
        },
        "spec": {
            "containers": [
                {
                    "name": "kube-apiserver",
                    "command": ["kube-apiserver", "--admission-control-config-file=/etc/adm.yaml"],
                }
            ]
        },
    }
    got = fails(run([namespace("open"), namespace("kube-system"), apiserver], "psa.enforce"))
    assert "/etc/adm.yaml sets PodSecurity defaults" in got[("open", None)].message


def test_psa_enforce_unlisted_namespace_is_not_assessable() -> None:
    docs = [namespace("listed", psa("baseline")), baseline_only("x", namespace="unlisted")]
    report = run(docs, "psa.enforce")
    assert set(unjudged(report)) == {"unlisted"}
    assert "labels are unknown" in (unjudged(report)["unlisted"].reason or "")
    assert summary(report).status is Status.PASS


def test_psa_enforce_without_namespace_objects_is_not_assessable() -> None:
    report = run([baseline_only("x")], "psa.enforce")
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "Namespace" in (summary(report).reason or "")


# --- psa.tighten-to-restricted -------------------------------------------------------------


def test_tighten_to_restricted() -> None:
    docs = [
        namespace("ready", psa("baseline")),
        namespace("done", psa("restricted")),
        namespace("not-ready", psa("baseline")),
        namespace("unlabelled"),
        namespace("empty", psa("baseline")),
        hardened("a", namespace="ready"),
        hardened("b", namespace="ready"),
        hardened("c", namespace="done"),
        hardened("d", namespace="not-ready"),
        baseline_only("e", namespace="not-ready"),
        hardened("f", namespace="unlabelled"),
    ]
    report = run(docs, "psa.tighten-to-restricted")
    got = {name: f for (name, _), f in fails(report).items()}
    assert set(got) == {"ready", "unlabelled"}
    assert "all 2 workloads meet it, but it enforces baseline" in got["ready"].message
    assert "enforces nothing" in got["unlabelled"].message
    assert got["ready"].severity is Severity.LOW
    assert summary(report).passed == 2  # done, not-ready; the empty namespace is left to psa.enforce


def test_tighten_without_workloads_is_not_assessable() -> None:
    report = run([namespace("a", psa("baseline"))], "psa.tighten-to-restricted")
    assert summary(report).status is Status.NOT_ASSESSABLE


# --- readiness for the report ----------------------------------------------------------------


def test_readiness_per_namespace() -> None:
    docs = [
        namespace("web", psa("baseline", "v1.33") | {"pod-security.kubernetes.io/warn": "restricted"}),
        namespace("kube-system"),
        hardened("a", namespace="web"),
        baseline_only("b", namespace="web"),
        privileged("c", namespace="web"),
        privileged("proxy", namespace="kube-system"),
        hardened("d", namespace="unlisted"),
    ]
    ready = {r.namespace: r for r in ScanContext(inventory(docs)).readiness}
    web = ready["web"]
    assert (web.enforce.level, web.enforce.version, web.warn.level, web.audit.level) == (
        "baseline",
        "v1.33",
        "restricted",
        None,
    )
    assert web.enforced is Level.BASELINE and not web.system and web.labels_known
    assert web.workload_count == 3
    assert web.counts == {"privileged": 1, "baseline": 1, "restricted": 1}
    assert web.can_enforce_baseline is False and web.can_enforce_restricted is False
    assert [w.label for w in web.would_break(Level.BASELINE)] == ["Deployment web/c"]
    assert [w.label for w in web.would_break(Level.RESTRICTED)] == ["Deployment web/b", "Deployment web/c"]
    data = web.as_dict()
    assert data["enforce"] == {"level": "baseline", "version": "v1.33"}
    assert data["wouldBreakRestricted"][1]["violations"][0].startswith("privileged")
    assert ready["kube-system"].system
    assert not ready["unlisted"].labels_known and ready["unlisted"].can_enforce_restricted is True


def test_readiness_without_workloads_says_unknown() -> None:
    ready = ScanContext(inventory([namespace("web", psa("restricted"))])).readiness
    assert [r.namespace for r in ready] == ["web"]
    assert ready[0].workloads_known is False and ready[0].can_enforce_restricted is None


# --- every workload check: not-assessable without workloads -----------------------------------

MINE = ("pod.", "image.", "pss.")


@pytest.mark.parametrize("check_id", sorted(c.id for c in all_checks() if c.id.startswith(MINE)))
def test_every_workload_check_is_not_assessable_without_workloads(check_id: str) -> None:
    report = run([namespace("a")], check_id)
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert summary(report).reason


def test_hardened_workload_passes_every_workload_check() -> None:
    from k8saudit.model.inventory import AuditSettings

    docs = [
        namespace("shop", psa("restricted")),
        hardened("web"),
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web", "namespace": "shop"}},
    ]
    settings = AuditSettings(allowed_registries=("registry.example.com",))
    ids = sorted(c.id for c in all_checks() if c.id.startswith((*MINE, "psa.")))
    report = run_checks(inventory(docs, settings=settings), ScanOptions(checks=tuple(ids)))
    statuses = {c.id: c.status for c in report.checks}
    assert statuses == dict.fromkeys(ids, Status.PASS), [f.message for f in report.failing()]
    assert HARDENED_SC["seccompProfile"] == {"type": "RuntimeDefault"}
