"""Generate the demo cluster snapshot, `k8saudit/data/demo-cluster.json`.

    python -m tools.build_demo           # rewrite it
    python -m tools.build_demo --check   # exit 1 when it is stale

The demo is a three-node kind (kubeadm) cluster running Kubernetes v1.34 with the mix a
platform team really has: a hardened payments service next to a careless cart service, a
privileged log shipper, a database running as root, a nightly CronJob with a token on its
command line, an injected Istio sidecar, a forgotten debug pod, and RBAC with the usual
mistakes (cluster-admin for a developer and a CI service account, a binding for
`system:anonymous`, wildcard roles, secrets readable from another namespace) beside the
upstream defaults (`system:masters`, `system:public-info-viewer`, kubeadm's own bindings).

Everything below is written as the API server would return it, *including secret values*
(env literals, ConfigMap data, `last-applied-configuration`, a token in `command`), and is
then passed through the real parsers (`k8saudit.sources.files`) and written with
`snapshot_document`: the file is exactly what `k8saudit collect` would write, and the values
in `CANARIES` prove that none of them survives into it.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from k8saudit.model.facts import (
    AnonymousProbe,
    ApiEndpoint,
    AuthorizerProbe,
    Availability,
    ClusterFactsSpec,
    ServerVersion,
    detect_platform,
)
from k8saudit.model.inventory import Inventory
from k8saudit.model.kinds import BY_KIND, KINDS
from k8saudit.model.objects import K8sObject
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import _objects, snapshot_document

Obj = dict[str, Any]

# --- the cluster -------------------------------------------------------------------------------

CLUSTER = "demo"
K8S_VERSION = "v1.34.2"
COLLECTED_AT = "2026-11-20T09:30:00Z"
SERVER = "https://127.0.0.1:38291"
CONTROL_PLANE = f"{CLUSTER}-control-plane"
WORKERS = (f"{CLUSTER}-worker", f"{CLUSTER}-worker2")
NODES = (CONTROL_PLANE, *WORKERS)
NODE_IPS = {CONTROL_PLANE: "172.18.0.3", WORKERS[0]: "172.18.0.2", WORKERS[1]: "172.18.0.4"}
CREATED = "2026-09-02T08:14:11Z"

#: Secret values planted in the raw objects. Not one may appear in cluster.json or a report.
CANARIES = (
    "pg-d3m0c4n4ry-Sup3rS3cret",  # ConfigMap data/postgres-config POSTGRES_PASSWORD
    "sk_live_d3m0c4n4ry0000000000000000",  # env STRIPE_API_KEY on web/cart (and its last-applied)
    "AKIAD3M0C4N4RY000001",  # env AWS_ACCESS_KEY_ID on ci/nightly-cleanup
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkM20wYzRuNHJ5In0.d3m0c4n4ry-signature",  # token in a command line
    "ci-d3m0c4n4ry-registry-pass",  # password inside a URL in ConfigMap ci/pipeline-settings
    "es-d3m0c4n4ry-elastic-pass",  # env FLUENT_ES_PASSWORD on logging/fluent-bit
    "d3m0c4n4ry-deployer-sa-token",  # a Secret, which a snapshot never holds
)
PG_PASSWORD, STRIPE_KEY, AWS_KEY_ID, JWT, REGISTRY_PASS, ES_PASSWORD, SA_TOKEN = CANARIES

CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIdemo0000000000\n-----END CERTIFICATE-----\n"

# --- small builders ----------------------------------------------------------------------------

_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet Kubernetes uses for generated names


def _suffix(seed: str, length: int) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:length])


def _uid(kind: str, namespace: str | None, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://k8saudit.io/demo/{kind}/{namespace or ''}/{name}"))


def _digest(image: str) -> str:
    """A synthetic (but well-formed) image digest, stable for the same image reference."""
    return "sha256:" + hashlib.sha256(image.encode()).hexdigest()


def meta(
    kind: str,
    name: str,
    namespace: str | None = None,
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    owner: Obj | None = None,
) -> Obj:
    data: Obj = {"name": name, "uid": _uid(kind, namespace, name), "creationTimestamp": CREATED}
    if namespace is not None:
        data["namespace"] = namespace
    if labels:
        data["labels"] = labels
    if annotations:
        data["annotations"] = annotations
    if owner is not None:
        data["ownerReferences"] = [
            {
                "apiVersion": owner["apiVersion"],
                "kind": owner["kind"],
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return data


def obj(kind: str, name: str, namespace: str | None = None, **fields: Any) -> Obj:
    """A top-level object; `labels`, `annotations` and `owner` go to metadata, the rest to the body."""
    md = meta(
        kind,
        name,
        namespace,
        labels=fields.pop("labels", None),
        annotations=fields.pop("annotations", None),
        owner=fields.pop("owner", None),
    )
    api_version = BY_KIND[kind].api_version if kind in BY_KIND else fields.pop("apiVersion", "v1")
    return {"apiVersion": api_version, "kind": kind, "metadata": md, **fields}


HARDENED: Obj = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def container(name: str, image: str, **fields: Any) -> Obj:
    return {"name": name, "image": image, "imagePullPolicy": "IfNotPresent", **fields}


def limits(cpu: str, memory: str, req_cpu: str | None = None, req_memory: str | None = None) -> Obj:
    return {
        "limits": {"cpu": cpu, "memory": memory},
        "requests": {"cpu": req_cpu or cpu, "memory": req_memory or memory},
    }


def host_path(name: str, path: str, kind: str = "Directory") -> Obj:
    return {"name": name, "hostPath": {"path": path, "type": kind}}


def _api_access_volume(pod_name: str) -> Obj:
    """The projected token volume the ServiceAccount admission plugin adds to every pod."""
    return {
        "name": f"kube-api-access-{_suffix(pod_name, 5)}",
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"fieldPath": "metadata.namespace"}}]}},
            ],
        },
    }


def _pod_from_template(
    name: str,
    namespace: str,
    template: Obj,
    owner: Obj | None,
    node: str,
    *,
    phase: str = "Running",
    inject: bool = False,
) -> Obj:
    """A pod as the API server stores it: template plus admission defaults and scheduling."""
    spec = json.loads(json.dumps(template["spec"]))
    spec.setdefault("serviceAccountName", "default")
    spec["nodeName"] = node
    if spec.get("automountServiceAccountToken") is not False:
        spec.setdefault("volumes", []).append(_api_access_volume(name))
    annotations = dict(template["metadata"].get("annotations", {}))
    if inject:
        _inject_istio(spec, annotations)
    return obj(
        "Pod",
        name,
        namespace,
        labels=template["metadata"].get("labels"),
        annotations=annotations or None,
        owner=owner,
        spec=spec,
        status={"phase": phase, "hostIP": NODE_IPS[node]},
    )


def _inject_istio(spec: Obj, annotations: dict[str, str]) -> None:
    """What the Istio sidecar injector (with the istio-cni node agent) adds at admission."""
    proxy_image = "docker.io/istio/proxyv2:1.27.3"
    mesh_sc = {
        "runAsNonRoot": True,
        "runAsUser": 1337,
        "runAsGroup": 1337,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    spec.setdefault("initContainers", []).append(
        container(
            "istio-validation",
            proxy_image,
            args=["istio-iptables", "--validation-mode", "--run-validation"],
            securityContext=mesh_sc,
            resources=limits("2", "1Gi", "10m", "40Mi"),
        )
    )
    spec["containers"].append(
        container(
            "istio-proxy",
            proxy_image,
            args=["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"],
            env=[
                {"name": "PILOT_CERT_PROVIDER", "value": "istiod"},
                {"name": "CA_ADDR", "value": "istiod.istio-system.svc:15012"},
                {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            ],
            ports=[{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
            securityContext=mesh_sc,
            resources=limits("2", "1Gi", "100m", "128Mi"),
            volumeMounts=[{"name": "istio-envoy", "mountPath": "/etc/istio/proxy"}],
        )
    )
    spec.setdefault("volumes", []).append({"name": "istio-envoy", "emptyDir": {"medium": "Memory"}})
    annotations["sidecar.istio.io/status"] = (
        '{"initContainers":["istio-validation"],"containers":["istio-proxy"],"volumes":["istio-envoy"]}'
    )


def template(labels: dict[str, str], spec: Obj, annotations: dict[str, str] | None = None) -> Obj:
    md: Obj = {"labels": labels}
    if annotations:
        md["annotations"] = annotations
    return {"metadata": md, "spec": spec}


def deployment(
    namespace: str,
    name: str,
    spec: Obj,
    *,
    replicas: int = 1,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    pod_annotations: dict[str, str] | None = None,
    nodes: tuple[str, ...] = WORKERS,
    inject: bool = False,
) -> Iterator[Obj]:
    """A Deployment, its current ReplicaSet and its pods, owner references and all."""
    pod_labels = {"app.kubernetes.io/name": name, **(labels or {})}
    tpl = template(pod_labels, spec, pod_annotations)
    deploy = obj(
        "Deployment",
        name,
        namespace,
        labels=pod_labels,
        annotations={"deployment.kubernetes.io/revision": "3", **(annotations or {})},
        spec={"replicas": replicas, "selector": {"matchLabels": pod_labels}, "template": tpl},
    )
    yield deploy
    pod_hash = _suffix(f"{namespace}/{name}", 10)
    rs_labels = {**pod_labels, "pod-template-hash": pod_hash}
    rs_tpl = template(rs_labels, spec, pod_annotations)
    rs = obj(
        "ReplicaSet",
        f"{name}-{pod_hash}",
        namespace,
        labels=rs_labels,
        annotations={"deployment.kubernetes.io/revision": "3"},
        owner=deploy,
        spec={"replicas": replicas, "selector": {"matchLabels": rs_labels}, "template": rs_tpl},
    )
    yield rs
    for i in range(replicas):
        pod_name = f"{name}-{pod_hash}-{_suffix(f'{namespace}/{name}/{i}', 5)}"
        yield _pod_from_template(pod_name, namespace, rs_tpl, rs, nodes[i % len(nodes)], inject=inject)


def daemonset(
    namespace: str,
    name: str,
    spec: Obj,
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    nodes: tuple[str, ...] = NODES,
) -> Iterator[Obj]:
    pod_labels = {"app.kubernetes.io/name": name, **(labels or {})}
    tpl = template(pod_labels, spec)
    ds = obj(
        "DaemonSet",
        name,
        namespace,
        labels=pod_labels,
        annotations=annotations,
        spec={"selector": {"matchLabels": pod_labels}, "template": tpl},
    )
    yield ds
    for node in nodes:
        yield _pod_from_template(f"{name}-{_suffix(f'{namespace}/{name}/{node}', 5)}", namespace, tpl, ds, node)


def statefulset(namespace: str, name: str, spec: Obj, *, replicas: int = 1, claim: str = "data") -> Iterator[Obj]:
    pod_labels = {"app.kubernetes.io/name": name}
    tpl = template(pod_labels, spec)
    sts = obj(
        "StatefulSet",
        name,
        namespace,
        labels=pod_labels,
        spec={
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": pod_labels},
            "template": tpl,
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": claim},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}},
                }
            ],
        },
    )
    yield sts
    for i in range(replicas):
        pod = _pod_from_template(f"{name}-{i}", namespace, tpl, sts, WORKERS[i % len(WORKERS)])
        pod["spec"].setdefault("volumes", []).append(
            {"name": claim, "persistentVolumeClaim": {"claimName": f"{claim}-{name}-{i}"}}
        )
        yield pod


def replication_controller(namespace: str, name: str, spec: Obj, *, replicas: int = 1) -> Iterator[Obj]:
    """A ReplicationController (core/v1, the controller before ReplicaSets) and its pods: its
    selector is a plain label map, and it owns its pods directly."""
    pod_labels = {"app.kubernetes.io/name": name}
    tpl = template(pod_labels, spec)
    rc = obj(
        "ReplicationController",
        name,
        namespace,
        labels=pod_labels,
        spec={"replicas": replicas, "selector": pod_labels, "template": tpl},
    )
    yield rc
    for i in range(replicas):
        pod_name = f"{name}-{_suffix(f'{namespace}/{name}/{i}', 5)}"
        yield _pod_from_template(pod_name, namespace, tpl, rc, WORKERS[i % len(WORKERS)])


def cronjob(namespace: str, name: str, schedule: str, spec: Obj, *, run: int) -> Iterator[Obj]:
    """A CronJob with its last Job (named after the scheduled minute, as the controller does) and pod."""
    pod_labels = {"app.kubernetes.io/name": name}
    job_spec = {"backoffLimit": 2, "template": template(pod_labels, spec)}
    cj = obj(
        "CronJob",
        name,
        namespace,
        labels=pod_labels,
        spec={
            "schedule": schedule,
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {"metadata": {"labels": pod_labels}, "spec": job_spec},
        },
    )
    yield cj
    job_name = f"{name}-{run}"
    job_labels = {**pod_labels, "batch.kubernetes.io/job-name": job_name}
    job_tpl = template(job_labels, spec)
    job = obj("Job", job_name, namespace, labels=job_labels, owner=cj, spec={**job_spec, "template": job_tpl})
    yield job
    pod_name = f"{job_name}-{_suffix(job_name, 5)}"
    yield _pod_from_template(pod_name, namespace, job_tpl, job, WORKERS[1], phase="Succeeded")


# --- control plane -----------------------------------------------------------------------------

PKI = "/etc/kubernetes/pki"


def _static_pod(component: str, image: str, command: list[str], volumes: list[tuple[str, str, str]]) -> Obj:
    """A kubeadm static pod: mirror pod owned by its Node, flags in `command`."""
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": CONTROL_PLANE, "uid": _uid("Node", None, CONTROL_PLANE)},
    }
    return obj(
        "Pod",
        f"{component}-{CONTROL_PLANE}",
        "kube-system",
        labels={"component": component, "tier": "control-plane"},
        annotations={
            "kubernetes.io/config.source": "file",
            "kubernetes.io/config.hash": hashlib.md5(component.encode(), usedforsecurity=False).hexdigest(),
            "kubernetes.io/config.mirror": hashlib.md5(component.encode(), usedforsecurity=False).hexdigest(),
        },
        owner=node,
        spec={
            "hostNetwork": True,
            "priorityClassName": "system-node-critical",
            "nodeName": CONTROL_PLANE,
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "tolerations": [{"operator": "Exists", "effect": "NoExecute"}],
            "containers": [
                container(
                    component,
                    image,
                    command=command,
                    resources={"requests": {"cpu": "250m" if component == "kube-apiserver" else "100m"}},
                    volumeMounts=[{"name": n, "mountPath": p, "readOnly": n != "etcd-data"} for n, p, _ in volumes],
                )
            ],
            "volumes": [host_path(n, p, t) for n, p, t in volumes],
        },
        status={"phase": "Running", "hostIP": NODE_IPS[CONTROL_PLANE]},
    )


def control_plane() -> Iterator[Obj]:
    ip = NODE_IPS[CONTROL_PLANE]
    registry = "registry.k8s.io"
    # kind's kubeadm defaults, plus what an operator added by hand (a static token file).
    # Missing on purpose: --audit-log-path/--audit-policy-file, --encryption-provider-config,
    # --profiling=false, --anonymous-auth=false, --kubelet-certificate-authority.
    yield _static_pod(
        "kube-apiserver",
        f"{registry}/kube-apiserver:{K8S_VERSION}",
        [
            "kube-apiserver",
            f"--advertise-address={ip}",
            "--allow-privileged=true",
            "--authorization-mode=Node,RBAC",
            f"--client-ca-file={PKI}/ca.crt",
            "--enable-admission-plugins=NodeRestriction",
            "--enable-bootstrap-token-auth=true",
            f"--etcd-cafile={PKI}/etcd/ca.crt",
            f"--etcd-certfile={PKI}/apiserver-etcd-client.crt",
            f"--etcd-keyfile={PKI}/apiserver-etcd-client.key",
            "--etcd-servers=https://127.0.0.1:2379",
            f"--kubelet-client-certificate={PKI}/apiserver-kubelet-client.crt",
            f"--kubelet-client-key={PKI}/apiserver-kubelet-client.key",
            "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
            f"--proxy-client-cert-file={PKI}/front-proxy-client.crt",
            f"--proxy-client-key-file={PKI}/front-proxy-client.key",
            "--requestheader-allowed-names=front-proxy-client",
            f"--requestheader-client-ca-file={PKI}/front-proxy-ca.crt",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-username-headers=X-Remote-User",
            "--runtime-config=",
            "--secure-port=6443",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={PKI}/sa.pub",
            f"--service-account-signing-key-file={PKI}/sa.key",
            "--service-cluster-ip-range=10.96.0.0/16",
            f"--tls-cert-file={PKI}/apiserver.crt",
            f"--tls-private-key-file={PKI}/apiserver.key",
            "--token-auth-file=/etc/kubernetes/known_tokens.csv",
        ],
        [
            ("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate"),
            ("k8s-certs", PKI, "DirectoryOrCreate"),
            ("static-tokens", "/etc/kubernetes/known_tokens.csv", "File"),
        ],
    )
    yield _static_pod(
        "etcd",
        f"{registry}/etcd:3.6.4-0",
        [
            "etcd",
            f"--advertise-client-urls=https://{ip}:2379",
            f"--cert-file={PKI}/etcd/server.crt",
            "--client-cert-auth=true",
            "--data-dir=/var/lib/etcd",
            "--experimental-initial-corrupt-check=true",
            f"--initial-advertise-peer-urls=https://{ip}:2380",
            f"--initial-cluster={CONTROL_PLANE}=https://{ip}:2380",
            f"--key-file={PKI}/etcd/server.key",
            f"--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379",
            "--listen-metrics-urls=http://127.0.0.1:2381",
            f"--listen-peer-urls=https://{ip}:2380",
            f"--name={CONTROL_PLANE}",
            f"--peer-cert-file={PKI}/etcd/peer.crt",
            "--peer-client-cert-auth=true",
            f"--peer-key-file={PKI}/etcd/peer.key",
            f"--peer-trusted-ca-file={PKI}/etcd/ca.crt",
            "--snapshot-count=10000",
            f"--trusted-ca-file={PKI}/etcd/ca.crt",
        ],
        [("etcd-certs", f"{PKI}/etcd", "DirectoryOrCreate"), ("etcd-data", "/var/lib/etcd", "DirectoryOrCreate")],
    )
    yield _static_pod(
        "kube-controller-manager",
        f"{registry}/kube-controller-manager:{K8S_VERSION}",
        [
            "kube-controller-manager",
            "--allocate-node-cidrs=true",
            "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
            "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
            "--bind-address=127.0.0.1",
            f"--client-ca-file={PKI}/ca.crt",
            "--cluster-cidr=10.244.0.0/16",
            f"--cluster-name={CLUSTER}",
            f"--cluster-signing-cert-file={PKI}/ca.crt",
            f"--cluster-signing-key-file={PKI}/ca.key",
            "--controllers=*,bootstrapsigner,tokencleaner",
            "--enable-hostpath-provisioner=true",
            "--kubeconfig=/etc/kubernetes/controller-manager.conf",
            "--leader-elect=true",
            f"--requestheader-client-ca-file={PKI}/front-proxy-ca.crt",
            f"--root-ca-file={PKI}/ca.crt",
            f"--service-account-private-key-file={PKI}/sa.key",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--use-service-account-credentials=true",
        ],
        [
            ("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate"),
            ("k8s-certs", PKI, "DirectoryOrCreate"),
            ("kubeconfig", "/etc/kubernetes/controller-manager.conf", "FileOrCreate"),
        ],
    )
    yield _static_pod(
        "kube-scheduler",
        f"{registry}/kube-scheduler:{K8S_VERSION}",
        [
            "kube-scheduler",
            "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
            "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
            "--bind-address=127.0.0.1",
            "--kubeconfig=/etc/kubernetes/scheduler.conf",
            "--leader-elect=true",
        ],
        [("kubeconfig", "/etc/kubernetes/scheduler.conf", "FileOrCreate")],
    )


def nodes() -> Iterator[Obj]:
    for name in NODES:
        is_cp = name == CONTROL_PLANE
        labels = {
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
        }
        if is_cp:
            labels["node-role.kubernetes.io/control-plane"] = ""
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        yield obj(
            "Node",
            name,
            labels=labels,
            annotations={
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            spec={
                "podCIDR": f"10.244.{NODES.index(name)}.0/24",
                "providerID": f"kind://docker/{CLUSTER}/{name}",
                **(
                    {"taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]}
                    if is_cp
                    else {}
                ),
            },
            status={
                "addresses": [{"type": "InternalIP", "address": NODE_IPS[name]}, {"type": "Hostname", "address": name}],
                "nodeInfo": {
                    "architecture": "amd64",
                    "bootID": _uid("boot", None, name),
                    "containerRuntimeVersion": "containerd://2.1.4",
                    "kernelVersion": "6.8.0-87-generic",
                    "kubeProxyVersion": "",
                    "kubeletVersion": K8S_VERSION,
                    "machineID": _suffix(name, 32),
                    "operatingSystem": "linux",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "systemUUID": _uid("system", None, name),
                },
            },
        )


# --- namespaces --------------------------------------------------------------------------------

PSA = "pod-security.kubernetes.io"
NAMESPACES: dict[str, dict[str, str]] = {
    "default": {},
    "kube-system": {},
    "kube-public": {},
    "kube-node-lease": {},
    "ingress-nginx": {"app.kubernetes.io/name": "ingress-nginx"},
    "istio-system": {"topology.istio.io/network": "demo"},
    "logging": {f"{PSA}/enforce": "privileged", f"{PSA}/warn": "baseline"},
    "web": {f"{PSA}/enforce": "baseline", f"{PSA}/warn": "restricted", "istio-injection": "enabled"},
    "payments": {
        f"{PSA}/enforce": "restricted",
        f"{PSA}/enforce-version": "latest",
        f"{PSA}/warn": "restricted",
        f"{PSA}/audit": "restricted",
        "team": "payments",
    },
    "data": {"team": "data"},
    "ci": {"team": "platform"},
}


def namespaces() -> Iterator[Obj]:
    for name, labels in NAMESPACES.items():
        yield obj(
            "Namespace",
            name,
            labels={"kubernetes.io/metadata.name": name, **labels},
            spec={"finalizers": ["kubernetes"]},
            status={"phase": "Active"},
        )
        yield obj("ServiceAccount", "default", name)
        yield obj(
            "ConfigMap",
            "kube-root-ca.crt",
            name,
            annotations={
                "kubernetes.io/description": "Contains a CA bundle that can be used to verify the "
                "kube-apiserver when using internal endpoints such as the internal service IP or "
                "kubernetes.default.svc."
            },
            data={"ca.crt": CA_PEM},
        )


# --- kube-system add-ons -----------------------------------------------------------------------


def kube_system() -> Iterator[Obj]:
    ns = "kube-system"
    for sa in ("coredns", "kube-proxy", "kindnet"):
        yield obj("ServiceAccount", sa, ns)
    yield from deployment(
        ns,
        "coredns",
        {
            "serviceAccountName": "coredns",
            "priorityClassName": "system-cluster-critical",
            "tolerations": [
                {"key": "CriticalAddonsOnly", "operator": "Exists"},
                {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
            ],
            "containers": [
                container(
                    "coredns",
                    "registry.k8s.io/coredns/coredns:v1.12.1",
                    args=["-conf", "/etc/coredns/Corefile"],
                    ports=[
                        {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                        {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                        {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                    ],
                    resources={"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                    securityContext={
                        "allowPrivilegeEscalation": False,
                        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                        "readOnlyRootFilesystem": True,
                    },
                    volumeMounts=[{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": True}],
                )
            ],
            "volumes": [{"name": "config-volume", "configMap": {"name": "coredns"}}],
        },
        replicas=2,
        labels={"k8s-app": "kube-dns"},
        nodes=(CONTROL_PLANE,),
    )
    yield from daemonset(
        ns,
        "kube-proxy",
        {
            "serviceAccountName": "kube-proxy",
            "hostNetwork": True,
            "priorityClassName": "system-node-critical",
            "tolerations": [{"operator": "Exists"}],
            "containers": [
                container(
                    "kube-proxy",
                    f"registry.k8s.io/kube-proxy:{K8S_VERSION}",
                    command=[
                        "/usr/local/bin/kube-proxy",
                        "--config=/var/lib/kube-proxy/config.conf",
                        "--hostname-override=$(NODE_NAME)",
                    ],
                    env=[{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                    securityContext={"privileged": True},
                    volumeMounts=[
                        {"name": "kube-proxy", "mountPath": "/var/lib/kube-proxy"},
                        {"name": "xtables-lock", "mountPath": "/run/xtables.lock"},
                        {"name": "lib-modules", "mountPath": "/lib/modules", "readOnly": True},
                    ],
                )
            ],
            "volumes": [
                {"name": "kube-proxy", "configMap": {"name": "kube-proxy"}},
                host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                host_path("lib-modules", "/lib/modules", ""),
            ],
        },
        labels={"k8s-app": "kube-proxy"},
    )
    yield from daemonset(
        ns,
        "kindnet",
        {
            "serviceAccountName": "kindnet",
            "hostNetwork": True,
            "tolerations": [{"operator": "Exists"}],
            "containers": [
                container(
                    "kindnet-cni",
                    "docker.io/kindest/kindnetd:v20250512-df8de77b",
                    env=[
                        {"name": "HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}},
                        {"name": "POD_SUBNET", "value": "10.244.0.0/16"},
                    ],
                    resources=limits("100m", "50Mi"),
                    securityContext={"privileged": False, "capabilities": {"add": ["NET_RAW", "NET_ADMIN"]}},
                    volumeMounts=[
                        {"name": "cni-cfg", "mountPath": "/etc/cni/net.d"},
                        {"name": "xtables-lock", "mountPath": "/run/xtables.lock"},
                        {"name": "lib-modules", "mountPath": "/lib/modules", "readOnly": True},
                    ],
                )
            ],
            "volumes": [
                host_path("cni-cfg", "/etc/cni/net.d", ""),
                host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                host_path("lib-modules", "/lib/modules", ""),
            ],
        },
        labels={"k8s-app": "kindnet"},
    )
    yield obj(
        "Service",
        "kube-dns",
        ns,
        labels={"k8s-app": "kube-dns"},
        spec={
            "type": "ClusterIP",
            "clusterIP": "10.96.0.10",
            "selector": {"k8s-app": "kube-dns"},
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP"},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                {"name": "metrics", "port": 9153, "protocol": "TCP"},
            ],
        },
    )
    yield obj(
        "ConfigMap",
        "coredns",
        ns,
        data={
            "Corefile": ".:53 {\n    errors\n    health\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n"
            "    forward . /etc/resolv.conf\n    cache 30\n    loop\n    reload\n}\n"
        },
    )
    yield obj(
        "ConfigMap",
        "kube-proxy",
        ns,
        labels={"app": "kube-proxy"},
        data={
            "config.conf": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n"
            "mode: iptables\n",
            "kubeconfig.conf": "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://"
            f"{CLUSTER}-control-plane:6443\n",
        },
    )
    yield obj(
        "ConfigMap",
        "kubeadm-config",
        ns,
        data={
            "ClusterConfiguration": f"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"
            f"clusterName: {CLUSTER}\nkubernetesVersion: {K8S_VERSION}\n"
        },
    )
    yield obj(
        "ConfigMap",
        "kubelet-config",
        ns,
        data={
            "kubelet": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
            "authentication:\n  anonymous:\n    enabled: false\nauthorization:\n  mode: Webhook\n"
        },
    )
    yield obj(
        "ConfigMap",
        "cluster-info",
        "kube-public",
        data={
            "kubeconfig": "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://"
            f"{CLUSTER}-control-plane:6443\n",
            "jws-kubeconfig-abcdef": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..sig",
        },
    )


# --- applications ------------------------------------------------------------------------------


def ingress_nginx() -> Iterator[Obj]:
    ns = "ingress-nginx"
    yield obj("ServiceAccount", "ingress-nginx", ns, automountServiceAccountToken=True)
    image = "registry.k8s.io/ingress-nginx/controller:v1.13.3"
    yield from deployment(
        ns,
        "ingress-nginx-controller",
        {
            "serviceAccountName": "ingress-nginx",
            "containers": [
                container(
                    "controller",
                    f"{image}@{_digest(image)}",
                    args=[
                        "/nginx-ingress-controller",
                        "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller",
                        "--election-id=ingress-nginx-leader",
                        "--controller-class=k8s.io/ingress-nginx",
                        "--ingress-class=nginx",
                        "--configmap=$(POD_NAMESPACE)/ingress-nginx-controller",
                        "--validating-webhook=:8443",
                    ],
                    env=[
                        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                        {"name": "LD_PRELOAD", "value": "/usr/local/lib/libmimalloc.so"},
                    ],
                    ports=[
                        {"containerPort": 80, "name": "http", "protocol": "TCP"},
                        {"containerPort": 443, "name": "https", "protocol": "TCP"},
                        {"containerPort": 8443, "name": "webhook", "protocol": "TCP"},
                    ],
                    resources={"requests": {"cpu": "100m", "memory": "90Mi"}},
                    securityContext={
                        "runAsNonRoot": True,
                        "runAsUser": 101,
                        "runAsGroup": 82,
                        "allowPrivilegeEscalation": False,
                        "readOnlyRootFilesystem": False,
                        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                )
            ],
        },
        labels={"app.kubernetes.io/component": "controller"},
    )
    yield obj(
        "Service",
        "ingress-nginx-controller",
        ns,
        spec={
            "type": "LoadBalancer",
            "externalTrafficPolicy": "Local",
            "selector": {"app.kubernetes.io/name": "ingress-nginx-controller"},
            "ports": [
                {"name": "http", "port": 80, "nodePort": 31080, "protocol": "TCP"},
                {"name": "https", "port": 443, "nodePort": 31443, "protocol": "TCP"},
            ],
        },
        status={"loadBalancer": {"ingress": [{"ip": "203.0.113.40"}]}},
    )
    yield obj(
        "Service",
        "ingress-nginx-controller-admission",
        ns,
        spec={
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": "ingress-nginx-controller"},
            "ports": [{"name": "https-webhook", "port": 443, "protocol": "TCP"}],
        },
    )
    yield obj(
        "ConfigMap",
        "ingress-nginx-controller",
        ns,
        data={"allow-snippet-annotations": "false", "use-forwarded-headers": "true"},
    )


def istio() -> Iterator[Obj]:
    ns = "istio-system"
    for sa in ("istiod", "istio-cni"):
        yield obj("ServiceAccount", sa, ns)
    yield from deployment(
        ns,
        "istiod",
        {
            "serviceAccountName": "istiod",
            "securityContext": {"fsGroup": 1337},
            "containers": [
                container(
                    "discovery",
                    "docker.io/istio/pilot:1.27.3",
                    args=["discovery", "--monitoringAddr=:15014", "--log_output_level=default:info"],
                    env=[
                        {"name": "REVISION", "value": "default"},
                        {"name": "PILOT_CERT_PROVIDER", "value": "istiod"},
                    ],
                    ports=[{"containerPort": 15012, "name": "grpc-xds", "protocol": "TCP"}],
                    resources={"requests": {"cpu": "500m", "memory": "2Gi"}},
                    securityContext={
                        "runAsNonRoot": True,
                        "runAsUser": 1337,
                        "runAsGroup": 1337,
                        "allowPrivilegeEscalation": False,
                        "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                    },
                )
            ],
        },
        labels={"istio": "pilot"},
    )
    yield from daemonset(
        ns,
        "istio-cni-node",
        {
            "serviceAccountName": "istio-cni",
            "hostNetwork": True,
            "priorityClassName": "system-node-critical",
            "tolerations": [{"operator": "Exists", "effect": "NoSchedule"}],
            "containers": [
                container(
                    "install-cni",
                    "docker.io/istio/install-cni:1.27.3",
                    command=["install-cni"],
                    resources={"requests": {"cpu": "100m", "memory": "100Mi"}},
                    securityContext={
                        "privileged": True,
                        "runAsUser": 0,
                        "runAsGroup": 0,
                        "capabilities": {"drop": ["ALL"], "add": ["NET_ADMIN", "NET_RAW", "SYS_ADMIN"]},
                    },
                    volumeMounts=[
                        {"name": "cni-bin-dir", "mountPath": "/host/opt/cni/bin"},
                        {"name": "cni-net-dir", "mountPath": "/host/etc/cni/net.d"},
                        {"name": "cni-socket-dir", "mountPath": "/var/run/istio-cni"},
                    ],
                )
            ],
            "volumes": [
                host_path("cni-bin-dir", "/opt/cni/bin", ""),
                host_path("cni-net-dir", "/etc/cni/net.d", ""),
                host_path("cni-socket-dir", "/var/run/istio-cni", ""),
            ],
        },
        labels={"k8s-app": "istio-cni-node"},
        annotations={
            "k8saudit.io/exempt": "pod.privileged,pod.host-namespaces,pod.capabilities,pod.run-as-non-root",
            "k8saudit.io/exempt-reason": "CNI node agent: writes the CNI config and redirects pod traffic on "
            "every node (reviewed by platform-security, SEC-1142)",
        },
    )
    yield obj(
        "Service",
        "istiod",
        ns,
        spec={
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": "istiod"},
            "ports": [
                {"name": "grpc-xds", "port": 15012, "protocol": "TCP"},
                {"name": "https-webhook", "port": 443, "protocol": "TCP"},
            ],
        },
    )
    yield obj(
        "ConfigMap", "istio", ns, data={"mesh": "defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\n"}
    )
    ca_bundle = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvRENDQWVTZ0F3SUJBZ0lRZGVtbwo="
    istiod = {"namespace": ns, "name": "istiod", "port": 443}
    yield obj(
        "MutatingWebhookConfiguration",
        "istio-sidecar-injector",
        labels={"app": "sidecar-injector", "istio.io/rev": "default"},
        webhooks=[
            {
                "name": "namespace.sidecar-injector.istio.io",
                "clientConfig": {"service": {**istiod, "path": "/inject"}, "caBundle": ca_bundle},
                "failurePolicy": "Fail",
                "namespaceSelector": {"matchLabels": {"istio-injection": "enabled"}},
                "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}],
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
            }
        ],
    )
    yield obj(
        "ValidatingWebhookConfiguration",
        "istio-validator-istio-system",
        labels={"app": "istiod", "istio.io/rev": "default"},
        webhooks=[
            {
                "name": "rev.validation.istio.io",
                "clientConfig": {"service": {**istiod, "path": "/validate"}, "caBundle": ca_bundle},
                "failurePolicy": "Ignore",
                "rules": [
                    {
                        "apiGroups": ["security.istio.io", "networking.istio.io"],
                        "apiVersions": ["*"],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": ["*"],
                    }
                ],
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
            }
        ],
    )


def admission_policies() -> Iterator[Obj]:
    """The platform team's first ValidatingAdmissionPolicy, rolled out in warn/audit mode only."""
    yield obj(
        "ValidatingAdmissionPolicy",
        "require-team-label",
        spec={
            "failurePolicy": "Fail",
            "matchConstraints": {
                "resourceRules": [
                    {
                        "apiGroups": ["apps"],
                        "apiVersions": ["v1"],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": ["deployments", "statefulsets", "daemonsets"],
                    }
                ]
            },
            "validations": [
                {
                    "expression": "has(object.metadata.labels) && 'team' in object.metadata.labels",
                    "message": "workloads need a team label",
                }
            ],
        },
    )
    yield obj(
        "ValidatingAdmissionPolicyBinding",
        "require-team-label",
        spec={
            "policyName": "require-team-label",
            "validationActions": ["Warn", "Audit"],
            "matchResources": {
                "namespaceSelector": {
                    "matchExpressions": [
                        {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}
                    ]
                }
            },
        },
    )


