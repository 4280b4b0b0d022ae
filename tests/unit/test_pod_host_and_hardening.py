"""Root group, host access (hostPath, hostPort, HostProcess) and kernel confinement checks."""

from __future__ import annotations

import pytest

from k8saudit.model.facts import ClusterFactsSpec, KubeletConfig
from k8saudit.model.findings import Severity, Status
from tests.unit.workload_helpers import ctr, fails, hardened, run, summary, workload

# --- root group --------------------------------------------------------------------------------


def test_root_group_explicit_zero_fails_and_unset_passes() -> None:
    docs = [
        workload("gid0", ctr(securityContext={"runAsGroup": 0})),
        workload("pod-gid0", ctr(), securityContext={"runAsGroup": 0}),
        workload("override", ctr(securityContext={"runAsGroup": 1000}), securityContext={"runAsGroup": 0}),
        workload("unset", ctr()),
        workload("gid", ctr(), securityContext={"runAsGroup": 3000}),
    ]
    report = run(docs, "pod.root-group")
    got = fails(report)
    assert set(got) == {("gid0", "app"), ("pod-gid0", "app")}
    assert "runAsGroup is 0" in got[("gid0", "app")].message
    assert got[("pod-gid0", "app")].evidence[0].path == "spec.securityContext.runAsGroup"
    assert summary(report).passed == 3  # unset is the image's group, not root (unlike Kubescape C-0013)


def test_root_group_supplemental_and_fs_group_fail_every_container() -> None:
    docs = [
        workload("supp", ctr("a"), ctr("b"), securityContext={"supplementalGroups": [1000, 0]}),
        workload("fs", ctr(), init=[ctr("setup")], securityContext={"fsGroup": 0}),
    ]
    got = fails(run(docs, "pod.root-group"))
    assert set(got) == {("supp", "a"), ("supp", "b"), ("fs", "app"), ("fs", "setup")}
    assert "supplementalGroups include 0" in got[("supp", "a")].message
    assert "fsGroup is 0" in got[("fs", "setup")].message
    assert "(initContainer)" in got[("fs", "setup")].message


def test_root_group_in_user_namespace_passes() -> None:
    docs = [workload("userns", ctr(securityContext={"runAsGroup": 0}), hostUsers=False)]
    report = run(docs, "pod.root-group")
    assert summary(report).status is Status.PASS


# --- hostPath ----------------------------------------------------------------------------------


def host_path_workload(name: str, path: str, read_only: bool | None = None, mounted: bool = True) -> dict[str, object]:
    mount = {"name": "host", "mountPath": "/host", **({"readOnly": read_only} if read_only is not None else {})}
    container = ctr(volumeMounts=[mount]) if mounted else ctr()
    return workload(name, container, volumes=[{"name": "host", "hostPath": {"path": path}}])


@pytest.mark.parametrize(
    ("path", "read_only", "severity"),
    [
        ("/var/run/docker.sock", True, Severity.CRITICAL),  # read-only does not protect a socket
        ("/run/containerd/containerd.sock", None, Severity.CRITICAL),
        ("/var/run/crio/crio.sock", None, Severity.CRITICAL),
        ("/", True, Severity.CRITICAL),  # the whole node, sockets included
        ("/var/run", True, Severity.CRITICAL),
        ("//var/lib/../run/containerd/", True, Severity.CRITICAL),  # normalised
        ("/etc", True, Severity.HIGH),
        ("/etc/kubernetes/pki", True, Severity.HIGH),
        ("/proc", None, Severity.HIGH),
        ("/var/lib/kubelet/pods", True, Severity.HIGH),
        ("/var/lib", True, Severity.HIGH),  # contains the kubelet's state
        ("/root", True, Severity.HIGH),
        ("/usr/local/bin", None, Severity.HIGH),  # node binaries, writable
        ("/usr/local/bin", True, Severity.LOW),  # read-only binaries are an ordinary path
        ("/var/log", None, Severity.MEDIUM),
        ("/var/log", True, Severity.LOW),
        ("/etcetera", True, Severity.LOW),  # whole path components only
    ],
)
def test_host_path_severity_follows_the_path(path: str, read_only: bool | None, severity: Severity) -> None:
    got = fails(run([host_path_workload("w", path, read_only)], "pod.host-path"))
    assert got[("w", None)].severity is severity
    assert path in got[("w", None)].message
    assert got[("w", None)].evidence[0].path == "spec.volumes[0].hostPath.path"


