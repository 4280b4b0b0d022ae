"""Synthetic clusters for the scan benchmark: deterministic, API-shaped, realistic in size.

`generate(pods, seed)` returns what a real API server would answer to a cluster-wide LIST of
every kind k8saudit reads: items without `kind`/`apiVersion`, with the fields the API server
defaults and fills (managedFields, status, tolerations, the projected service-account token
volume, ...). A pod is about 8 KB of JSON, as on a busy production cluster.

Proportions (P = pods): ~P/30 worker nodes plus 3 control-plane nodes running kubeadm static
pods; 12 + P/75 team namespaces besides the system ones; four DaemonSets on every node;
Deployments (each with its current and older ReplicaSets), StatefulSets, CronJobs with their
Jobs, standalone Jobs and a few bare pods; per namespace ServiceAccounts, Roles, RoleBindings,
NetworkPolicies (most namespaces have a default deny), ConfigMaps, Services, quotas; cluster
RBAC with the bootstrap ClusterRoles, aggregated admin/edit/view and operator roles. Security
settings vary per workload (restricted, partly hardened, legacy root, privileged), some env
values and ConfigMap keys look like credentials, so the checks find what they find on real
clusters.

The same (pods, seed) always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]

SIZES: dict[str, int] = {"S": 1_000, "M": 5_000, "L": 20_000}

BASE_TIME = dt.datetime(2026, 9, 1, 8, 0, 0, tzinfo=dt.UTC)
K8S_VERSION = "v1.33.4"
CONTROL_PLANE_NODES = ("cp-1", "cp-2", "cp-3")

#: (kind, apiVersion, list path) of every list the generator fills.
LISTS: tuple[tuple[str, str, str], ...] = (
    ("Namespace", "v1", "/api/v1/namespaces"),
    ("Node", "v1", "/api/v1/nodes"),
    ("Pod", "v1", "/api/v1/pods"),
    ("ServiceAccount", "v1", "/api/v1/serviceaccounts"),
    ("Service", "v1", "/api/v1/services"),
    ("ConfigMap", "v1", "/api/v1/configmaps"),
    ("ResourceQuota", "v1", "/api/v1/resourcequotas"),
    ("LimitRange", "v1", "/api/v1/limitranges"),
    ("Deployment", "apps/v1", "/apis/apps/v1/deployments"),
    ("ReplicaSet", "apps/v1", "/apis/apps/v1/replicasets"),
    ("StatefulSet", "apps/v1", "/apis/apps/v1/statefulsets"),
    ("DaemonSet", "apps/v1", "/apis/apps/v1/daemonsets"),
    ("Job", "batch/v1", "/apis/batch/v1/jobs"),
    ("CronJob", "batch/v1", "/apis/batch/v1/cronjobs"),
    ("Role", "rbac.authorization.k8s.io/v1", "/apis/rbac.authorization.k8s.io/v1/roles"),
    ("ClusterRole", "rbac.authorization.k8s.io/v1", "/apis/rbac.authorization.k8s.io/v1/clusterroles"),
    ("RoleBinding", "rbac.authorization.k8s.io/v1", "/apis/rbac.authorization.k8s.io/v1/rolebindings"),
    (
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io/v1",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    ),
    ("NetworkPolicy", "networking.k8s.io/v1", "/apis/networking.k8s.io/v1/networkpolicies"),
    ("Ingress", "networking.k8s.io/v1", "/apis/networking.k8s.io/v1/ingresses"),
    (
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/v1",
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
    ),
    (
        "MutatingWebhookConfiguration",
        "admissionregistration.k8s.io/v1",
        "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
    ),
)

VERSION_INFO = {
    "major": "1",
    "minor": "33",
    "gitVersion": K8S_VERSION,
    "gitCommit": "0f6d3a4bd2a2c1b5a0e93d8e33e8fd5a5a1b6d42",
    "gitTreeState": "clean",
    "buildDate": "2026-08-12T10:11:12Z",
    "goVersion": "go1.24.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_TEAMS = ("payments", "search", "checkout", "identity", "ml", "data", "growth", "infra", "media", "ads", "risk")
_APPS = (
    "api",
    "web",
    "worker",
    "gateway",
    "indexer",
    "scheduler",
    "consumer",
    "frontend",
    "backend",
    "cache-warmer",
    "exporter",
    "notifier",
    "auth",
    "billing",
    "reports",
    "events",
)
_REGISTRIES = ("registry.example.com/", "ghcr.io/acme/", "docker.io/library/", "quay.io/acme/", "")
_SIDECARS = (
    ("envoy", "envoyproxy/envoy:v1.31.2", [15001, 15090]),
    ("fluent-bit", "fluent/fluent-bit:3.1.9", [2020]),
    ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.7.1", [4180]),
    ("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.13.0", [9801]),
)
_SECRET_VALUES = (
    ("DB_PASSWORD", "s3cr3t-Pa55w0rd-{n}"),
    ("AWS_ACCESS_KEY_ID", "AKIA{n:016d}"),
    ("API_TOKEN", "tok-{n}-6d1f0c2a9b"),
    ("DATABASE_URL", "postgres://app:hunter{n}@db.internal:5432/app"),
    ("SLACK_WEBHOOK", "xoxb-{n}-1234567890-abcdefghij"),
)


class _Ids:
    """Deterministic uids, IPs and hashes from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ip = 0

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hash(self, n: int = 10) -> str:
        alphabet = "bcdfghjklmnpqrstvwxz2456789"
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def pod_ip(self) -> str:
        self.ip += 1
        return f"10.{244 + (self.ip >> 16) % 8}.{(self.ip >> 8) & 255}.{self.ip & 255}"

    def digest(self) -> str:
        return f"sha256:{self.rng.getrandbits(256):064x}"


