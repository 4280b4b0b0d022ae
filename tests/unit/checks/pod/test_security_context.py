from __future__ import annotations

from typing import Any

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.findings import Severity, Status
from tests.conftest import make_inventory
from tests.unit.support.helpers import failing, run, summary


def deployment(name: str, container: dict[str, Any], pod: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"template": {"spec": {**(pod or {}), "containers": [{"name": "app", "image": "x:1", **container}]}}},
    }


HARDENED = {
    "securityContext": {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
}


def statuses(docs: list[dict[str, Any]], check: str) -> dict[str, Status]:
    report = run_checks(make_inventory(docs), ScanOptions(checks=(check,)))
    failing = {f.resource.name: f.status for f in report.findings if f.resource}
    summary = report.checks[0]
    assert summary.id == check
    return failing | {"_check": summary.status}


def test_privileged_fails_and_hardened_passes() -> None:
    docs = [deployment("bad", {"securityContext": {"privileged": True}}), deployment("good", HARDENED)]
    got = statuses(docs, "pod.privileged")
    assert got == {"bad": Status.FAIL, "_check": Status.FAIL}


def test_run_as_non_root_uses_pod_level_and_container_override() -> None:
    docs = [
        deployment("pod-level", {}, {"securityContext": {"runAsNonRoot": True}}),
        deployment("override-root", {"securityContext": {"runAsUser": 0}}, {"securityContext": {"runAsNonRoot": True}}),
        deployment("unset", {}),
        deployment("uid", {"securityContext": {"runAsUser": 1000}}),
    ]
    got = statuses(docs, "pod.run-as-non-root")
    assert got == {"override-root": Status.FAIL, "unset": Status.FAIL, "_check": Status.FAIL}


def test_no_workloads_in_source_is_not_assessable() -> None:
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}]
    report = run_checks(make_inventory(docs), ScanOptions(checks=("pod.privileged",)))
    assert report.checks[0].status is Status.NOT_ASSESSABLE
    assert "holds no workloads" in (report.checks[0].reason or "")


# --- every pod check: a passing and a failing input; init and ephemeral containers count ----------


def test_privileged_init_and_ephemeral_containers_are_evaluated() -> None:
    init = deployment("init", HARDENED)
    init["spec"]["template"]["spec"]["initContainers"] = [
        {"name": "setup", "image": "x:1", "securityContext": {"privileged": True}}
    ]
    debug = deployment("debug", HARDENED)
    debug["spec"]["template"]["spec"]["ephemeralContainers"] = [
        {"name": "debugger", "image": "busybox:1", "securityContext": {"privileged": True}}
    ]
    report = run([init, debug, deployment("good", HARDENED)], "pod.privileged")
    got = failing(report)
    assert set(got) == {"init", "debug"}
    assert got["init"].container == "setup"
    assert "setup (initContainer)" in got["init"].message
    assert got["debug"].container == "debugger"
    assert got["init"].evidence[0].path == "spec.initContainers[0].securityContext.privileged"
    assert got["debug"].evidence[0].path == "spec.ephemeralContainers[0].securityContext.privileged"
    assert summary(report).passed == 3  # app in each of the three, judged separately


def test_privileged_finding_names_the_deployment_not_the_pod() -> None:
    docs = [
        deployment("web", {"securityContext": {"privileged": True}}),
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": "web-5d9f",
                "namespace": "shop",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "controller": True}],
            },
            "spec": {"template": {"spec": {"containers": [{"name": "app", "securityContext": {"privileged": True}}]}}},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "web-5d9f-x1",
                "namespace": "shop",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d9f"}],
            },
            "spec": {"containers": [{"name": "app", "securityContext": {"privileged": True}}]},
        },
    ]
    report = run(docs, "pod.privileged")
    got = failing(report)
    assert list(got) == ["web"]
    assert got["web"].resource is not None and got["web"].resource.kind == "Deployment"


def test_allow_privilege_escalation_unset_fails_false_passes() -> None:
    docs = [deployment("unset", {}), deployment("true", {"securityContext": {"allowPrivilegeEscalation": True}})]
    docs.append(deployment("good", {"securityContext": {"allowPrivilegeEscalation": False}}))
    report = run(docs, "pod.allow-privilege-escalation")
    got = failing(report)
    assert set(got) == {"unset", "true"}
    assert "unset defaults to true" in got["unset"].message
    assert summary(report).status is Status.FAIL and summary(report).passed == 1


def test_allow_privilege_escalation_all_false_passes() -> None:
    report = run([deployment("good", HARDENED)], "pod.allow-privilege-escalation")
    assert summary(report).status is Status.PASS
    assert failing(report) == {}


def test_read_only_root_fs() -> None:
    report = run([deployment("rw", {}), deployment("ro", HARDENED)], "pod.read-only-root-fs")
    assert set(failing(report)) == {"rw"}
    assert run([deployment("ro", HARDENED)], "pod.read-only-root-fs").checks[0].status is Status.PASS


def test_host_namespaces_names_each_shared_namespace() -> None:
    docs = [deployment("host", {}, {"hostPID": True, "hostNetwork": True}), deployment("own", {}, {"hostIPC": False})]
    report = run(docs, "pod.host-namespaces")
    got = failing(report)
    assert set(got) == {"host"}
    assert "hostPID" in got["host"].message and "hostNetwork" in got["host"].message
    assert "hostIPC" not in got["host"].message
    assert run([deployment("own", {})], "pod.host-namespaces").checks[0].status is Status.PASS


def test_run_as_non_root_passes_when_enforced() -> None:
    report = run([deployment("good", HARDENED)], "pod.run-as-non-root")
    assert summary(report).status is Status.PASS


def test_capabilities_severity_depends_on_what_is_added() -> None:
    docs = [
        deployment("sysadmin", {"securityContext": {"capabilities": {"add": ["SYS_ADMIN"], "drop": ["ALL"]}}}),
        deployment("cap-prefix", {"securityContext": {"capabilities": {"add": ["CAP_NET_RAW"], "drop": ["ALL"]}}}),
        deployment("no-drop", {}),
        deployment("chown", {"securityContext": {"capabilities": {"add": ["CHOWN"], "drop": ["ALL"]}}}),
        deployment("bind", {"securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["all"]}}}),
    ]
    report = run(docs, "pod.capabilities")
    got = failing(report)
    assert set(got) == {"sysadmin", "cap-prefix", "no-drop", "chown"}
    assert got["sysadmin"].severity is Severity.HIGH
    assert got["cap-prefix"].severity is Severity.HIGH  # CAP_NET_RAW is NET_RAW
    assert got["no-drop"].severity is Severity.MEDIUM
    assert got["no-drop"].message.endswith("does not drop ALL")
    assert got["chown"].severity is Severity.MEDIUM
    assert summary(report).passed == 1  # NET_BIND_SERVICE with drop ALL is allowed


def test_capabilities_in_init_container_are_judged() -> None:
    doc = deployment("init", HARDENED)
    doc["spec"]["template"]["spec"]["initContainers"] = [
        {"name": "net", "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}}}
    ]
    got = failing(run([doc], "pod.capabilities"))
    assert got["init"].container == "net" and got["init"].severity is Severity.HIGH