def test_host_path_worst_volume_wins_and_unmounted_volume_is_low() -> None:
    doc = workload(
        "agent",
        ctr(volumeMounts=[{"name": "logs", "mountPath": "/logs", "readOnly": True}]),
        ephemeral=[ctr("debug", volumeMounts=[{"name": "etc", "mountPath": "/etc-host"}])],
        volumes=[
            {"name": "logs", "hostPath": {"path": "/var/log"}},
            {"name": "etc", "hostPath": {"path": "/etc"}},
            {"name": "unused", "hostPath": {"path": "/srv/data"}},
            {"name": "scratch", "emptyDir": {}},
        ],
    )
    got = fails(run([doc, hardened("clean")], "pod.host-path"))
    assert set(got) == {("agent", None)}
    finding = got[("agent", None)]
    assert finding.severity is Severity.HIGH  # /etc mounted by the ephemeral debug container
    assert finding.message.index("etc (/etc") < finding.message.index("logs (/var/log")  # worst first
    assert "not mounted by any container" in finding.message
    assert len(finding.evidence) == 3


def test_host_path_passes_without_host_volumes() -> None:
    report = run([hardened("clean")], "pod.host-path")
    assert summary(report).status is Status.PASS and summary(report).passed == 1


# --- hostPort ----------------------------------------------------------------------------------


def test_host_port_explicit_and_host_network_defaulted() -> None:
    docs = [
        workload("explicit", ctr(ports=[{"containerPort": 8080, "hostPort": 80}])),
        workload("hostnet", ctr(ports=[{"containerPort": 9100}]), hostNetwork=True),
        workload("plain", ctr(ports=[{"containerPort": 8080}])),
        workload("init", ctr(), init=[ctr("setup", ports=[{"containerPort": 1, "hostPort": 5353}])]),
    ]
    report = run(docs, "pod.host-port")
    got = fails(report)
    assert set(got) == {("explicit", "app"), ("hostnet", "app"), ("init", "setup")}
    assert "80" in got[("explicit", "app")].message
    assert "9100" in got[("hostnet", "app")].message and "hostNetwork" in got[("hostnet", "app")].message
    assert got[("init", "setup")].evidence[0].path == "spec.initContainers[0].ports[0].hostPort"
    assert summary(report).passed == 2


def test_host_port_passes_without_ports() -> None:
    assert summary(run([hardened("clean")], "pod.host-port")).status is Status.PASS


# --- Windows HostProcess -----------------------------------------------------------------------


def test_windows_host_process_pod_level_and_container_override() -> None:
    windows = {"os": {"name": "windows"}, "hostNetwork": True}
    docs = [
        workload("pod-level", ctr("a"), ctr("b"), securityContext={"windowsOptions": {"hostProcess": True}}, **windows),
        workload(
            "container",
            ctr("a", securityContext={"windowsOptions": {"hostProcess": True}}),
            ctr("b"),
            **windows,
        ),
        workload("plain", ctr(), os={"name": "windows"}),
    ]
    report = run(docs, "pod.windows-host-process")
    got = fails(report)
    assert set(got) == {("pod-level", "a"), ("pod-level", "b"), ("container", "a")}
    assert got[("container", "a")].severity is Severity.CRITICAL
    assert got[("pod-level", "a")].evidence[0].path == "spec.securityContext.windowsOptions.hostProcess"
    assert summary(report).passed == 2


def test_windows_host_process_passes_on_linux() -> None:
    assert summary(run([hardened("clean")], "pod.windows-host-process")).status is Status.PASS


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