def _ts(minutes: int) -> str:
    return (BASE_TIME + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Cluster:
    """Items of every list, keyed by list path, plus the kinds they are."""

    pods: int
    seed: int
    lists: dict[str, list[Obj]] = field(default_factory=dict)
    kinds: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (kind, apiVersion)
    version: dict[str, str] = field(default_factory=lambda: dict(VERSION_INFO))

    def add(self, kind: str, obj: Obj) -> None:
        self.lists[_PATH_OF[kind]].append(obj)

    def count(self, kind: str) -> int:
        return len(self.lists[_PATH_OF[kind]])

    def items(self) -> Iterator[tuple[str, str, list[Obj]]]:
        for kind, _api_version, path in LISTS:
            yield kind, path, self.lists[path]


_PATH_OF = {kind: path for kind, _v, path in LISTS}


class _Builder:
    def __init__(self, pods: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ids = _Ids(self.rng)
        self.cluster = Cluster(pods, seed)
        for kind, api_version, path in LISTS:
            self.cluster.lists[path] = []
            self.cluster.kinds[path] = (kind, api_version)
        self.rv = 100_000
        self.minute = 0

    # --- small pieces -------------------------------------------------------------------

    def meta(self, name: str, namespace: str | None = None, **extra: Any) -> Obj:
        self.rv += self.rng.randint(1, 40)
        self.minute += 1
        data: Obj = {"name": name}
        if namespace is not None:
            data["namespace"] = namespace
        data["uid"] = self.ids.uid()
        data["resourceVersion"] = str(self.rv)
        data["creationTimestamp"] = _ts(self.minute % 100_000)
        data.update(extra)
        return data

    @staticmethod
    def owner(kind: str, name: str, uid: str, api_version: str = "apps/v1") -> list[Obj]:
        return [
            {
                "apiVersion": api_version,
                "kind": kind,
                "name": name,
                "uid": uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]

    @staticmethod
    def managed(manager: str, operation: str, fields: Obj, subresource: str | None = None) -> Obj:
        entry: Obj = {
            "manager": manager,
            "operation": operation,
            "apiVersion": "v1",
            "time": _ts(5),
            "fieldsType": "FieldsV1",
            "fieldsV1": fields,
        }
        if subresource:
            entry["subresource"] = subresource
        return entry

    # --- pod templates ------------------------------------------------------------------

    def security(self, profile: str) -> tuple[Obj | None, Obj | None]:
        """(pod securityContext, container securityContext) for a hardening profile."""
        if profile == "restricted":
            return (
                {
                    "runAsNonRoot": True,
                    "runAsUser": 10001,
                    "fsGroup": 10001,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
            )
        if profile == "partial":
            return ({"runAsNonRoot": True}, {"allowPrivilegeEscalation": False})
        if profile == "privileged":
            return (None, {"privileged": True, "capabilities": {"add": ["NET_ADMIN", "SYS_ADMIN"]}})
        return None, None

    def container(
        self, name: str, image: str, ports: list[int], env: list[Obj], sc: Obj | None, mounts: list[Obj]
    ) -> Obj:
        c: Obj = {
            "name": name,
            "image": image,
            "ports": [{"name": f"p{p}", "containerPort": p, "protocol": "TCP"} for p in ports],
            "env": env,
            "resources": {
                "limits": {"cpu": "1", "memory": "512Mi"},
                "requests": {"cpu": "100m", "memory": "128Mi"},
            },
            "volumeMounts": mounts,
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "imagePullPolicy": "IfNotPresent",
        }
        if ports:
            port = ports[0]
            c["livenessProbe"] = {
                "httpGet": {"path": "/healthz", "port": port, "scheme": "HTTP"},
                "initialDelaySeconds": 10,
                "timeoutSeconds": 2,
                "periodSeconds": 10,
                "successThreshold": 1,
                "failureThreshold": 3,
            }
            c["readinessProbe"] = {
                "httpGet": {"path": "/ready", "port": port, "scheme": "HTTP"},
                "timeoutSeconds": 1,
                "periodSeconds": 5,
                "successThreshold": 1,
                "failureThreshold": 3,
            }
        if sc is not None:
            c["securityContext"] = sc
        return c

    def env(self, app: str, team: str, n: int) -> list[Obj]:
        rng = self.rng
        env: list[Obj] = [
            {"name": "APP_NAME", "value": app},
            {"name": "TEAM", "value": team},
            {"name": "LOG_LEVEL", "value": rng.choice(("info", "debug", "warn"))},
            {"name": "HTTP_PORT", "value": "8080"},
            {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel-collector.monitoring:4317"},
            {"name": "FEATURE_FLAGS", "value": "checkout-v2,search-rerank,new-pricing"},
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {
                "name": "POD_NAMESPACE",
                "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}},
            },
            {
                "name": "GOMEMLIMIT",
                "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1"}},
            },
            {"name": "DB_HOST", "value": f"{team}-db.{team}.svc.cluster.local"},
            {
                "name": "DB_USER_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": f"{app}-db", "key": "password"}},
            },
            {"name": "CACHE_URL", "value": "redis://redis.cache:6379/0"},
        ]
        if rng.random() < 0.15:  # a literal credential, as seen in the wild
            name, value = rng.choice(_SECRET_VALUES)
            env.append({"name": name, "value": value.format(n=rng.randint(1, 10**9))})
        return env[:n]

    def pod_template(self, namespace: str, app: str, team: str, profile: str) -> tuple[Obj, Obj]:
        """(labels, pod spec) as a controller's template holds it, API defaults filled in."""
        rng = self.rng
        labels = {
            "app.kubernetes.io/name": app,
            "app.kubernetes.io/part-of": team,
            "app.kubernetes.io/version": f"1.{rng.randint(0, 40)}.{rng.randint(0, 9)}",
            "team": team,
        }
        pod_sc, c_sc = self.security(profile)
        registry = rng.choice(_REGISTRIES)
        tag = rng.choice(("", ":latest", f":1.{rng.randint(0, 30)}.{rng.randint(0, 9)}", f"@{self.ids.digest()}"))
        if tag == "":
            tag = ":v2"
        mounts = [
            {"name": "config", "mountPath": "/etc/app", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True},
        ]
        containers = [
            self.container(
                app, f"{registry}{team}/{app}{tag}", [8080, 9090], self.env(app, team, rng.randint(9, 12)), c_sc, mounts
            )
        ]
        if rng.random() < 0.7:
            name, image, ports = rng.choice(_SIDECARS)
            containers.append(
                self.container(
                    name, image, ports, self.env(name, team, 4), c_sc if rng.random() < 0.5 else None, mounts[1:]
                )
            )
        init: list[Obj] = []
        if rng.random() < 0.3:
            init.append(
                self.container("migrate", f"{registry}{team}/{app}-migrate{tag}", [], self.env(app, team, 5), c_sc, [])
            )
        volumes: list[Obj] = [
            {"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
            {
                "name": "kube-api-access",
                "projected": {
                    "sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                        {
                            "downwardAPI": {
                                "items": [
                                    {
                                        "path": "namespace",
                                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                    }
                                ]
                            }
                        },
                    ],
                    "defaultMode": 420,
                },
            },
        ]
        if rng.random() < 0.2:
            volumes.append({"name": "tls", "secret": {"secretName": f"{app}-tls", "defaultMode": 420}})
        spec: Obj = {
            "volumes": volumes,
            "containers": containers,
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": app if rng.random() < 0.7 else "default",
            "securityContext": pod_sc or {},
            "schedulerName": "default-scheduler",
            "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority",
            "priority": 0,
        }
        spec["serviceAccount"] = spec["serviceAccountName"]
        if init:
            spec["initContainers"] = init
        if profile == "privileged":
            spec["hostNetwork"] = rng.random() < 0.5
            spec["volumes"].append({"name": "host", "hostPath": {"path": "/var/run/containerd", "type": ""}})
        if rng.random() < 0.2:
            spec["affinity"] = {
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "weight": 100,
                            "podAffinityTerm": {
                                "labelSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
                                "topologyKey": "kubernetes.io/hostname",
                            },
                        }
                    ]
                }
            }
        return labels, spec

    def pod(
        self,
        name: str,
        namespace: str,
        labels: Obj,
        spec: Obj,
        owner_refs: list[Obj] | None,
        node: str,
        *,
        phase: str = "Running",
        annotations: Obj | None = None,
    ) -> Obj:
        """A pod as the API server returns it: defaults, managedFields and kubelet status."""
        meta = self.meta(name, namespace, labels=labels)
        meta["annotations"] = annotations or {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": "9090",
            "kubectl.kubernetes.io/restartedAt": "2026-08-30T11:12:13Z",
            "checksum/config": f"{self.rng.getrandbits(256):064x}",
        }
        if owner_refs:
            meta["ownerReferences"] = owner_refs
            meta["generateName"] = name.rsplit("-", 1)[0] + "-"
        cnames = [c["name"] for c in spec["containers"]]
        meta["managedFields"] = [
            self.managed(
                "kube-controller-manager",
                "Update",
                {
                    "f:metadata": {
                        "f:generateName": {},
                        "f:labels": {f"f:{k}": {} for k in labels},
                        "f:ownerReferences": {"k:{}": {".": {}, "f:apiVersion": {}, "f:kind": {}, "f:name": {}}},
                    },
                    "f:spec": {
                        "f:containers": {
                            f'k:{{"name":"{c}"}}': {
                                ".": {},
                                "f:env": {},
                                "f:image": {},
                                "f:imagePullPolicy": {},
                                "f:livenessProbe": {},
                                "f:name": {},
                                "f:ports": {},
                                "f:readinessProbe": {},
                                "f:resources": {"f:limits": {}, "f:requests": {}},
                                "f:securityContext": {},
                                "f:terminationMessagePath": {},
                                "f:volumeMounts": {},
                            }
                            for c in cnames
                        },
                        "f:dnsPolicy": {},
                        "f:enableServiceLinks": {},
                        "f:restartPolicy": {},
                        "f:schedulerName": {},
                        "f:securityContext": {},
                        "f:serviceAccount": {},
                        "f:serviceAccountName": {},
                        "f:terminationGracePeriodSeconds": {},
                        "f:volumes": {},
                    },
                },
            ),
            self.managed(
                "kubelet",
                "Update",
                {
                    "f:status": {
                        "f:conditions": {
                            f'k:{{"type":"{t}"}}': {".": {}, "f:lastProbeTime": {}, "f:status": {}, "f:type": {}}
                            for t in ("ContainersReady", "Initialized", "PodReadyToStartContainers", "Ready")
                        },
                        "f:containerStatuses": {},
                        "f:hostIP": {},
                        "f:phase": {},
                        "f:podIP": {},
                        "f:podIPs": {".": {}, 'k:{"ip":"10.244.0.0"}': {".": {}, "f:ip": {}}},
                        "f:startTime": {},
                    }
                },
                subresource="status",
            ),
        ]
        full_spec = {
            **spec,
            "nodeName": node,
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
                {
                    "key": "node.kubernetes.io/unreachable",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
            ],
        }
        ip = self.ids.pod_ip()
        started = _ts(self.minute % 100_000)
        running = phase == "Running"
        statuses = [
            {
                "name": c["name"],
                "state": {"running": {"startedAt": started}}
                if running
                else {
                    "terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started, "finishedAt": started}
                },
                "lastState": {},
                "ready": running,
                "restartCount": self.rng.choice((0, 0, 0, 1, 2)),
                "image": c["image"],
                "imageID": f"{c['image'].split(':')[0].split('@')[0]}@{self.ids.digest()}",
                "containerID": f"containerd://{self.rng.getrandbits(256):064x}",
                "started": running,
            }
            for c in spec["containers"]
        ]
        status: Obj = {
            "phase": phase,
            "conditions": [
                {
                    "type": t,
                    "status": "True" if running or t == "Initialized" else "False",
                    "lastProbeTime": None,
                    "lastTransitionTime": started,
                }
                for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "hostIP": "172.20.0.10",
            "hostIPs": [{"ip": "172.20.0.10"}],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": started,
            "containerStatuses": statuses,
            "qosClass": "Burstable",
        }
        return {"metadata": meta, "spec": full_spec, "status": status}


def _assign(builder: _Builder, nodes: list[str], i: int) -> str:
    return nodes[(i * 7919 + builder.rng.randint(0, 3)) % len(nodes)]


def generate(pods: int, seed: int = 1) -> Cluster:
    """A cluster with about `pods` pods (exactly, unless `pods` is tiny) and everything around them."""
    b = _Builder(pods, seed)
    c = b.cluster
    rng = b.rng
    workers = [f"worker-{i:04d}" for i in range(max(2, pods // 30))]
    all_nodes = [*CONTROL_PLANE_NODES, *workers]
    user_namespaces = [f"{_TEAMS[i % len(_TEAMS)]}-{i:03d}" for i in range(max(2, 12 + pods // 75))]
    system_namespaces = ["default", "kube-system", "kube-public", "kube-node-lease", "monitoring", "logging"]

    # --- namespaces and nodes --------------------------------------------------------------
    for ns in [*system_namespaces, *user_namespaces]:
        labels = {"kubernetes.io/metadata.name": ns}
        if ns in user_namespaces and rng.random() < 0.4:
            labels["pod-security.kubernetes.io/enforce"] = rng.choice(("baseline", "restricted"))
        obj = {
            "metadata": b.meta(ns, labels=labels),
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }
        c.add("Namespace", obj)
    for n, name in enumerate(all_nodes):
        cp = name in CONTROL_PLANE_NODES
        labels = {
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "node.kubernetes.io/instance-type": "m6i.2xlarge",
            "topology.kubernetes.io/zone": f"zone-{n % 3}",
        }
        if cp:
            labels["node-role.kubernetes.io/control-plane"] = ""
        c.add(
            "Node",
            {
                "metadata": b.meta(name, labels=labels, annotations={"node.alpha.kubernetes.io/ttl": "0"}),
                "spec": {
                    "podCIDR": "10.244.0.0/24",
                    "providerID": f"kind://docker/bench/{name}",
                    **(
                        {"taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]}
                        if cp
                        else {}
                    ),
                },
                "status": {
                    "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                    "allocatable": {"cpu": "7800m", "memory": "31Gi", "pods": "110"},
                    "conditions": [
                        {"type": t, "status": "False" if t != "Ready" else "True", "reason": t}
                        for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")
                    ],
                    "addresses": [
                        {"type": "InternalIP", "address": "172.20.0.10"},
                        {"type": "Hostname", "address": name},
                    ],
                    "nodeInfo": {
                        "kubeletVersion": K8S_VERSION,
                        "containerRuntimeVersion": "containerd://2.0.5",
                        "osImage": "Debian GNU/Linux 12 (bookworm)",
                        "kernelVersion": "6.1.0-25-amd64",
                        "operatingSystem": "linux",
                        "architecture": "amd64",
                        "machineID": f"{rng.getrandbits(128):032x}",
                        "systemUUID": b.ids.uid(),
                        "bootID": b.ids.uid(),
                    },
                },
            },
        )

    budget = pods
    # --- control plane: kubeadm static pods (mirror pods owned by their Node) ---------------
    for node in CONTROL_PLANE_NODES:
        for component, flags in _CONTROL_PLANE_FLAGS.items():
            name = f"{component}-{node}"
            spec = {
                "containers": [
                    {
                        "name": component,
                        "image": f"registry.k8s.io/{component}:{K8S_VERSION}"
                        if component != "etcd"
                        else "registry.k8s.io/etcd:3.5.21-0",
                        "command": [component, *flags],
                        "resources": {"requests": {"cpu": "250m"}},
                        "volumeMounts": [{"name": "k8s-certs", "mountPath": "/etc/kubernetes/pki", "readOnly": True}],
                        "imagePullPolicy": "IfNotPresent",
                    }
                ],
                "hostNetwork": True,
                "priorityClassName": "system-node-critical",
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                "volumes": [
                    {"name": "k8s-certs", "hostPath": {"path": "/etc/kubernetes/pki", "type": "DirectoryOrCreate"}}
                ],
            }
            labels = {"component": component, "tier": "control-plane"}
            refs = [{"apiVersion": "v1", "kind": "Node", "name": node, "uid": b.ids.uid(), "controller": True}]
            annotations = {
                "kubernetes.io/config.source": "file",
                "kubernetes.io/config.mirror": f"{rng.getrandbits(64):x}",
            }
            c.add("Pod", b.pod(name, "kube-system", labels, spec, refs, node, annotations=annotations))
            budget -= 1

    # --- DaemonSets on every node ------------------------------------------------------------
    ds_specs = [
        ("kube-proxy", "kube-system"),
        ("kindnet", "kube-system"),
        ("node-exporter", "monitoring"),
        ("fluent-bit", "logging"),
    ]
    if pods < 500:
        ds_specs = ds_specs[:1]
    for ds_name, ns in ds_specs:
        labels, spec = b.pod_template(
            ns, ds_name, "platform", "privileged" if ds_name != "node-exporter" else "partial"
        )
        ds_meta = b.meta(ds_name, ns, labels={"k8s-app": ds_name})
        c.add(
            "DaemonSet",
            {
                "metadata": ds_meta,
                "spec": {
                    "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": spec},
                    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                },
                "status": {"desiredNumberScheduled": len(all_nodes), "numberReady": len(all_nodes)},
            },
        )
        refs = b.owner("DaemonSet", ds_name, ds_meta["uid"])
        for node in all_nodes:
            c.add("Pod", b.pod(f"{ds_name}-{b.ids.hash(5)}", ns, labels, spec, refs, node))
            budget -= 1
            if budget <= 0 and pods >= 50:
                break

    # --- team namespaces: SAs, config, RBAC, policies --------------------------------------
    cluster_roles = _cluster_rbac(b, user_namespaces, pods)
    for ns in [*system_namespaces, *user_namespaces]:
        c.add("ServiceAccount", {"metadata": b.meta("default", ns)})
        c.add(
            "ConfigMap",
            {
                "metadata": b.meta("kube-root-ca.crt", ns, annotations={"kubernetes.io/description": "CA bundle"}),
                "data": {"ca.crt": _CA_PEM},
            },
        )
    for i, ns in enumerate(user_namespaces):
        team = ns.rsplit("-", 1)[0]
        _namespace_rbac(b, ns, team, cluster_roles)
        if rng.random() < 0.7:
            c.add(
                "NetworkPolicy",
                {
                    "metadata": b.meta("default-deny", ns),
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
                },
            )
        if i % 3 == 0:
            c.add(
                "ResourceQuota",
                {"metadata": b.meta("compute", ns), "spec": {"hard": {"requests.cpu": "40", "limits.memory": "200Gi"}}},
            )
            c.add(
                "LimitRange",
                {
                    "metadata": b.meta("defaults", ns),
                    "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m"}}]},
                },
            )

    # --- workloads in team namespaces ----------------------------------------------------
    workload_budget = max(0, budget)
    statefulset_budget = workload_budget // 10
    job_budget = workload_budget // 20
    bare_budget = max(1, workload_budget // 100) if workload_budget else 0
    deploy_budget = workload_budget - statefulset_budget - job_budget - bare_budget
    counter = 0

    def next_ns() -> tuple[str, str]:
        nonlocal counter
        ns = user_namespaces[counter % len(user_namespaces)]
        counter += 1
        return ns, ns.rsplit("-", 1)[0]

    def profile() -> str:
        return rng.choices(("restricted", "partial", "legacy", "privileged"), (30, 45, 20, 5))[0]

    node_i = 0

    def node() -> str:
        nonlocal node_i
        node_i += 1
        return _assign(b, workers, node_i)

    names: dict[str, int] = {}

    def unique(ns: str, base: str) -> str:
        key = f"{ns}/{base}"
        names[key] = names.get(key, 0) + 1
        return base if names[key] == 1 else f"{base}-{names[key]}"

    while deploy_budget > 0:
        ns, team = next_ns()
        app = unique(ns, rng.choice(_APPS))
        replicas = min(deploy_budget, rng.choice((1, 2, 2, 3, 3, 3, 4, 5, 6, 8, 10)))
        deploy_budget -= replicas
        labels, spec = b.pod_template(ns, app, team, profile())
        _app_objects(b, ns, app, team, labels, spec)
        dmeta = b.meta(app, ns, labels=labels, annotations={"deployment.kubernetes.io/revision": "3"}, generation=3)
        template = {"metadata": {"labels": labels}, "spec": spec}
        c.add(
            "Deployment",
            {
                "metadata": dmeta,
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": labels},
                    "template": template,
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
                    },
                    "revisionHistoryLimit": 10,
                    "progressDeadlineSeconds": 600,
                },
                "status": {"replicas": replicas, "readyReplicas": replicas, "observedGeneration": 3},
            },
        )
        current, current_uid, pod_labels = "", "", labels
        for rev in range(rng.choice((1, 2, 3))):
            pth = b.ids.hash(10)
            rs_name = f"{app}-{pth}"
            rs_labels = {**labels, "pod-template-hash": pth}
            rs_meta = b.meta(rs_name, ns, labels=rs_labels, ownerReferences=b.owner("Deployment", app, dmeta["uid"]))
            c.add(
                "ReplicaSet",
                {
                    "metadata": rs_meta,
                    "spec": {
                        "replicas": replicas if rev == 0 else 0,
                        "selector": {"matchLabels": rs_labels},
                        "template": {"metadata": {"labels": rs_labels}, "spec": spec},
                    },
                    "status": {"replicas": replicas if rev == 0 else 0},
                },
            )
            if rev == 0:
                current, current_uid, pod_labels = rs_name, rs_meta["uid"], rs_labels
        refs = b.owner("ReplicaSet", current, current_uid)
        for _ in range(replicas):
            c.add("Pod", b.pod(f"{current}-{b.ids.hash(5)}", ns, pod_labels, spec, refs, node()))

    while statefulset_budget > 0:
        ns, team = next_ns()
        app = unique(ns, rng.choice(("postgres", "redis", "kafka", "zookeeper", "elasticsearch", "rabbitmq")))
        replicas = min(statefulset_budget, rng.choice((1, 3, 3, 5)))
        statefulset_budget -= replicas
        labels, spec = b.pod_template(ns, app, team, profile())
        _app_objects(b, ns, app, team, labels, spec, headless=True)
        smeta = b.meta(app, ns, labels=labels)
        c.add(
            "StatefulSet",
            {
                "metadata": smeta,
                "spec": {
                    "replicas": replicas,
                    "serviceName": app,
                    "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": spec},
                    "volumeClaimTemplates": [
                        {
                            "metadata": {"name": "data"},
                            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}},
                        }
                    ],
                },
                "status": {"replicas": replicas, "readyReplicas": replicas},
            },
        )
        refs = b.owner("StatefulSet", app, smeta["uid"])
        for i in range(replicas):
            c.add(
                "Pod", b.pod(f"{app}-{i}", ns, {**labels, "apps.kubernetes.io/pod-index": str(i)}, spec, refs, node())
            )

    while job_budget > 0:
        ns, team = next_ns()
        app = unique(ns, rng.choice(("nightly-report", "cleanup", "backup", "sync", "reindex")))
        labels, spec = b.pod_template(ns, app, team, profile())
        spec = {**spec, "restartPolicy": "OnFailure"}
        cron = rng.random() < 0.7
        owner_refs = None
        if cron:
            cmeta = b.meta(app, ns, labels=labels)
            c.add(
                "CronJob",
                {
                    "metadata": cmeta,
                    "spec": {
                        "schedule": "17 3 * * *",
                        "concurrencyPolicy": "Forbid",
                        "jobTemplate": {
                            "metadata": {"labels": labels},
                            "spec": {"backoffLimit": 2, "template": {"metadata": {"labels": labels}, "spec": spec}},
                        },
                        "successfulJobsHistoryLimit": 3,
                    },
                },
            )
            owner_refs = b.owner("CronJob", app, cmeta["uid"], "batch/v1")
        for _ in range(min(job_budget, rng.choice((1, 2, 3)))):
            job = f"{app}-{rng.randint(29_000_000, 29_999_999)}" if cron else unique(ns, f"{app}-once")
            jmeta = b.meta(job, ns, labels=labels, **({"ownerReferences": owner_refs} if owner_refs else {}))
            c.add(
                "Job",
                {
                    "metadata": jmeta,
                    "spec": {
                        "backoffLimit": 2,
                        "completions": 1,
                        "parallelism": 1,
                        "template": {"metadata": {"labels": labels}, "spec": spec},
                    },
                    "status": {"succeeded": 1},
                },
            )
            refs = b.owner("Job", job, jmeta["uid"], "batch/v1")
            c.add("Pod", b.pod(f"{job}-{b.ids.hash(5)}", ns, labels, spec, refs, node(), phase="Succeeded"))
            job_budget -= 1

    for _ in range(bare_budget):
        ns, team = next_ns()
        app = unique(ns, "debug")
        labels, spec = b.pod_template(ns, app, team, rng.choice(("legacy", "privileged")))
        c.add("Pod", b.pod(app, ns, labels, spec, None, node()))

    # --- admission -------------------------------------------------------------------------
    for kind, name in (
        ("ValidatingWebhookConfiguration", "gatekeeper-validating-webhook-configuration"),
        ("MutatingWebhookConfiguration", "istio-sidecar-injector"),
    ):
        c.add(
            kind,
            {
                "metadata": b.meta(name),
                "webhooks": [
                    {
                        "name": f"{name}.example.com",
                        "clientConfig": {
                            "service": {"namespace": "gatekeeper-system", "name": "webhook", "port": 443},
                            "caBundle": "LS0tLS1CRUdJTg==",
                        },
                        "failurePolicy": "Ignore",
                        "sideEffects": "None",
                        "admissionReviewVersions": ["v1"],
                    }
                ],
            },
        )
    return c