def logging() -> Iterator[Obj]:
    ns = "logging"
    yield obj("ServiceAccount", "fluent-bit", ns)
    yield from daemonset(
        ns,
        "fluent-bit",
        {
            "serviceAccountName": "fluent-bit",
            "hostNetwork": True,
            "dnsPolicy": "ClusterFirstWithHostNet",
            "tolerations": [{"operator": "Exists"}],
            "containers": [
                container(
                    "fluent-bit",
                    "cr.fluentbit.io/fluent/fluent-bit:4.0.7",
                    env=[
                        {"name": "FLUENT_ES_HOST", "value": "elasticsearch.logging.example.com"},
                        {"name": "FLUENT_ES_USER", "value": "fluent"},
                        {"name": "FLUENT_ES_PASSWORD", "value": ES_PASSWORD},
                    ],
                    ports=[{"containerPort": 2020, "hostPort": 2020, "name": "http", "protocol": "TCP"}],
                    securityContext={"privileged": True},
                    volumeMounts=[
                        {"name": "varlog", "mountPath": "/var/log"},
                        {"name": "containers", "mountPath": "/var/lib/docker/containers", "readOnly": True},
                        {"name": "config", "mountPath": "/fluent-bit/etc/"},
                    ],
                )
            ],
            "volumes": [
                host_path("varlog", "/var/log", ""),
                host_path("containers", "/var/lib/docker/containers", ""),
                {"name": "config", "configMap": {"name": "fluent-bit"}},
            ],
        },
    )
    yield obj(
        "ConfigMap",
        "fluent-bit",
        ns,
        data={
            "fluent-bit.conf": "[INPUT]\n    Name tail\n    Path /var/log/containers/*.log\n[OUTPUT]\n"
            "    Name es\n    Host ${FLUENT_ES_HOST}\n    HTTP_User ${FLUENT_ES_USER}\n"
            "    HTTP_Passwd ${FLUENT_ES_PASSWORD}\n",
        },
    )


