"""The Pod Security Standards evaluator against upstream's own test cases.

Three sources of expectations, all from `k8s.io/pod-security-admission` v0.37.2:
- the unit tests of every check (`policy/check_*_test.go`): exact reason and detail text;
- the conformance fixtures (`test/testdata/{baseline,restricted}/v1.37/{pass,fail}`), vendored
  in `data/psa_fixtures_v1.37.jsonl`: whole pods that must pass or fail a level;
- the registry semantics (`policy/registry.go`): which checks run at which level, in what order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from k8saudit.model.objects import ObjectMeta, Pod, PodSpec, Volume
from k8saudit.semantics.podsecurity import Level, Violation, checks_for, evaluate, forbidden_detail, highest_level
from tests.pss_cases import cases as oracle_cases

B, R = Level.BASELINE, Level.RESTRICTED


def parse(spec: dict[str, Any], annotations: dict[str, str] | None = None) -> tuple[ObjectMeta, PodSpec]:
    pod = Pod.model_validate({"metadata": {"name": "p", "annotations": annotations or {}}, "spec": spec})
    return pod.metadata, pod.spec


def ctr(name: str, **sc: Any) -> dict[str, Any]:
    """A container; keyword arguments form its securityContext (none given: no securityContext)."""
    return {"name": name, "image": "x", **({"securityContext": sc} if sc else {})}


def ctrs(*containers: dict[str, Any], **pod: Any) -> dict[str, Any]:
    return {"containers": list(containers), **pod}


class Case(NamedTuple):
    name: str
    check: str
    level: Level
    spec: dict[str, Any]
    reason: str | None  # None: the check must allow the pod
    detail: str | None = None
    annotations: dict[str, str] | None = None


SECCOMP_CONTAINERS = [
    ctr("a"),
    {"name": "b", "image": "x", "securityContext": {}},
    ctr("c", seccompProfile={"type": "Unconfined"}),
    ctr("d", seccompProfile={"type": "Unconfined"}),
    ctr("e", seccompProfile={"type": "RuntimeDefault"}),
    ctr("f", seccompProfile={"type": "RuntimeDefault"}),
]
SELINUX_OK = [
    ctr("a", seLinuxOptions={"type": "container_t"}),
    ctr("b", seLinuxOptions={"type": "container_init_t"}),
    ctr("c", seLinuxOptions={"type": "container_kvm_t"}),
    ctr("d", seLinuxOptions={"type": "container_engine_t"}),
]
SELINUX_BAD = [
    ctr("e", seLinuxOptions={"type": "bar"}),
    ctr("f", seLinuxOptions={"user": "bar"}),
    ctr("g", seLinuxOptions={"role": "baz"}),
]
PROC_MOUNTS = [
    ctr("a"),
    {"name": "b", "image": "x", "securityContext": {}},
    ctr("c", procMount="Default"),
    ctr("d", procMount="Unmasked"),
    ctr("e", procMount="other"),
]
APPARMOR_ANNOTATIONS = {
    "container.apparmor.security.beta.kubernetes.io/": "bogus",
    "container.apparmor.security.beta.kubernetes.io/a": "",
    "container.apparmor.security.beta.kubernetes.io/b": "runtime/default",
    "container.apparmor.security.beta.kubernetes.io/c": "localhost/",
    "container.apparmor.security.beta.kubernetes.io/d": "localhost/foo",
    "container.apparmor.security.beta.kubernetes.io/e": "unconfined",
    "container.apparmor.security.beta.kubernetes.io/f": "unknown",
}
ALLOWED_VOLUMES = [
    {"name": "a1", "emptyDir": {}},
    {"name": "a2", "secret": {}},
    {"name": "a3", "persistentVolumeClaim": {"claimName": "x"}},
    {"name": "a4", "downwardAPI": {}},
    {"name": "a5", "configMap": {}},
    {"name": "a6", "projected": {}},
    {"name": "a7", "csi": {"driver": "x"}},
    {"name": "a8", "ephemeral": {}},
    {"name": "a9", "image": {"reference": "x"}},
]
RESTRICTED_VOLUME_KINDS = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
]

UPSTREAM_CASES: list[Case] = [
    # allowPrivilegeEscalation (1.25)
    Case(
        "ape multiple containers",
        "allowPrivilegeEscalation",
        R,
        ctrs(
            ctr("a"),
            {"name": "b", "image": "x", "securityContext": {"allowPrivilegeEscalation": None}},
            ctr("c", allowPrivilegeEscalation=True),
            ctr("d", allowPrivilegeEscalation=False),
        ),
        "allowPrivilegeEscalation != false",
        'containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false',
    ),
    Case("ape windows pod exempt", "allowPrivilegeEscalation", R, ctrs(ctr("a"), os={"name": "windows"}), None),
    Case(
        "ape linux pod",
        "allowPrivilegeEscalation",
        R,
        ctrs(ctr("a"), os={"name": "linux"}),
        "allowPrivilegeEscalation != false",
        'container "a" must set securityContext.allowPrivilegeEscalation=false',
    ),
    # appArmorProfile
    Case(
        "apparmor default annotation",
        "appArmorProfile",
        B,
        {},
        None,
        annotations={"container.apparmor.security.beta.kubernetes.io/test": "runtime/default", "env": "prod"},
    ),
    Case(
        "apparmor localhost annotation",
        "appArmorProfile",
        B,
        {},
        None,
        annotations={"container.apparmor.security.beta.kubernetes.io/test": "localhost/sec-profile01"},
    ),
    Case("apparmor no annotations", "appArmorProfile", B, {}, None, annotations={"env": "dev"}),
    Case(
        "apparmor pod runtime default",
        "appArmorProfile",
        B,
        {"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}},
        None,
    ),
    Case(
        "apparmor container runtime default",
        "appArmorProfile",
        B,
        ctrs(ctr("foo", appArmorProfile={"type": "RuntimeDefault"})),
        None,
    ),
    Case(
        "apparmor unconfined pod",
        "appArmorProfile",
        B,
        {"securityContext": {"appArmorProfile": {"type": "Unconfined"}}},
        "forbidden AppArmor profile",
        'pod must not set AppArmor profile type to "Unconfined"',
    ),
    Case(
        "apparmor unconfined container",
        "appArmorProfile",
        B,
        ctrs(
            ctr("foo", appArmorProfile={"type": "Unconfined"}),
            securityContext={"appArmorProfile": {"type": "RuntimeDefault"}},
        ),
        "forbidden AppArmor profile",
        'container "foo" must not set AppArmor profile type to "Unconfined"',
    ),
    Case(
        "apparmor unconfined init container",
        "appArmorProfile",
        B,
        {
            "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
            "containers": [ctr("foo")],
            "initContainers": [ctr("bar", appArmorProfile={"type": "Unconfined"})],
        },
        "forbidden AppArmor profile",
        'container "bar" must not set AppArmor profile type to "Unconfined"',
    ),
    Case(
        "apparmor annotations",
        "appArmorProfile",
        B,
        {},
        "forbidden AppArmor profiles",
        "annotations must not set AppArmor profile type to "
        '"container.apparmor.security.beta.kubernetes.io/="bogus"", '
        '"container.apparmor.security.beta.kubernetes.io/e="unconfined"", '
        '"container.apparmor.security.beta.kubernetes.io/f="unknown""',
        APPARMOR_ANNOTATIONS,
    ),
    # capabilities_baseline
    Case(
        "caps baseline multiple containers",
        "capabilities_baseline",
        B,
        ctrs(ctr("a", capabilities={"add": ["FOO", "BAR"]}), ctr("b", capabilities={"add": ["BAR", "BAZ"]})),
        "non-default capabilities",
        'containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add',
    ),
    Case(
        "caps baseline default set",
        "capabilities_baseline",
        B,
        ctrs(ctr("a", capabilities={"add": ["CHOWN", "NET_BIND_SERVICE", "SYS_CHROOT"]})),
        None,
    ),
    # capabilities_restricted (1.25)
    Case(
        "caps restricted multiple containers",
        "capabilities_restricted",
        R,
        ctrs(
            ctr("a", capabilities={"add": ["FOO", "BAR"]}),
            ctr("b", capabilities={"add": ["BAR", "BAZ"]}),
            ctr("c", capabilities={"add": ["NET_BIND_SERVICE", "CHOWN"], "drop": ["ALL", "FOO"]}),
        ),
        "unrestricted capabilities",
        'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; '
        'containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add',
    ),
    Case("caps restricted windows exempt", "capabilities_restricted", R, ctrs(ctr("a"), os={"name": "windows"}), None),
    Case(
        "caps restricted linux",
        "capabilities_restricted",
        R,
        ctrs(ctr("a"), os={"name": "linux"}),
        "unrestricted capabilities",
        'container "a" must set securityContext.capabilities.drop=["ALL"]',
    ),
    Case(
        "caps restricted lowercase all is not ALL",
        "capabilities_restricted",
        R,
        ctrs(ctr("a", capabilities={"drop": ["all"]})),
        "unrestricted capabilities",
        'container "a" must set securityContext.capabilities.drop=["ALL"]',
    ),
    # hostNamespaces
    Case(
        "host namespaces",
        "hostNamespaces",
        B,
        {"hostNetwork": True, "hostIPC": True, "hostPID": True},
        "host namespaces",
        "hostNetwork=true, hostPID=true, hostIPC=true",
    ),
    Case("host namespaces false", "hostNamespaces", B, {"hostNetwork": False, "hostPID": False}, None),
    # hostPathVolumes
    Case(
        "host path volumes",
        "hostPathVolumes",
        B,
        {
            "volumes": [
                {"name": "a", "hostPath": {}},
                {"name": "b", "hostPath": {}},
                {"name": "c", "emptyDir": {}},
            ]
        },
        "hostPath volumes",
        'volumes "a", "b"',
    ),
    # hostPorts
    Case(
        "one container one host port",
        "hostPorts",
        B,
        ctrs(
            {"name": "a", "ports": [{"hostPort": 0}]},
            {"name": "b", "ports": [{"hostPort": 0}, {"hostPort": 20}]},
        ),
        "hostPort",
        'container "b" uses hostPort 20',
    ),
    Case(
        "multiple containers multiple host ports",
        "hostPorts",
        B,
        ctrs(
            {"name": "a", "ports": [{"hostPort": 0}]},
            {"name": "b", "ports": [{"hostPort": 0}, {"hostPort": 10}, {"hostPort": 20}]},
            {"name": "c", "ports": [{"hostPort": 0}, {"hostPort": 10}, {"hostPort": 30}]},
        ),
        "hostPort",
        'containers "b", "c" use hostPorts 10, 20, 30',
    ),
    # hostProbesAndHostLifecycle (1.34)
    Case(
        "probes with unset hosts",
        "hostProbesAndHostLifecycle",
        B,
        ctrs(
            {
                "name": "a",
                "livenessProbe": {"httpGet": {"port": 80}},
                "readinessProbe": {"tcpSocket": {"port": 80}},
                "lifecycle": {"postStart": {"httpGet": {"port": 80, "host": ""}}},
            }
        ),
        None,
    ),
    Case(
        "local host ips as probe hosts",
        "hostProbesAndHostLifecycle",
        B,
        ctrs(
            {
                "name": "a",
                "livenessProbe": {"httpGet": {"host": "127.0.0.1"}},
                "readinessProbe": {"tcpSocket": {"host": "::1"}},
                "startupProbe": {"httpGet": {"host": "localhost"}},
            }
        ),
        "probe or lifecycle host",
        'container "a" uses probe or lifecycle hosts "127.0.0.1", "::1", "localhost"',
    ),
    Case(
        "tcpSocket host in readiness probe",
        "hostProbesAndHostLifecycle",
        B,
        ctrs({"name": "b", "readinessProbe": {"tcpSocket": {"host": "invalid.host"}}}),
        "probe or lifecycle host",
        'container "b" uses probe or lifecycle host "invalid.host"',
    ),
    Case(
        "httpGet host in startup probe",
        "hostProbesAndHostLifecycle",
        B,
        ctrs({"name": "c", "startupProbe": {"httpGet": {"host": "invalid.host"}}}),
        "probe or lifecycle host",
        'container "c" uses probe or lifecycle host "invalid.host"',
    ),
    Case(
        "postStart tcpSocket host",
        "hostProbesAndHostLifecycle",
        B,
        ctrs({"name": "d", "lifecycle": {"postStart": {"tcpSocket": {"host": "invalid.host"}}}}),
        "probe or lifecycle host",
        'container "d" uses probe or lifecycle host "invalid.host"',
    ),
    Case(
        "preStop httpGet host",
        "hostProbesAndHostLifecycle",
        B,
        ctrs({"name": "e", "lifecycle": {"preStop": {"httpGet": {"host": "another.invalid.host"}}}}),
        "probe or lifecycle host",
        'container "e" uses probe or lifecycle host "another.invalid.host"',
    ),
    Case(
        "multiple containers with multiple hosts",
        "hostProbesAndHostLifecycle",
        B,
        ctrs(
            {"name": "valid"},
            {"name": "invalid1", "livenessProbe": {"httpGet": {"host": "a.com"}}},
            {
                "name": "invalid2",
                "lifecycle": {"preStop": {"tcpSocket": {"host": "b.com"}}},
                "startupProbe": {"httpGet": {"host": "a.com"}},
            },
        ),
        "probe or lifecycle host",
        'containers "invalid1", "invalid2" use probe or lifecycle hosts "a.com", "b.com"',
    ),
    Case(
        "ipv6 host",
        "hostProbesAndHostLifecycle",
        B,
        ctrs({"name": "a", "livenessProbe": {"tcpSocket": {"host": "2001:4860:4860::8888"}}}),
        "probe or lifecycle host",
        'container "a" uses probe or lifecycle host "2001:4860:4860::8888"',
    ),
    Case(
        "host in init container",
        "hostProbesAndHostLifecycle",
        B,
        {"initContainers": [{"name": "init", "livenessProbe": {"httpGet": {"host": "invalid.init.host"}}}]},
        "probe or lifecycle host",
        'container "init" uses probe or lifecycle host "invalid.init.host"',
    ),
    # privileged
    Case(
        "privileged",
        "privileged",
        B,
        ctrs(
            ctr("a"),
            {"name": "b", "securityContext": {}},
            ctr("c", privileged=False),
            ctr("d", privileged=True),
            ctr("e", privileged=True),
        ),
        "privileged",
        'containers "d", "e" must not set securityContext.privileged=true',
    ),
    # procMount (1.35 baseline) and procMount_restricted
    Case(
        "procMount baseline host users",
        "procMount",
        B,
        ctrs(*PROC_MOUNTS, hostUsers=True),
        "procMount",
        'containers "d", "e" must not set securityContext.procMount to "Unmasked", "other"',
    ),
    Case("procMount baseline user namespace", "procMount", B, ctrs(*PROC_MOUNTS, hostUsers=False), None),
    Case(
        "procMount restricted host users",
        "procMount_restricted",
        R,
        ctrs(*PROC_MOUNTS, hostUsers=True),
        "procMount",
        'containers "d", "e" must not set securityContext.procMount to "Unmasked", "other"',
    ),
    Case(
        "procMount restricted user namespace",
        "procMount_restricted",
        R,
        ctrs(*PROC_MOUNTS, hostUsers=False),
        "procMount",
        'containers "d", "e" must not set securityContext.procMount to "Unmasked", "other"',
    ),
    # restrictedVolumes
    Case(
        "restricted volume types",
        "restrictedVolumes",
        R,
        {
            "volumes": [
                *ALLOWED_VOLUMES,
                *({"name": f"b{i}", kind: {}} for i, kind in enumerate(RESTRICTED_VOLUME_KINDS, 1)),
                {"name": "c1", "someFutureVolumeType": {}},
                {"name": "c2"},  # no source: the API server defaults it to emptyDir
            ]
        },
        "restricted volume types",
        "volumes " + ", ".join(f'"b{i}"' for i in range(1, 22)) + ', "c1" use restricted volume types '
        '"awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "fc", "flexVolume", "flocker", '
        '"gcePersistentDisk", "gitRepo", "glusterfs", "hostPath", "iscsi", "nfs", "photonPersistentDisk", '
        '"portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "unknown", "vsphereVolume"',
    ),
    Case("restricted volumes allowed", "restrictedVolumes", R, {"volumes": ALLOWED_VOLUMES}, None),
    # runAsNonRoot (1.35)
    Case(
        "no explicit runAsNonRoot",
        "runAsNonRoot",
        R,
        ctrs(ctr("a")),
        "runAsNonRoot != true",
        'pod or container "a" must set securityContext.runAsNonRoot=true',
    ),
    Case(
        "pod runAsNonRoot=false",
        "runAsNonRoot",
        R,
        ctrs(ctr("a"), securityContext={"runAsNonRoot": False}),
        "runAsNonRoot != true",
        "pod must not set securityContext.runAsNonRoot=false",
    ),
    Case(
        "containers runAsNonRoot=false",
        "runAsNonRoot",
        R,
        ctrs(
            ctr("a"),
            {"name": "b", "securityContext": {}},
            ctr("c", runAsNonRoot=False),
            ctr("d", runAsNonRoot=False),
            ctr("e", runAsNonRoot=True),
            ctr("f", runAsNonRoot=True),
            securityContext={"runAsNonRoot": True},
        ),
        "runAsNonRoot != true",
        'containers "c", "d" must not set securityContext.runAsNonRoot=false',
    ),
    Case(
        "pod nil container fallthrough",
        "runAsNonRoot",
        R,
        ctrs(
            ctr("a"),
            {"name": "b", "securityContext": {}},
            ctr("d", runAsNonRoot=True),
            ctr("e", runAsNonRoot=True),
        ),
        "runAsNonRoot != true",
        'pod or containers "a", "b" must set securityContext.runAsNonRoot=true',
    ),
    Case("runAsNonRoot host users false", "runAsNonRoot", R, ctrs(ctr("a"), hostUsers=False), None),
    Case(
        "runAsNonRoot host users true",
        "runAsNonRoot",
        R,
        ctrs(ctr("a"), hostUsers=True),
        "runAsNonRoot != true",
        'pod or container "a" must set securityContext.runAsNonRoot=true',
    ),
    # runAsUser (1.35)
    Case(
        "pod runAsUser=0",
        "runAsUser",
        R,
        ctrs(ctr("a"), securityContext={"runAsUser": 0}),
        "runAsUser=0",
        "pod must not set runAsUser=0",
    ),
    Case("pod runAsUser non-zero", "runAsUser", R, ctrs(ctr("a"), securityContext={"runAsUser": 1000}), None),
    Case("pod runAsUser nil", "runAsUser", R, ctrs(ctr("a"), securityContext={}), None),
    Case(
        "containers runAsUser=0",
        "runAsUser",
        R,
        ctrs(
            ctr("a"),
            {"name": "b", "securityContext": {}},
            ctr("c", runAsUser=0),
            ctr("d", runAsUser=0),
            ctr("e", runAsUser=1),
            ctr("f", runAsUser=1),
            securityContext={"runAsUser": 1000},
        ),
        "runAsUser=0",
        'containers "c", "d" must not set runAsUser=0',
    ),
    Case(
        "containers runAsUser non-zero",
        "runAsUser",
        R,
        ctrs(ctr("c", runAsUser=1), ctr("d", runAsUser=2)),
        None,
    ),
    Case(
        "runAsUser=0 host users false",
        "runAsUser",
        R,
        ctrs(ctr("a", runAsUser=0), hostUsers=False, securityContext={"runAsUser": 0}),
        None,
    ),
    # seLinuxOptions (1.31)
    Case(
        "selinux invalid pod and containers",
        "seLinuxOptions",
        B,
        ctrs(
            *SELINUX_OK, *SELINUX_BAD, securityContext={"seLinuxOptions": {"type": "foo", "user": "bar", "role": "baz"}}
        ),
        "seLinuxOptions",
        'pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: '
        'types "bar", "foo"; user may not be set; role may not be set',
    ),
    Case(
        "selinux invalid pod",
        "seLinuxOptions",
        B,
        ctrs(*SELINUX_OK, securityContext={"seLinuxOptions": {"type": "foo", "user": "bar", "role": "baz"}}),
        "seLinuxOptions",
        'pod set forbidden securityContext.seLinuxOptions: type "foo"; user may not be set; role may not be set',
    ),
    Case(
        "selinux invalid containers",
        "seLinuxOptions",
        B,
        ctrs(*SELINUX_OK, *SELINUX_BAD, securityContext={"seLinuxOptions": {}}),
        "seLinuxOptions",
        'containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: '
        'type "bar"; user may not be set; role may not be set',
    ),
    Case(
        "selinux bad type",
        "seLinuxOptions",
        B,
        {"securityContext": {"seLinuxOptions": {"type": "bad"}}},
        "seLinuxOptions",
        'pod set forbidden securityContext.seLinuxOptions: type "bad"',
    ),
    Case(
        "selinux bad user",
        "seLinuxOptions",
        B,
        {"securityContext": {"seLinuxOptions": {"user": "bad"}}},
        "seLinuxOptions",
        "pod set forbidden securityContext.seLinuxOptions: user may not be set",
    ),
    Case(
        "selinux bad role",
        "seLinuxOptions",
        B,
        {"securityContext": {"seLinuxOptions": {"role": "bad"}}},
        "seLinuxOptions",
        "pod set forbidden securityContext.seLinuxOptions: role may not be set",
    ),
    Case(
        "selinux level alone is fine",
        "seLinuxOptions",
        B,
        {"securityContext": {"seLinuxOptions": {"level": "s0:c123,c456"}}},
        None,
    ),
    # seccompProfile_baseline (1.19: the field; the alpha annotations are no longer checked)
    Case(
        "seccomp baseline pod invalid",
        "seccompProfile_baseline",
        B,
        ctrs(ctr("a"), securityContext={"seccompProfile": {"type": "Unconfined"}}),
        "seccompProfile",
        'pod must not set securityContext.seccompProfile.type to "Unconfined"',
    ),
    Case(
        "seccomp baseline containers invalid",
        "seccompProfile_baseline",
        B,
        ctrs(*SECCOMP_CONTAINERS, securityContext={"seccompProfile": {"type": "RuntimeDefault"}}),
        "seccompProfile",
        'containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"',
    ),
    Case(
        "seccomp baseline pod and containers invalid",
        "seccompProfile_baseline",
        B,
        ctrs(*SECCOMP_CONTAINERS, securityContext={"seccompProfile": {"type": "Unconfined"}}),
        "seccompProfile",
        'pod and containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"',
    ),
    Case("seccomp baseline unset is fine", "seccompProfile_baseline", B, ctrs(ctr("a")), None),
    Case(
        "seccomp baseline ignores the alpha annotations",
        "seccompProfile_baseline",
        B,
        ctrs(ctr("a")),
        None,
        annotations={
            "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/a": "unconfined",
        },
    ),
    # seccompProfile_restricted (1.25)
    Case(
        "no explicit seccomp",
        "seccompProfile_restricted",
        R,
        ctrs(ctr("a")),
        "seccompProfile",
        'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    ),
    Case(
        "no explicit seccomp windows pod", "seccompProfile_restricted", R, ctrs(ctr("a"), os={"name": "windows"}), None
    ),
    Case(
        "no explicit seccomp linux pod",
        "seccompProfile_restricted",
        R,
        ctrs(ctr("a"), os={"name": "linux"}),
        "seccompProfile",
        'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    ),
    Case(
        "seccomp restricted pod invalid",
        "seccompProfile_restricted",
        R,
        ctrs(ctr("a"), securityContext={"seccompProfile": {"type": "Unconfined"}}),
        "seccompProfile",
        'pod must not set securityContext.seccompProfile.type to "Unconfined"',
    ),
    Case(
        "seccomp restricted containers invalid",
        "seccompProfile_restricted",
        R,
        ctrs(*SECCOMP_CONTAINERS, securityContext={"seccompProfile": {"type": "RuntimeDefault"}}),
        "seccompProfile",
        'containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"',
    ),
    Case(
        "seccomp restricted container fallthrough",
        "seccompProfile_restricted",
        R,
        ctrs(
            ctr("a"),
            {"name": "b", "securityContext": {}},
            ctr("d", seccompProfile={"type": "RuntimeDefault"}),
            ctr("e", seccompProfile={"type": "RuntimeDefault"}),
        ),
        "seccompProfile",
        'pod or containers "a", "b" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    ),
    Case(
        "seccomp restricted localhost on pod",
        "seccompProfile_restricted",
        R,
        ctrs(ctr("a"), securityContext={"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}),
        None,
    ),
    # sysctls (1.37)
    Case(
        "forbidden sysctls",
        "sysctls",
        B,
        {"securityContext": {"sysctls": [{"name": "a"}, {"name": "b"}]}},
        "forbidden sysctls",
        "a, b",
    ),
    *(
        Case(
            f"safe sysctl {name}", "sysctls", B, {"securityContext": {"sysctls": [{"name": name, "value": "1"}]}}, None
        )
        for name in (
            "net.ipv4.ip_local_reserved_ports",
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
            "net.ipv4.tcp_rmem",
            "net.ipv4.tcp_wmem",
            "net.ipv4.tcp_slow_start_after_idle",
            "net.ipv4.tcp_notsent_lowat",
        )
    ),
    Case(
        "unsafe sysctl among safe ones",
        "sysctls",
        B,
        {"securityContext": {"sysctls": [{"name": "kernel.shm_rmid_forced"}, {"name": "kernel.msgmax"}]}},
        "forbidden sysctls",
        "kernel.msgmax",
    ),
    # windowsHostProcess
    Case(
        "host process",
        "windowsHostProcess",
        B,
        ctrs(
            ctr("a"),
            {"name": "b", "securityContext": {}},
            ctr("c", windowsOptions={}),
            ctr("d", windowsOptions={"hostProcess": False}),
            ctr("e", windowsOptions={"hostProcess": True}),
            ctr("f", windowsOptions={"hostProcess": True}),
            securityContext={"windowsOptions": {"hostProcess": True}},
        ),
        "hostProcess",
        'pod and containers "e", "f" must not set securityContext.windowsOptions.hostProcess=true',
    ),
]


def only(violations: list[Violation], check: str) -> list[Violation]:
    return [v for v in violations if v.check == check]


@pytest.mark.parametrize("case", UPSTREAM_CASES, ids=[c.name for c in UPSTREAM_CASES])
def test_upstream_check_cases(case: Case) -> None:
    meta, spec = parse(case.spec, case.annotations)
    found = only(evaluate(meta, spec, case.level), case.check)
    if case.reason is None:
        assert found == []
        return
    assert len(found) == 1, found
    violation = found[0]
    assert (violation.reason, violation.detail) == (case.reason, case.detail)
    assert violation.level is (R if case.check in checks_for(R) and case.check not in checks_for(B) else B)
    assert violation.paths, "a violation names the fields that caused it"


# --- upstream's conformance fixtures ---------------------------------------------------------

FIXTURES = [json.loads(line) for line in (Path(__file__).parents[1] / "data" / "psa_fixtures_v1.37.jsonl").open()]


def test_fixture_file_covers_every_check() -> None:
    assert len(FIXTURES) == 148
    failing = {f["fixture"].rstrip("0123456789") for f in FIXTURES if f["expect"] == "fail"}
    assert failing == {check.lower() for check in checks_for(R)} | {
        "capabilities_baseline",
        "hostpathvolumes",
        "procmount",
        "seccompprofile_baseline",
    }


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f"{f['level']}-{f['expect']}-{f['fixture']}" for f in FIXTURES])
def test_upstream_fixture(fixture: dict[str, Any]) -> None:
    pod = Pod.model_validate(fixture["pod"])
    violations = evaluate(pod.metadata, pod.spec, Level(fixture["level"]))
    if fixture["expect"] == "pass":
        assert violations == []
    else:
        assert violations, "upstream rejects this pod"
        assert fixture["substring"] in forbidden_detail(violations)


# --- levels, ordering, overrides -------------------------------------------------------------


def test_checks_per_level_follow_upstream_order_and_overrides() -> None:
    baseline = (
        "appArmorProfile",
        "capabilities_baseline",
        "hostNamespaces",
        "hostPathVolumes",
        "hostPorts",
        "hostProbesAndHostLifecycle",
        "privileged",
        "procMount",
        "seLinuxOptions",
        "seccompProfile_baseline",
        "sysctls",
        "windowsHostProcess",
    )
    assert checks_for(Level.PRIVILEGED) == ()
    assert checks_for(B) == baseline
    assert checks_for(R) == (
        "appArmorProfile",
        "hostNamespaces",
        "hostPorts",
        "hostProbesAndHostLifecycle",
        "privileged",
        "seLinuxOptions",
        "sysctls",
        "windowsHostProcess",
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "procMount_restricted",
        "restrictedVolumes",
        "runAsNonRoot",
        "runAsUser",
        "seccompProfile_restricted",
    )


def test_privileged_level_allows_anything() -> None:
    meta, spec = parse(ctrs(ctr("a", privileged=True), hostPID=True))
    assert evaluate(meta, spec, Level.PRIVILEGED) == []


def test_restricted_reports_baseline_failures_with_their_level_in_upstream_order() -> None:
    meta, spec = parse(
        ctrs(ctr("a", privileged=True), hostNetwork=True, volumes=[{"name": "h", "hostPath": {"path": "/"}}])
    )
    got = evaluate(meta, spec, R)
    assert [(v.check, v.level) for v in got] == [
        ("hostNamespaces", B),
        ("privileged", B),
        ("allowPrivilegeEscalation", R),
        ("capabilities_restricted", R),
        ("restrictedVolumes", R),
        ("runAsNonRoot", R),
        ("seccompProfile_restricted", R),
    ]
    assert forbidden_detail(got[:2]) == (
        'host namespaces (hostNetwork=true), privileged (container "a" must not set securityContext.privileged=true)'
    )
    assert got[1].paths == ("spec.containers[0].securityContext.privileged",)
    assert got[4].paths == ("spec.volumes[0].hostPath",)


def test_containers_are_visited_init_regular_ephemeral_with_their_paths() -> None:
    meta, spec = parse(
        {
            "initContainers": [ctr("i", privileged=True)],
            "containers": [ctr("ok"), ctr("c", privileged=True)],
            "ephemeralContainers": [ctr("e", privileged=True)],
        }
    )
    (violation,) = evaluate(meta, spec, B)
    assert violation.detail == 'containers "i", "c", "e" must not set securityContext.privileged=true'
    assert violation.paths == (
        "spec.initContainers[0].securityContext.privileged",
        "spec.containers[1].securityContext.privileged",
        "spec.ephemeralContainers[0].securityContext.privileged",
    )


def test_host_network_ports_default_to_host_ports_like_the_api_server() -> None:
    meta, spec = parse(
        ctrs({"name": "a", "ports": [{"containerPort": 8080}, {"containerPort": 9090}]}, hostNetwork=True)
    )
    got = only(evaluate(meta, spec, B), "hostPorts")
    assert [v.detail for v in got] == ['container "a" uses hostPorts 8080, 9090']
    meta, spec = parse(ctrs({"name": "a", "ports": [{"containerPort": 8080}]}))
    assert only(evaluate(meta, spec, B), "hostPorts") == []


def test_apparmor_field_and_annotation_together() -> None:
    meta, spec = parse(
        ctrs(ctr("a", appArmorProfile={"type": "Unconfined"})),
        {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"},
    )
    (violation,) = evaluate(meta, spec, B)
    assert violation.reason == "forbidden AppArmor profiles"
    assert violation.detail == (
        'container "a" and annotation must not set AppArmor profile type to '
        '"Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined""'
    )
    assert violation.paths == (
        "spec.containers[0].securityContext.appArmorProfile.type",
        "metadata.annotations[container.apparmor.security.beta.kubernetes.io/a]",
    )


def test_apparmor_unconfined_annotation_counts_as_the_field_the_server_copies_it_into() -> None:
    annotations = {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}
    meta, spec = parse(ctrs(ctr("a"), ctr("b")), annotations)
    (violation,) = evaluate(meta, spec, B)
    assert violation.detail == (
        'container "a" and annotation must not set AppArmor profile type to '
        '"Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined""'
    )
    # not copied for Windows pods, nor when the pod-level profile already is Unconfined
    meta, spec = parse(ctrs(ctr("a"), os={"name": "windows"}), annotations)
    (violation,) = evaluate(meta, spec, B)
    assert violation.reason == "forbidden AppArmor profile"
    assert violation.detail.startswith("annotation must not set")
    meta, spec = parse(ctrs(ctr("a"), securityContext={"appArmorProfile": {"type": "Unconfined"}}), annotations)
    (violation,) = evaluate(meta, spec, B)
    assert violation.detail.startswith("pod and annotation must not set")


# --- highest_level ---------------------------------------------------------------------------

RESTRICTED_CTR = ctr("app", allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]})
RESTRICTED_POD = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


@pytest.mark.parametrize(
    ("spec", "level", "checks"),
    [
        pytest.param(ctrs(RESTRICTED_CTR, securityContext=RESTRICTED_POD), R, [], id="hardened"),
        pytest.param(
            ctrs(ctr("app")),
            B,
            ["allowPrivilegeEscalation", "capabilities_restricted", "runAsNonRoot", "seccompProfile_restricted"],
            id="defaults",
        ),
        pytest.param(ctrs(ctr("app", privileged=True)), Level.PRIVILEGED, ["privileged"], id="privileged"),
        pytest.param(
            ctrs(RESTRICTED_CTR, securityContext=RESTRICTED_POD, hostPID=True),
            Level.PRIVILEGED,
            ["hostNamespaces"],
            id="hostPID",
        ),
        pytest.param(
            ctrs(
                RESTRICTED_CTR,
                securityContext=RESTRICTED_POD,
                volumes=[{"name": "n", "nfs": {"server": "s", "path": "/"}}],
            ),
            B,
            ["restrictedVolumes"],
            id="nfs volume",
        ),
        pytest.param(
            ctrs(RESTRICTED_CTR, securityContext={"seccompProfile": {"type": "RuntimeDefault"}}, hostUsers=False),
            R,
            [],
            id="user namespace needs no runAsNonRoot",
        ),
        pytest.param(
            ctrs(
                ctr("app", allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]}, procMount="Unmasked"),
                securityContext=RESTRICTED_POD,
                hostUsers=False,
            ),
            B,
            ["procMount_restricted"],
            id="unmasked proc in user namespace is baseline",
        ),
        pytest.param(
            ctrs(ctr("app"), securityContext={"runAsNonRoot": True}, os={"name": "windows"}), R, [], id="windows pod"
        ),
        pytest.param(
            ctrs(
                RESTRICTED_CTR,
                securityContext={
                    **RESTRICTED_POD,
                    "sysctls": [{"name": "net.ipv4.tcp_rmem", "value": "4096 87380 6291456"}],
                },
            ),
            R,
            [],
            id="safe sysctl",
        ),
    ],
)
def test_highest_level(spec: dict[str, Any], level: Level, checks: list[str]) -> None:
    meta, pod_spec = parse(spec)
    got_level, violations = highest_level(meta, pod_spec)
    assert got_level is level
    assert [v.check for v in violations] == checks


def test_windows_exemptions_can_make_restricted_pass_where_baseline_fails() -> None:
    # The API server refuses such a pod at validation (Windows pods may not set seccomp),
    # but admission alone would admit it at restricted and refuse it at baseline.
    meta, spec = parse(
        ctrs(
            ctr("app"),
            securityContext={"runAsNonRoot": True, "seccompProfile": {"type": "Unconfined"}},
            os={"name": "windows"},
        )
    )
    assert evaluate(meta, spec, R) == []
    assert [v.check for v in evaluate(meta, spec, B)] == ["seccompProfile_baseline"]
    assert highest_level(meta, spec) == (R, [])


# --- the model fields the evaluator reads ----------------------------------------------------


def test_volume_remembers_every_source_kind_through_a_snapshot_round_trip() -> None:
    volume = Volume.model_validate({"name": "v", "nfs": {"server": "s", "path": "/"}})
    assert volume.sources == ["nfs"]
    again = Volume.model_validate(volume.dump())
    assert again.sources == ["nfs"]
    assert Volume.model_validate({"name": "v", "configMap": None}).sources == []
    assert Volume.model_validate({"name": "v", "hostPath": {"path": "/"}, "emptyDir": None}).sources == ["hostPath"]


def test_probe_models_keep_hosts_and_drop_headers() -> None:
    pod = Pod.model_validate(
        {
            "spec": {
                "os": {"name": "linux"},
                "containers": [
                    {
                        "name": "a",
                        "livenessProbe": {
                            "httpGet": {
                                "host": "10.0.0.1",
                                "port": 80,
                                "httpHeaders": [{"name": "Authorization", "value": "Bearer s3cr3t"}],
                            }
                        },
                        "lifecycle": {"preStop": {"tcpSocket": {"host": "h", "port": 1}}},
                    }
                ],
            }
        }
    )
    container = pod.spec.containers[0]
    assert container.livenessProbe is not None and container.livenessProbe.httpGet is not None
    assert container.livenessProbe.httpGet.host == "10.0.0.1"
    assert container.lifecycle is not None and container.lifecycle.preStop is not None
    assert pod.spec.os is not None and pod.spec.os.name == "linux"
    assert "s3cr3t" not in json.dumps(pod.dump())


# --- the oracle cases ------------------------------------------------------------------------


def test_oracle_cases_are_deterministic_varied_and_self_consistent() -> None:
    first, second = list(oracle_cases()), list(oracle_cases())
    assert first == second
    assert 55 <= len(first) <= 70
    names = [c.pod["metadata"]["name"] for c in first]
    assert len(set(names)) == len(names)
    assert {c.level for c in first} == {Level.PRIVILEGED, Level.BASELINE, Level.RESTRICTED}
    failing_checks: set[str] = set()
    for case in first:
        pod = Pod.model_validate(case.pod)
        level, violations = highest_level(pod.metadata, pod.spec)
        assert level is case.level, case.pod["metadata"]["name"]
        failing_checks.update(v.check for v in violations)
        assert case.pod["apiVersion"] == "v1" and case.pod["kind"] == "Pod"
        assert 1 <= len(case.pod["spec"]["containers"]) <= 2
    # every check of both levels is the reason some case is not at the level above
    assert failing_checks >= set(checks_for(R)) | {"capabilities_baseline", "seccompProfile_baseline", "procMount"} - {
        "procMount"  # baseline procMount can only fail on pods the API server refuses to validate
    }