def _app_objects(b: _Builder, ns: str, app: str, team: str, labels: Obj, spec: Obj, *, headless: bool = False) -> None:
    """The Service, ServiceAccount, ConfigMap, NetworkPolicy and Ingress an application brings."""
    c, rng = b.cluster, b.rng
    port = {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}
    svc_spec: Obj = {"selector": labels, "ports": [port], "type": "ClusterIP", "sessionAffinity": "None"}
    if headless:
        svc_spec["clusterIP"] = "None"
    else:
        svc_spec["clusterIP"] = f"10.96.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        if rng.random() < 0.05:
            svc_spec["type"] = rng.choice(("NodePort", "LoadBalancer"))
            port["nodePort"] = rng.randint(30000, 32767)
    c.add("Service", {"metadata": b.meta(app, ns, labels=labels), "spec": svc_spec})
    if spec["serviceAccountName"] == app:
        sa: Obj = {"metadata": b.meta(app, ns, labels=labels)}
        if rng.random() < 0.3:
            sa["automountServiceAccountToken"] = False
        c.add("ServiceAccount", sa)
    data = {
        "app.yaml": f"server:\n  port: 8080\n  team: {team}\nfeatures:\n  - a\n  - b\n",
        "LOG_FORMAT": "json",
        "UPSTREAM": f"http://{app}.{ns}.svc:80",
    }
    if rng.random() < 0.1:
        data["db_password"] = f"pw-{rng.randint(0, 10**9)}"
    c.add("ConfigMap", {"metadata": b.meta(f"{app}-config", ns, labels=labels), "data": data})
    if rng.random() < 0.5:
        c.add(
            "NetworkPolicy",
            {
                "metadata": b.meta(f"allow-{app}", ns),
                "spec": {
                    "podSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
                    "policyTypes": ["Ingress"],
                    "ingress": [
                        {
                            "from": [
                                {"podSelector": {"matchLabels": {"team": team}}},
                                {
                                    "namespaceSelector": {
                                        "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
                                    }
                                },
                            ],
                            "ports": [{"protocol": "TCP", "port": 8080}],
                        }
                    ],
                },
            },
        )
    if not headless and rng.random() < 0.1:
        c.add(
            "Ingress",
            {
                "metadata": b.meta(app, ns),
                "spec": {
                    "ingressClassName": "nginx",
                    "tls": [{"hosts": [f"{app}.example.com"], "secretName": f"{app}-tls"}]
                    if rng.random() < 0.7
                    else [],
                    "rules": [
                        {
                            "host": f"{app}.example.com",
                            "http": {
                                "paths": [
                                    {
                                        "path": "/",
                                        "pathType": "Prefix",
                                        "backend": {"service": {"name": app, "port": {"number": 80}}},
                                    }
                                ]
                            },
                        }
                    ],
                },
            },
        )