def web() -> Iterator[Obj]:
    ns = "web"
    yield obj("ServiceAccount", "frontend", ns, automountServiceAccountToken=False)
    frontend_image = "docker.io/nginxinc/nginx-unprivileged:1.29.1-alpine"
    yield from deployment(
        ns,
        "frontend",
        {
            "serviceAccountName": "frontend",
            "automountServiceAccountToken": False,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 101, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [
                container(
                    "nginx",
                    f"{frontend_image}@{_digest(frontend_image)}",
                    ports=[{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                    resources=limits("500m", "256Mi", "100m", "128Mi"),
                    securityContext={k: v for k, v in HARDENED.items() if k != "seccompProfile"},
                    volumeMounts=[
                        {"name": "tmp", "mountPath": "/tmp"},
                        {"name": "config", "mountPath": "/etc/nginx/conf.d", "readOnly": True},
                    ],
                )
            ],
            "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "config", "configMap": {"name": "frontend-config"}}],
        },
        replicas=3,
        labels={"app.kubernetes.io/part-of": "shop"},
        inject=True,
    )
    # The cart service: no securityContext, a mutable tag, the default service account and a
    # live payment key pasted into the manifest, which `kubectl apply` also copied into the
    # last-applied-configuration annotation.
    cart_container = container(
        "cart",
        "registry.example.com/shop/cart:latest",
        imagePullPolicy="Always",
        env=[
            {"name": "REDIS_ADDR", "value": "localhost:6379"},
            {"name": "STRIPE_API_KEY", "value": STRIPE_KEY},
            {"name": "LOG_LEVEL", "value": "debug"},
        ],
        ports=[{"containerPort": 3000, "name": "http", "protocol": "TCP"}],
    )
    cart_spec: Obj = {
        "containers": [cart_container, container("redis", "docker.io/library/redis:7", args=["--save", ""])]
    }
    last_applied = json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "cart", "namespace": ns},
            "spec": {"replicas": 2, "template": {"spec": cart_spec}},
        },
        separators=(",", ":"),
    )
    yield from deployment(
        ns,
        "cart",
        cart_spec,
        replicas=2,
        labels={"app.kubernetes.io/part-of": "shop"},
        annotations={"kubectl.kubernetes.io/last-applied-configuration": last_applied},
        inject=True,
    )
    for name, port in (("frontend", 8080), ("cart", 3000)):
        yield obj(
            "Service",
            name,
            ns,
            spec={
                "type": "ClusterIP",
                "selector": {"app.kubernetes.io/name": name},
                "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": port}],
            },
        )
    yield obj(
        "Ingress",
        "shop",
        ns,
        annotations={"nginx.ingress.kubernetes.io/proxy-body-size": "8m"},
        spec={
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "frontend", "port": {"number": 80}}},
                            },
                            {
                                "path": "/api/cart",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "cart", "port": {"number": 80}}},
                            },
                        ]
                    },
                }
            ],
        },
    )
    yield obj(
        "NetworkPolicy",
        "default-deny-ingress",
        ns,
        spec={"podSelector": {}, "policyTypes": ["Ingress"]},
    )
    yield obj(
        "NetworkPolicy",
        "allow-from-ingress-nginx",
        ns,
        spec={
            "podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "shop"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]}
            ],
        },
    )
    yield obj(
        "LimitRange",
        "defaults",
        ns,
        spec={
            "limits": [
                {
                    "type": "Container",
                    "default": {"cpu": "500m", "memory": "256Mi"},
                    "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                }
            ]
        },
    )
    yield obj(
        "ConfigMap",
        "frontend-config",
        ns,
        data={"default.conf": "server {\n  listen 8080;\n  location / { root /usr/share/nginx/html; }\n}\n"},
    )


def payments() -> Iterator[Obj]:
    ns = "payments"
    yield obj("ServiceAccount", "api", ns, automountServiceAccountToken=False)
    image = "registry.example.com/payments/api:2.14.1"
    yield from deployment(
        ns,
        "api",
        {
            "serviceAccountName": "api",
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 10001,
                "runAsGroup": 10001,
                "fsGroup": 10001,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                container(
                    "api",
                    f"{image}@{_digest(image)}",
                    env=[
                        {"name": "DB_HOST", "value": "postgres.data.svc.cluster.local"},
                        {"name": "DB_USER", "value": "payments"},
                        {
                            "name": "DB_PASSWORD",
                            "valueFrom": {"secretKeyRef": {"name": "payments-db", "key": "password"}},
                        },
                        {"name": "DB_PASSWORD_FILE", "value": "/var/run/secrets/payments/db-password"},
                    ],
                    envFrom=[{"configMapRef": {"name": "api-config"}}],
                    ports=[{"containerPort": 8443, "name": "https", "protocol": "TCP"}],
                    resources=limits("1", "512Mi", "250m", "512Mi"),
                    securityContext=dict(HARDENED),
                    volumeMounts=[
                        {"name": "tmp", "mountPath": "/tmp"},
                        {"name": "db-credentials", "mountPath": "/var/run/secrets/payments", "readOnly": True},
                    ],
                )
            ],
            "volumes": [
                {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                {"name": "db-credentials", "secret": {"secretName": "payments-db", "defaultMode": 256}},
            ],
        },
        replicas=2,
    )
    yield obj(
        "Service",
        "api",
        ns,
        spec={
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": "api"},
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443}],
        },
    )
    yield obj(
        "Ingress",
        "api",
        ns,
        spec={
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["pay.example.com"], "secretName": "pay-example-com-tls"}],
            "rules": [
                {
                    "host": "pay.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "api", "port": {"number": 443}}},
                            }
                        ]
                    },
                }
            ],
        },
    )
    yield obj("NetworkPolicy", "default-deny", ns, spec={"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
    yield obj(
        "NetworkPolicy",
        "api-ingress-from-ingress-nginx",
        ns,
        spec={
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "api"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
                    "ports": [{"port": 8443, "protocol": "TCP"}],
                }
            ],
        },
    )
    yield obj(
        "NetworkPolicy",
        "api-egress-dns-and-db",
        ns,
        spec={
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "api"}},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                    "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
                },
                {
                    "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "data"}}}],
                    "ports": [{"port": 5432, "protocol": "TCP"}],
                },
            ],
        },
    )
    yield obj(
        "ResourceQuota",
        "compute",
        ns,
        spec={"hard": {"requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi"}},
    )
    yield obj(
        "LimitRange",
        "defaults",
        ns,
        spec={
            "limits": [
                {
                    "type": "Container",
                    "default": {"cpu": "500m", "memory": "512Mi"},
                    "defaultRequest": {"cpu": "100m", "memory": "256Mi"},
                    "max": {"cpu": "2", "memory": "2Gi"},
                }
            ]
        },
    )
    yield obj("ConfigMap", "api-config", ns, data={"LOG_LEVEL": "info", "FEATURE_3DS2": "true", "PORT": "8443"})
    yield obj(
        "Role",
        "config-reader",
        ns,
        rules=[{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["api-config"], "verbs": ["get"]}],
    )
    yield obj(
        "RoleBinding",
        "api-config-reader",
        ns,
        roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "config-reader"},
        subjects=[{"kind": "ServiceAccount", "name": "api", "namespace": ns}],
    )
    # A mistake: the cart (running as web's default service account) may read payment secrets.
    yield obj(
        "Role",
        "secret-reader",
        ns,
        rules=[{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}],
    )
    yield obj(
        "RoleBinding",
        "cart-reads-payment-secrets",
        ns,
        roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "secret-reader"},
        subjects=[{"kind": "ServiceAccount", "name": "default", "namespace": "web"}],
    )


