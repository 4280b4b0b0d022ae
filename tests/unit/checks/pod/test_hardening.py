"""Kernel confinement: seccomp, AppArmor, SELinux, sysctls and procMount (k8saudit/checks/pod/hardening.py)."""

from __future__ import annotations

from k8saudit.model.facts import ClusterFactsSpec, KubeletConfig
from k8saudit.model.findings import Severity, Status
from tests.unit.support.workload_helpers import ctr, fails, run, summary, workload

# --- seccomp -----------------------------------------------------------------------------------


def test_seccomp_container_overrides_pod_and_unset_fails() -> None:
    docs = [
        workload("pod-level", ctr("a"), ctr("b"), securityContext={"seccompProfile": {"type": "RuntimeDefault"}}),
        workload(
            "override",
            ctr("a", securityContext={"seccompProfile": {"type": "Unconfined"}}),
            securityContext={"seccompProfile": {"type": "RuntimeDefault"}},
        ),
        workload("localhost", ctr(securityContext={"seccompProfile": {"type": "Localhost", "localhostProfile": "x"}})),
        workload("unset", ctr(), init=[ctr("setup", securityContext={"seccompProfile": {"type": "RuntimeDefault"}})]),
        workload("windows", ctr(), os={"name": "windows"}),
    ]
    report = run(docs, "pod.seccomp")
    got = fails(report)
    assert set(got) == {("override", "a"), ("unset", "app")}
    assert "Unconfined" in got[("override", "a")].message
    assert "--kubelet-config" in got[("unset", "app")].message
    assert summary(report).passed == 4  # pod-level a and b, localhost, the init container


def test_seccomp_unset_passes_when_every_kubelet_defaults_it() -> None:
    on = KubeletConfig(config={"seccompDefault": True})
    facts = ClusterFactsSpec(source="snapshot", kubeletCollected=True, kubelet={"n1": on, "n2": on})
    report = run([workload("unset", ctr())], "pod.seccomp", facts)
    assert summary(report).status is Status.PASS
    off = ClusterFactsSpec(
        source="snapshot",
        kubeletCollected=True,
        kubelet={"n1": on, "n2": KubeletConfig(config={"readOnlyPort": 0})},
    )
    got = fails(run([workload("unset", ctr())], "pod.seccomp", off))
    assert "off on node(s) n2" in got[("unset", "app")].message


# --- AppArmor ----------------------------------------------------------------------------------


def test_apparmor_unconfined_field_and_annotation_fail_unset_passes() -> None:
    prefix = "container.apparmor.security.beta.kubernetes.io/"
    docs = [
        workload("field", ctr(securityContext={"appArmorProfile": {"type": "Unconfined"}})),
        workload("pod-field", ctr(), securityContext={"appArmorProfile": {"type": "Unconfined"}}),
        workload("annotation", ctr("a"), ctr("b"), template_annotations={prefix + "a": "unconfined"}),
        workload(
            "field-wins",
            ctr(securityContext={"appArmorProfile": {"type": "RuntimeDefault"}}),
            template_annotations={prefix + "app": "unconfined"},
        ),
        workload("localhost", ctr(), template_annotations={prefix + "app": "localhost/custom"}),
        workload("unset", ctr()),
    ]
    report = run(docs, "pod.apparmor")
    got = fails(report)
    assert set(got) == {("field", "app"), ("pod-field", "app"), ("annotation", "a")}
    assert got[("annotation", "a")].evidence[0].path == f"metadata.annotations[{prefix}a]"
    assert summary(report).passed == 4


# --- SELinux -----------------------------------------------------------------------------------


def test_selinux_forbidden_type_user_role() -> None:
    docs = [
        workload("spc", ctr(securityContext={"seLinuxOptions": {"type": "spc_t"}})),
        workload("user", ctr(), securityContext={"seLinuxOptions": {"user": "system_u"}}),
        workload("role", ctr(securityContext={"seLinuxOptions": {"role": "sysadm_r", "type": "container_t"}})),
        workload("ok", ctr(securityContext={"seLinuxOptions": {"type": "container_init_t", "level": "s0:c1,c2"}})),
        workload("unset", ctr()),
    ]
    report = run(docs, "pod.selinux")
    got = fails(report)
    assert set(got) == {("spc", "app"), ("user", "app"), ("role", "app")}
    assert got[("spc", "app")].severity is Severity.HIGH
    assert got[("user", "app")].severity is Severity.MEDIUM
    assert "role sysadm_r" in got[("role", "app")].message
    assert summary(report).passed == 2


def test_selinux_pod_options_overridden_by_every_container_still_fail() -> None:
    doc = workload(
        "shadowed",
        ctr(securityContext={"seLinuxOptions": {"type": "container_t"}}),
        securityContext={"seLinuxOptions": {"type": "unconfined_t"}},
    )
    got = fails(run([doc], "pod.selinux"))
    assert set(got) == {("shadowed", None)}
    assert "admission still refuses" in got[("shadowed", None)].message


# --- sysctls and procMount ---------------------------------------------------------------------


def test_unsafe_sysctls() -> None:
    docs = [
        workload(
            "unsafe",
            ctr(),
            securityContext={"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "kernel.msgmax"}]},
        ),
        workload(
            "safe", ctr(), securityContext={"sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1 2"}]}
        ),
        workload("none", ctr()),
    ]
    report = run(docs, "pod.unsafe-sysctls")
    got = fails(report)
    assert set(got) == {("unsafe", None)}
    assert "kernel.msgmax" in got[("unsafe", None)].message
    assert "tcp_syncookies" not in got[("unsafe", None)].message
    assert summary(report).passed == 2


def test_proc_mount_unmasked() -> None:
    docs = [
        workload("unmasked", ctr(securityContext={"procMount": "Unmasked"})),
        workload("userns", ctr(securityContext={"procMount": "Unmasked"}), hostUsers=False),
        workload("default", ctr(securityContext={"procMount": "Default"})),
    ]
    report = run(docs, "pod.proc-mount")
    got = fails(report)
    assert set(got) == {("unmasked", "app"), ("userns", "app")}
    assert got[("unmasked", "app")].severity is Severity.MEDIUM
    assert got[("userns", "app")].severity is Severity.LOW
    assert summary(report).passed == 1