_RBAC = "rbac.authorization.k8s.io"
_BOOTSTRAP = {"kubernetes.io/bootstrapping": "rbac-defaults"}


def _cluster_rbac(b: _Builder, namespaces: list[str], pods: int) -> list[str]:
    """Bootstrap ClusterRoles and bindings, aggregated admin/edit/view, operator roles; returns
    the custom ClusterRole names that namespaces bind."""
    c, rng = b.cluster, b.rng

    def role(name: str, rules: list[Obj], labels: Obj | None = None, aggregation: Obj | None = None) -> None:
        meta = b.meta(name, labels=labels or {}, annotations={"rbac.authorization.kubernetes.io/autoupdate": "true"})
        obj: Obj = {"metadata": meta, "rules": rules}
        if aggregation is not None:
            obj["aggregationRule"] = aggregation
        c.add("ClusterRole", obj)

    def binding(name: str, role_name: str, subjects: list[Obj], labels: Obj | None = None) -> None:
        c.add(
            "ClusterRoleBinding",
            {
                "metadata": b.meta(name, labels=labels or {}),
                "roleRef": {"apiGroup": _RBAC, "kind": "ClusterRole", "name": role_name},
                "subjects": subjects,
            },
        )

    role(
        "cluster-admin",
        [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}],
        _BOOTSTRAP,
    )
    binding(
        "cluster-admin", "cluster-admin", [{"apiGroup": _RBAC, "kind": "Group", "name": "system:masters"}], _BOOTSTRAP
    )
    for name in ("admin", "edit", "view"):
        role(
            name,
            [],
            _BOOTSTRAP,
            {"clusterRoleSelectors": [{"matchLabels": {f"rbac.authorization.k8s.io/aggregate-to-{name}": "true"}}]},
        )
    read = ["get", "list", "watch"]
    write = ["create", "delete", "deletecollection", "patch", "update"]
    role(
        "system:aggregate-to-view",
        [
            {
                "apiGroups": [""],
                "resources": ["pods", "services", "configmaps", "endpoints", "persistentvolumeclaims"],
                "verbs": read,
            },
            {
                "apiGroups": ["apps"],
                "resources": ["deployments", "replicasets", "statefulsets", "daemonsets"],
                "verbs": read,
            },
        ],
        {**_BOOTSTRAP, "rbac.authorization.k8s.io/aggregate-to-view": "true"},
    )
    role(
        "system:aggregate-to-edit",
        [
            {
                "apiGroups": [""],
                "resources": ["pods", "services", "configmaps", "secrets", "pods/exec"],
                "verbs": write,
            },
            {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets"], "verbs": write},
        ],
        {**_BOOTSTRAP, "rbac.authorization.k8s.io/aggregate-to-edit": "true"},
    )
    role(
        "system:aggregate-to-admin",
        [{"apiGroups": [_RBAC], "resources": ["roles", "rolebindings"], "verbs": [*read, *write]}],
        {**_BOOTSTRAP, "rbac.authorization.k8s.io/aggregate-to-admin": "true"},
    )
    for i in range(60):  # the rest of the bootstrap policy (system:controller:*, system:node, ...)
        name = f"system:controller:bench-controller-{i:02d}"
        role(
            name,
            [
                {
                    "apiGroups": ["", "apps"],
                    "resources": ["pods", "events", "replicasets"],
                    "verbs": [*read, "create", "patch"],
                }
            ],
            _BOOTSTRAP,
        )
        binding(
            name,
            name,
            [{"kind": "ServiceAccount", "name": f"bench-controller-{i:02d}", "namespace": "kube-system"}],
            _BOOTSTRAP,
        )
    custom: list[str] = []
    for i in range(max(4, pods // 40)):  # operators and platform tooling
        name = f"operator-{i:04d}"
        rules = [
            {"apiGroups": [f"op{i}.example.com"], "resources": ["widgets", "widgets/status"], "verbs": [*read, *write]},
            {"apiGroups": [""], "resources": ["configmaps", "events"], "verbs": [*read, "create", "patch"]},
        ]
        roll = rng.random()
        if roll < 0.05:
            rules.append({"apiGroups": [""], "resources": ["secrets"], "verbs": read})
        elif roll < 0.08:
            rules.append({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})
        elif roll < 0.1:
            rules.append({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]})
        labels = {"rbac.authorization.k8s.io/aggregate-to-view": "true"} if rng.random() < 0.1 else {}
        role(name, rules, labels)
        custom.append(name)
        ns = rng.choice(namespaces)
        subjects: list[Obj] = [{"kind": "ServiceAccount", "name": f"operator-{i:04d}", "namespace": ns}]
        if rng.random() < 0.05:
            subjects.append({"apiGroup": _RBAC, "kind": "User", "name": f"user{i}@example.com"})
        binding(name, name, subjects)
    for i in range(max(2, pods // 400)):  # humans with broad access
        binding(
            f"oncall-admin-{i}",
            "cluster-admin" if i % 3 == 0 else "view",
            [{"apiGroup": _RBAC, "kind": "Group", "name": f"oncall-{i}"}],
        )
    return custom


def _namespace_rbac(b: _Builder, ns: str, team: str, cluster_roles: list[str]) -> None:
    c, rng = b.cluster, b.rng
    read = ["get", "list", "watch"]
    for r in range(rng.randint(3, 7)):
        rules = [
            {"apiGroups": [""], "resources": ["configmaps", "pods", "services"], "verbs": read},
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": [*read, "patch", "update"]},
        ]
        if rng.random() < 0.1:
            rules.append({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]})
        if rng.random() < 0.05:
            rules.append({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})
        c.add("Role", {"metadata": b.meta(f"{team}-role-{r}", ns), "rules": rules})
    for r in range(rng.randint(4, 10)):
        kind = rng.choice(("Role", "ClusterRole", "ClusterRole"))
        if kind == "Role":
            ref = f"{team}-role-{rng.randint(0, 2)}"
        else:
            ref = rng.choice(("edit", "view", "admin", *rng.sample(cluster_roles, min(2, len(cluster_roles)))))
        subject_kind = rng.choice(("ServiceAccount", "ServiceAccount", "Group", "User"))
        if subject_kind == "ServiceAccount":
            subject: Obj = {
                "kind": "ServiceAccount",
                "name": rng.choice(("default", "deployer", "ci")),
                "namespace": ns,
            }
        else:
            subject = {"apiGroup": _RBAC, "kind": subject_kind, "name": f"{team}-{subject_kind.lower()}-{r}"}
        c.add(
            "RoleBinding",
            {
                "metadata": b.meta(f"{team}-binding-{r}", ns),
                "roleRef": {"apiGroup": _RBAC, "kind": kind, "name": ref},
                "subjects": [subject],
            },
        )


_CA_PEM = (
    "-----BEGIN CERTIFICATE-----\n"
    + "\n".join("MIIDBTCCAe2gAwIBAgIIQ2Vy" + "dGlmaWNhdGVCZW5jaG1hcmsxMjM0NTY3ODkw"[:40] for _ in range(17))
    + "\n-----END CERTIFICATE-----\n"
)

_PKI = "/etc/kubernetes/pki"
_CONTROL_PLANE_FLAGS: dict[str, list[str]] = {
    "kube-apiserver": [
        "--advertise-address=172.20.0.2",
        "--allow-privileged=true",
        "--authorization-mode=Node,RBAC",
        f"--client-ca-file={_PKI}/ca.crt",
        "--enable-admission-plugins=NodeRestriction",
        "--enable-bootstrap-token-auth=true",
        f"--etcd-cafile={_PKI}/etcd/ca.crt",
        f"--etcd-certfile={_PKI}/apiserver-etcd-client.crt",
        f"--etcd-keyfile={_PKI}/apiserver-etcd-client.key",
        "--etcd-servers=https://127.0.0.1:2379",
        f"--kubelet-client-certificate={_PKI}/apiserver-kubelet-client.crt",
        f"--kubelet-client-key={_PKI}/apiserver-kubelet-client.key",
        "--secure-port=6443",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={_PKI}/sa.pub",
        f"--service-account-signing-key-file={_PKI}/sa.key",
        "--service-cluster-ip-range=10.96.0.0/16",
        f"--tls-cert-file={_PKI}/apiserver.crt",
        f"--tls-private-key-file={_PKI}/apiserver.key",
    ],
    "etcd": [
        "--advertise-client-urls=https://172.20.0.2:2379",
        f"--cert-file={_PKI}/etcd/server.crt",
        "--client-cert-auth=true",
        "--data-dir=/var/lib/etcd",
        f"--key-file={_PKI}/etcd/server.key",
        "--listen-client-urls=https://127.0.0.1:2379,https://172.20.0.2:2379",
        f"--peer-cert-file={_PKI}/etcd/peer.crt",
        "--peer-client-cert-auth=true",
        f"--peer-key-file={_PKI}/etcd/peer.key",
        f"--trusted-ca-file={_PKI}/etcd/ca.crt",
    ],
    "kube-controller-manager": [
        "--bind-address=127.0.0.1",
        f"--client-ca-file={_PKI}/ca.crt",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--leader-elect=true",
        f"--root-ca-file={_PKI}/ca.crt",
        f"--service-account-private-key-file={_PKI}/sa.key",
        "--use-service-account-credentials=true",
    ],
    "kube-scheduler": [
        "--bind-address=127.0.0.1",
        "--kubeconfig=/etc/kubernetes/scheduler.conf",
        "--leader-elect=true",
    ],
}
