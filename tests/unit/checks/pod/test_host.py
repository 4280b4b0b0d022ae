"""Host access: hostPath, hostPort and Windows HostProcess (k8saudit/checks/pod/host.py)."""

from __future__ import annotations

import pytest

from k8saudit.model.findings import Severity, Status
from tests.unit.support.workload_helpers import ctr, fails, hardened, run, summary, workload

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