def data() -> Iterator[Obj]:
    ns = "data"
    yield from statefulset(
        ns,
        "postgres",
        {
            "securityContext": {"runAsUser": 0, "fsGroup": 999},
            "containers": [
                container(
                    "postgres",
                    "docker.io/library/postgres:16.4",
                    env=[
                        {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
                        {
                            "name": "POSTGRES_PASSWORD",
                            "valueFrom": {"configMapKeyRef": {"name": "postgres-config", "key": "POSTGRES_PASSWORD"}},
                        },
                    ],
                    envFrom=[{"configMapRef": {"name": "postgres-config"}}],
                    ports=[{"containerPort": 5432, "name": "postgres", "protocol": "TCP"}],
                    volumeMounts=[{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
                )
            ],
        },
    )
    yield obj(
        "Service",
        "postgres",
        ns,
        spec={
            "type": "ClusterIP",
            "clusterIP": "None",
            "selector": {"app.kubernetes.io/name": "postgres"},
            "ports": [{"name": "postgres", "port": 5432, "protocol": "TCP"}],
        },
    )
    yield obj(
        "Service",
        "postgres-external",
        ns,
        annotations={"description": "temporary access for the reporting team"},
        spec={
            "type": "NodePort",
            "selector": {"app.kubernetes.io/name": "postgres"},
            "ports": [{"name": "postgres", "port": 5432, "nodePort": 30432, "protocol": "TCP"}],
        },
    )
    yield obj(
        "ConfigMap",
        "postgres-config",
        ns,
        data={"POSTGRES_USER": "shop", "POSTGRES_DB": "shop", "POSTGRES_PASSWORD": PG_PASSWORD},
    )
    # A cache still run by the ReplicationController of the original install (the kind before
    # ReplicaSets, still served); hardened since, so it is audited like any controller.
    yield obj("ServiceAccount", "memcached", ns, automountServiceAccountToken=False)
    memcached_image = "docker.io/library/memcached:1.6.29-alpine"
    yield from replication_controller(
        ns,
        "memcached",
        {
            "serviceAccountName": "memcached",
            "automountServiceAccountToken": False,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 11211, "runAsGroup": 11211},
            "containers": [
                container(
                    "memcached",
                    f"{memcached_image}@{_digest(memcached_image)}",
                    args=["-m", "64"],
                    ports=[{"containerPort": 11211, "name": "memcached", "protocol": "TCP"}],
                    resources=limits("250m", "96Mi", "50m", "96Mi"),
                    securityContext=HARDENED,
                )
            ],
        },
        replicas=2,
    )
    # A binding to a ClusterRole nobody created (left over from a removed backup operator).
    yield obj(
        "RoleBinding",
        "backup-operator",
        ns,
        roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "backup-operator"},
        subjects=[{"kind": "ServiceAccount", "name": "default", "namespace": ns}],
    )


def ci() -> Iterator[Obj]:
    ns = "ci"
    yield obj("ServiceAccount", "deployer", ns, secrets=[{"name": "deployer-token"}])
    # A legacy long-lived token Secret: the parsers drop Secrets, so it never reaches the snapshot.
    yield {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/service-account-token",
        "metadata": meta(
            "Secret", "deployer-token", ns, annotations={"kubernetes.io/service-account.name": "deployer"}
        ),
        "stringData": {"token": SA_TOKEN},
    }
    yield from deployment(
        ns,
        "build-runner",
        {
            "serviceAccountName": "deployer",
            "containers": [
                container(
                    "runner",
                    "docker.io/gitlab/gitlab-runner:v18.3.0",
                    args=["run", "--user=gitlab-runner", "--working-directory=/home/gitlab-runner"],
                    resources={"requests": {"cpu": "500m", "memory": "1Gi"}},
                    volumeMounts=[
                        {"name": "containerd-sock", "mountPath": "/run/containerd/containerd.sock"},
                        {"name": "config", "mountPath": "/etc/gitlab-runner"},
                    ],
                )
            ],
            "volumes": [
                host_path("containerd-sock", "/run/containerd/containerd.sock", "Socket"),
                {"name": "config", "configMap": {"name": "pipeline-settings"}},
            ],
        },
    )
    yield from cronjob(
        ns,
        "nightly-cleanup",
        "0 3 * * *",
        {
            "restartPolicy": "OnFailure",
            "containers": [
                container(
                    "kubectl",
                    "docker.io/bitnami/kubectl:latest",
                    command=[
                        "/bin/sh",
                        "-c",
                        "kubectl delete pods -A --field-selector=status.phase==Failed "
                        f"--server=https://{CLUSTER}-control-plane:6443 --token={JWT}",
                    ],
                    env=[
                        {"name": "AWS_ACCESS_KEY_ID", "value": AWS_KEY_ID},
                        {"name": "AWS_REGION", "value": "eu-west-1"},
                    ],
                )
            ],
        },
        run=29395260,
    )
    yield obj(
        "ConfigMap",
        "pipeline-settings",
        ns,
        data={
            "REGISTRY_URL": f"https://ci:{REGISTRY_PASS}@registry.example.com",
            "config.toml": 'concurrent = 4\n[[runners]]\n  executor = "kubernetes"\n',
        },
    )
    yield obj(
        "RoleBinding",
        "default-edit",
        ns,
        roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        subjects=[{"kind": "ServiceAccount", "name": "default", "namespace": ns}],
    )


def default_namespace() -> Iterator[Obj]:
    yield obj(
        "Service",
        "kubernetes",
        "default",
        labels={"component": "apiserver", "provider": "kubernetes"},
        spec={
            "type": "ClusterIP",
            "clusterIP": "10.96.0.1",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP"}],
        },
    )
    # A debug pod someone started with `kubectl run` six weeks ago and forgot.
    yield _pod_from_template(
        "netshoot",
        "default",
        template(
            {"run": "netshoot"},
            {
                "containers": [
                    container(
                        "netshoot",
                        "docker.io/nicolaka/netshoot",
                        imagePullPolicy="Always",
                        command=["sleep", "infinity"],
                        securityContext={"capabilities": {"add": ["NET_ADMIN", "NET_RAW", "SYS_PTRACE"]}},
                    )
                ],
                "hostPID": True,
            },
        ),
        None,
        WORKERS[0],
    )


# --- RBAC --------------------------------------------------------------------------------------

RBAC_GROUP = "rbac.authorization.k8s.io"
DEFAULTS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
AUTOUPDATE = {"rbac.authorization.kubernetes.io/autoupdate": "true"}


def rule(groups: list[str], resources: list[str], verbs: list[str], names: list[str] | None = None) -> Obj:
    data: Obj = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        data["resourceNames"] = names
    return data


def subject(kind: str, name: str, namespace: str | None = None) -> Obj:
    if kind == "ServiceAccount":
        return {"kind": kind, "name": name, "namespace": namespace}
    return {"apiGroup": RBAC_GROUP, "kind": kind, "name": name}


def cluster_role(name: str, rules: list[Obj], *, default: bool = False, **fields: Any) -> Obj:
    if default:
        fields.setdefault("labels", DEFAULTS)
        fields.setdefault("annotations", AUTOUPDATE)
    return obj("ClusterRole", name, rules=rules, **fields)


def cluster_binding(name: str, role: str, subjects: list[Obj], *, default: bool = False) -> Obj:
    extra: Obj = {"labels": DEFAULTS, "annotations": AUTOUPDATE} if default else {}
    return obj(
        "ClusterRoleBinding",
        name,
        roleRef={"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        subjects=subjects,
        **extra,
    )


READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]


def rbac() -> Iterator[Obj]:
    # Upstream and kubeadm defaults (a subset of the ~70 roles a real cluster has).
    yield cluster_role(
        "cluster-admin",
        [rule(["*"], ["*"], ["*"]), {"nonResourceURLs": ["*"], "verbs": ["*"]}],
        default=True,
    )
    aggregated_rules = {
        "admin": [
            rule([""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], [*READ, *WRITE]),
            rule([""], ["secrets", "configmaps", "services", "serviceaccounts"], [*READ, *WRITE]),
            rule(["apps"], ["deployments", "statefulsets", "daemonsets", "replicasets"], [*READ, *WRITE]),
            rule([RBAC_GROUP], ["roles", "rolebindings"], [*READ, *WRITE]),
            rule([""], ["serviceaccounts/token"], ["create"]),
        ],
        "edit": [
            rule([""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], [*READ, *WRITE]),
            rule([""], ["secrets", "configmaps", "services", "serviceaccounts"], [*READ, *WRITE]),
            rule(["apps"], ["deployments", "statefulsets", "daemonsets", "replicasets"], [*READ, *WRITE]),
            rule(["batch"], ["jobs", "cronjobs"], [*READ, *WRITE]),
            rule([""], ["serviceaccounts/token"], ["create"]),
        ],
        "view": [
            rule([""], ["pods", "services", "configmaps", "endpoints", "serviceaccounts"], READ),
            rule(["apps"], ["deployments", "statefulsets", "daemonsets", "replicasets"], READ),
            rule(["batch"], ["jobs", "cronjobs"], READ),
        ],
    }
    for name, rules in aggregated_rules.items():
        yield cluster_role(
            name,
            rules,
            default=True,
            aggregationRule={
                "clusterRoleSelectors": [{"matchLabels": {f"rbac.authorization.k8s.io/aggregate-to-{name}": "true"}}]
            },
        )
    yield cluster_role(
        "system:public-info-viewer",
        [{"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]}],
        default=True,
    )
    yield cluster_role(
        "system:discovery",
        [
            {
                "nonResourceURLs": [
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                    "/openapi",
                    "/openapi/*",
                    "/version",
                    "/version/",
                ],
                "verbs": ["get"],
            }
        ],
        default=True,
    )
    yield cluster_role(
        "system:basic-user",
        [rule(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"])],
        default=True,
    )
    yield cluster_role(
        "system:node",
        [
            rule([""], ["pods"], READ),
            rule([""], ["nodes", "nodes/status"], ["create", "get", "list", "watch", "patch", "update"]),
            rule([""], ["secrets", "configmaps"], ["get", "list", "watch"]),
            rule([""], ["serviceaccounts/token"], ["create"]),
        ],
        default=True,
    )
    yield cluster_role(
        "system:node-proxier",
        [rule([""], ["endpoints", "services", "nodes"], ["list", "watch", "get"])],
        default=True,
    )
    yield cluster_role(
        "system:node-bootstrapper",
        [rule(["certificates.k8s.io"], ["certificatesigningrequests"], ["create", "get", "list", "watch"])],
        default=True,
    )
    yield cluster_role(
        "system:kube-controller-manager",
        [rule(["", "coordination.k8s.io"], ["secrets", "serviceaccounts", "leases"], ["create", "get", "update"])],
        default=True,
    )
    yield cluster_role(
        "system:kube-scheduler",
        [rule([""], ["pods", "nodes", "bindings", "pods/binding"], [*READ, "create"])],
        default=True,
    )
    yield cluster_role(
        "system:coredns",
        [
            rule([""], ["endpoints", "services", "pods", "namespaces"], ["list", "watch"]),
            rule(["discovery.k8s.io"], ["endpointslices"], ["list", "watch"]),
        ],
    )
    yield cluster_role("kubeadm:get-nodes", [rule([""], ["nodes"], ["get"])])
    yield cluster_role(
        "kindnet",
        [
            rule([""], ["nodes"], ["list", "watch", "patch"]),
            rule([""], ["configmaps"], ["get"]),
            rule([""], ["namespaces", "pods"], ["list", "watch"]),
            rule(["networking.k8s.io"], ["networkpolicies"], ["list", "watch"]),
        ],
    )
    yield cluster_role(
        "ingress-nginx",
        [
            rule([""], ["configmaps", "endpoints", "nodes", "pods", "secrets", "namespaces"], ["list", "watch"]),
            rule(["networking.k8s.io"], ["ingresses", "ingressclasses"], READ),
            rule(["discovery.k8s.io"], ["endpointslices"], READ),
        ],
    )
    yield cluster_role(
        "istiod",
        [
            rule(
                ["admissionregistration.k8s.io"],
                ["mutatingwebhookconfigurations"],
                ["get", "list", "watch", "update", "patch"],
            ),
            rule(
                ["", "discovery.k8s.io"],
                ["pods", "nodes", "services", "namespaces", "endpoints", "endpointslices"],
                READ,
            ),
            rule(
                ["certificates.k8s.io"],
                ["certificatesigningrequests", "certificatesigningrequests/approval"],
                [*READ, "update", "create"],
            ),
        ],
    )
    yield cluster_role("istio-cni", [rule([""], ["pods", "nodes", "namespaces"], READ)])
    defaults_bindings = [
        ("cluster-admin", "cluster-admin", [subject("Group", "system:masters")]),
        (
            "system:public-info-viewer",
            "system:public-info-viewer",
            [subject("Group", "system:authenticated"), subject("Group", "system:unauthenticated")],
        ),
        ("system:discovery", "system:discovery", [subject("Group", "system:authenticated")]),
        ("system:basic-user", "system:basic-user", [subject("Group", "system:authenticated")]),
        (
            "system:kube-controller-manager",
            "system:kube-controller-manager",
            [subject("User", "system:kube-controller-manager")],
        ),
        ("system:kube-scheduler", "system:kube-scheduler", [subject("User", "system:kube-scheduler")]),
    ]
    for name, role, subjects in defaults_bindings:
        yield cluster_binding(name, role, subjects, default=True)
    kubeadm_bindings = [
        ("kubeadm:cluster-admins", "cluster-admin", [subject("Group", "kubeadm:cluster-admins")]),
        (
            "kubeadm:get-nodes",
            "kubeadm:get-nodes",
            [subject("Group", "system:bootstrappers:kubeadm:default-node-token")],
        ),
        (
            "kubeadm:kubelet-bootstrap",
            "system:node-bootstrapper",
            [subject("Group", "system:bootstrappers:kubeadm:default-node-token")],
        ),
        ("kubeadm:node-proxier", "system:node-proxier", [subject("ServiceAccount", "kube-proxy", "kube-system")]),
        ("system:coredns", "system:coredns", [subject("ServiceAccount", "coredns", "kube-system")]),
        ("kindnet", "kindnet", [subject("ServiceAccount", "kindnet", "kube-system")]),
        ("ingress-nginx", "ingress-nginx", [subject("ServiceAccount", "ingress-nginx", "ingress-nginx")]),
        ("istiod-clusterrole-istio-system", "istiod", [subject("ServiceAccount", "istiod", "istio-system")]),
        ("istio-cni", "istio-cni", [subject("ServiceAccount", "istio-cni", "istio-system")]),
    ]
    for name, role, subjects in kubeadm_bindings:
        yield cluster_binding(name, role, subjects)
    # kubeadm's own: anonymous users may read the cluster-info ConfigMap in kube-public.
    yield obj(
        "Role",
        "kubeadm:bootstrap-signer-clusterinfo",
        "kube-public",
        rules=[rule([""], ["configmaps"], ["get"], ["cluster-info"])],
    )
    yield obj(
        "RoleBinding",
        "kubeadm:bootstrap-signer-clusterinfo",
        "kube-public",
        roleRef={"apiGroup": RBAC_GROUP, "kind": "Role", "name": "kubeadm:bootstrap-signer-clusterinfo"},
        subjects=[subject("User", "system:anonymous")],
    )
    yield obj(
        "Role",
        "kube-proxy",
        "kube-system",
        rules=[rule([""], ["configmaps"], ["get"], ["kube-proxy"])],
    )
    yield obj(
        "RoleBinding",
        "kube-proxy",
        "kube-system",
        roleRef={"apiGroup": RBAC_GROUP, "kind": "Role", "name": "kube-proxy"},
        subjects=[subject("Group", "system:bootstrappers:kubeadm:default-node-token")],
    )

    # The mistakes.
    yield cluster_binding("dev-cluster-admin", "cluster-admin", [subject("User", "dev@example.com")])
    yield cluster_binding("ci-deployer", "cluster-admin", [subject("ServiceAccount", "deployer", "ci")])
    yield cluster_role(
        "metrics-scraper",
        [
            rule([""], ["nodes", "nodes/metrics", "pods", "services", "endpoints"], READ),
            {"nonResourceURLs": ["/metrics"], "verbs": ["get"]},
        ],
    )
    yield cluster_binding("anonymous-metrics", "metrics-scraper", [subject("User", "system:anonymous")])
    yield cluster_role("ops-superuser", [rule(["*"], ["*"], ["*"])])
    yield cluster_binding("ops-superuser", "ops-superuser", [subject("Group", "ops-team")])
    yield cluster_role(
        "fluent-bit",
        [rule([""], ["pods", "namespaces"], READ), rule([""], ["secrets"], READ)],
    )
    yield cluster_binding("fluent-bit", "fluent-bit", [subject("ServiceAccount", "fluent-bit", "logging")])
    yield cluster_role(
        "support-debug",
        [
            rule([""], ["pods", "pods/log"], READ),
            rule([""], ["pods/exec", "pods/attach", "pods/portforward"], ["create", "get"]),
        ],
    )
    yield cluster_binding("support-debug", "support-debug", [subject("Group", "support")])
    yield cluster_role(
        "rbac-manager",
        [
            rule(
                [RBAC_GROUP],
                ["clusterroles", "clusterrolebindings", "roles", "rolebindings"],
                [*READ, *WRITE, "bind", "escalate"],
            ),
            rule([""], ["users", "groups", "serviceaccounts"], ["impersonate"]),
        ],
    )
    yield cluster_binding("platform-rbac-manager", "rbac-manager", [subject("Group", "platform-team")])
    yield obj("Role", "web-developer", "web", rules=[rule(["", "apps"], ["*"], ["*"])])
    yield obj(
        "RoleBinding",
        "web-developers",
        "web",
        roleRef={"apiGroup": RBAC_GROUP, "kind": "Role", "name": "web-developer"},
        subjects=[subject("Group", "web-devs")],
    )


# --- assembling --------------------------------------------------------------------------------


def raw_objects() -> list[Obj]:
    """Every object as the API server returns it, secret values and all."""
    parts = (
        namespaces(),
        nodes(),
        control_plane(),
        kube_system(),
        ingress_nginx(),
        istio(),
        admission_policies(),
        logging(),
        web(),
        payments(),
        data(),
        ci(),
        default_namespace(),
        rbac(),
    )
    return [item for part in parts for item in part]


def build_inventory() -> Inventory:
    """The Inventory `k8saudit collect` would have built: parsed by the real slim models."""
    objects: list[K8sObject] = []
    for i, doc in enumerate(raw_objects()):
        objects.extend(o for o in _objects(doc, f"demo item {i}", None) if isinstance(o, K8sObject))
    node_objs = [d for d in raw_objects() if d["kind"] == "Node"]
    platform = detect_platform(
        K8S_VERSION,
        [n["metadata"].get("labels", {}) for n in node_objs],
        [n["spec"].get("providerID", "") for n in node_objs],
    )
    counts = {info.kind: sum(1 for o in objects if o.kind == info.kind) for info in KINDS}
    major, minor = K8S_VERSION.lstrip("v").split(".")[:2]
    facts = ClusterFactsSpec(
        source="live",
        context=f"kind-{CLUSTER}",
        server=SERVER,
        collectedAt=COLLECTED_AT,
        tool="k8saudit (demo generator)",
        version=ServerVersion(gitVersion=K8S_VERSION, major=major, minor=minor, platform="linux/amd64"),
        platform=platform,
        kinds={kind: Availability(status="ok", count=n) for kind, n in counts.items()},
        # What kubeadm's defaults answer: /version is public (system:public-info-viewer),
        # /api is refused to anonymous users, which means anonymous auth is on.
        anonymousProbe=AnonymousProbe(versionStatus=200, apiStatus=403),
        # RBAC and Node refuse a user nobody has; the collector asked with one SubjectAccessReview.
        authorizerProbe=AuthorizerProbe(user="nobody-5d0c1e9a7b21@k8saudit.invalid", allowed=False, httpStatus=201),
        # kind publishes the API server on the host's loopback; kubeadm certificates last a year.
        apiEndpoint=ApiEndpoint(
            server=SERVER,
            host="127.0.0.1",
            port=38291,
            addresses=["127.0.0.1"],
            certNotAfter="2027-09-02T08:09:11+00:00",
            verified=True,
            verifiedAgainst="the kubeconfig's certificate-authority",
        ),
        kubeletCollected=False,
        namespaces=sorted(NAMESPACES),
    )
    return Inventory(objects, facts)


def render() -> str:
    """The committed text of cluster.json (indented so a regeneration diffs readably)."""
    return json.dumps(snapshot_document(build_inventory()), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path: Path = snapshot_path()
    text = render()
    if "--check" in args:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is stale: run `python -m tools.build_demo`", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
