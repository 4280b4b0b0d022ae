"""A realistic small cluster for the fake API server: what a kubeadm/kind cluster with a few
teams on it returns, with the shapes that matter to an auditor.

- control-plane static pods in kube-system (labelled component=..., real kubeadm flags in
  `command`, owned by their Node as mirror pods do);
- nodes with kind providerIDs; namespaces with and without NetworkPolicies (prod has a
  default-deny);
- Deployments → ReplicaSets → Pods, DaemonSets → Pods, CronJob → Job → Pod, one bare Pod;
- RBAC: the default cluster-admin, a cluster-admin binding to a user, a binding to
  system:anonymous, namespaced Roles/RoleBindings;
- Services, ConfigMaps (one holding a credential-looking value), a Secret (never to be read);
- env values and ConfigMap values planted as canaries that must never reach any output.
"""

from __future__ import annotations

from typing import Any

#: Values that must never appear in a snapshot or a report.
ENV_SECRET_CANARY = "hunter2-CANARY-env-5e1d"
ENV_PLAIN_CANARY = "CANARY-env-plain-91c2"
CONFIGMAP_CANARY = "CANARY-cm-7f3a9b"
SECRET_CANARY = "CANARY-secret-0d4e"
CANARIES = (ENV_SECRET_CANARY, ENV_PLAIN_CANARY, CONFIGMAP_CANARY, SECRET_CANARY)

ROOT_CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIBADAKBggqhkjOPQQDAjAjMSEw\n-----END CERTIFICATE-----\n"
NODES = ("audit-control-plane", "audit-worker", "audit-worker2")

Obj = dict[str, Any]


def meta(name: str, namespace: str | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, **extra}
    if namespace is not None:
        data["namespace"] = namespace
    return data


def owner(kind: str, name: str, api_version: str = "apps/v1") -> list[dict[str, Any]]:
    return [{"apiVersion": api_version, "kind": kind, "name": name, "uid": f"uid-{name}", "controller": True}]


def container(name: str, image: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": image, **extra}


RESTRICTED = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def _workload_chain(
    namespace: str,
    name: str,
    labels: dict[str, str],
    pod_spec: dict[str, Any],
    replicas: int,
    rs_hash: str,
) -> list[Obj]:
    """A Deployment, its ReplicaSet and `replicas` pods owned by it."""
    rs_name = f"{name}-{rs_hash}"
    template = {"metadata": {"labels": labels}, "spec": pod_spec}
    objs: list[Obj] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta(name, namespace, labels=labels, uid=f"uid-{name}"),
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": meta(
                rs_name, namespace, labels=labels, uid=f"uid-{rs_name}", ownerReferences=owner("Deployment", name)
            ),
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template},
        },
    ]
    objs += pods_of(namespace, rs_name, "ReplicaSet", labels, pod_spec, replicas)
    return objs


def pods_of(
    namespace: str,
    owner_name: str,
    owner_kind: str,
    labels: dict[str, str],
    pod_spec: dict[str, Any],
    count: int,
    api_version: str = "apps/v1",
) -> list[Obj]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta(
                f"{owner_name}-{i:05x}",
                namespace,
                labels=labels,
                ownerReferences=owner(owner_kind, owner_name, api_version),
            ),
            "spec": {**pod_spec, "nodeName": NODES[i % len(NODES)]},
            "status": {"phase": "Running"},
        }
        for i in range(count)
    ]


def _control_plane() -> list[Obj]:
    node = NODES[0]
    pki = "/etc/kubernetes/pki"
    commands = {
        "kube-apiserver": [
            "kube-apiserver",
            "--advertise-address=172.18.0.2",
            "--allow-privileged=true",
            "--authorization-mode=Node,RBAC",
            f"--client-ca-file={pki}/ca.crt",
            "--enable-admission-plugins=NodeRestriction",
            "--enable-bootstrap-token-auth=true",
            f"--etcd-cafile={pki}/etcd/ca.crt",
            f"--etcd-certfile={pki}/apiserver-etcd-client.crt",
            f"--etcd-keyfile={pki}/apiserver-etcd-client.key",
            "--etcd-servers=https://127.0.0.1:2379",
            f"--kubelet-client-certificate={pki}/apiserver-kubelet-client.crt",
            f"--kubelet-client-key={pki}/apiserver-kubelet-client.key",
            "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
            f"--proxy-client-cert-file={pki}/front-proxy-client.crt",
            f"--proxy-client-key-file={pki}/front-proxy-client.key",
            "--requestheader-allowed-names=front-proxy-client",
            f"--requestheader-client-ca-file={pki}/front-proxy-ca.crt",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-username-headers=X-Remote-User",
            "--runtime-config=",
            "--secure-port=6443",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki}/sa.pub",
            f"--service-account-signing-key-file={pki}/sa.key",
            "--service-cluster-ip-range=10.96.0.0/16",
            f"--tls-cert-file={pki}/apiserver.crt",
            f"--tls-private-key-file={pki}/apiserver.key",
        ],
        "etcd": [
            "etcd",
            "--advertise-client-urls=https://172.18.0.2:2379",
            f"--cert-file={pki}/etcd/server.crt",
            "--client-cert-auth=true",
            "--data-dir=/var/lib/etcd",
            "--experimental-initial-corrupt-check=true",
            "--experimental-watch-progress-notify-interval=5s",
            "--initial-advertise-peer-urls=https://172.18.0.2:2380",
            "--initial-cluster=audit-control-plane=https://172.18.0.2:2380",
            f"--key-file={pki}/etcd/server.key",
            "--listen-client-urls=https://127.0.0.1:2379,https://172.18.0.2:2379",
            "--listen-metrics-urls=http://127.0.0.1:2381",
            "--listen-peer-urls=https://172.18.0.2:2380",
            f"--name={node}",
            f"--peer-cert-file={pki}/etcd/peer.crt",
            "--peer-client-cert-auth=true",
            f"--peer-key-file={pki}/etcd/peer.key",
            f"--peer-trusted-ca-file={pki}/etcd/ca.crt",
            "--snapshot-count=10000",
            f"--trusted-ca-file={pki}/etcd/ca.crt",
        ],
        "kube-controller-manager": [
            "kube-controller-manager",
            "--allocate-node-cidrs=true",
            "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
            "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
            "--bind-address=127.0.0.1",
            f"--client-ca-file={pki}/ca.crt",
            "--cluster-cidr=10.244.0.0/16",
            "--cluster-name=audit",
            f"--cluster-signing-cert-file={pki}/ca.crt",
            f"--cluster-signing-key-file={pki}/ca.key",
            "--controllers=*,bootstrapsigner,tokencleaner",
            "--enable-hostpath-provisioner=true",
            "--kubeconfig=/etc/kubernetes/controller-manager.conf",
            "--leader-elect=true",
            f"--requestheader-client-ca-file={pki}/front-proxy-ca.crt",
            f"--root-ca-file={pki}/ca.crt",
            f"--service-account-private-key-file={pki}/sa.key",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--use-service-account-credentials=true",
        ],
        "kube-scheduler": [
            "kube-scheduler",
            "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
            "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
            "--bind-address=127.0.0.1",
            "--kubeconfig=/etc/kubernetes/scheduler.conf",
            "--leader-elect=true",
        ],
    }
    images = {
        "kube-apiserver": "registry.k8s.io/kube-apiserver:v1.31.4",
        "etcd": "registry.k8s.io/etcd:3.5.15-0",
        "kube-controller-manager": "registry.k8s.io/kube-controller-manager:v1.31.4",
        "kube-scheduler": "registry.k8s.io/kube-scheduler:v1.31.4",
    }
    pods: list[Obj] = []
    for component, command in commands.items():
        pods.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": meta(
                    f"{component}-{node}",
                    "kube-system",
                    labels={"component": component, "tier": "control-plane"},
                    annotations={"kubernetes.io/config.source": "file"},
                    ownerReferences=owner("Node", node, "v1"),
                ),
                "spec": {
                    "hostNetwork": True,
                    "priorityClassName": "system-node-critical",
                    "nodeName": node,
                    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [
                        {
                            "name": component,
                            "image": images[component],
                            "command": command,
                            "volumeMounts": [{"name": "k8s-certs", "mountPath": pki, "readOnly": True}],
                        }
                    ],
                    "volumes": [
                        {"name": "k8s-certs", "hostPath": {"path": pki, "type": "DirectoryOrCreate"}},
                    ],
                },
                "status": {"phase": "Running"},
            }
        )
    return pods


def _nodes() -> list[Obj]:
    nodes: list[Obj] = []
    for i, name in enumerate(NODES):
        labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
        if i == 0:
            labels["node-role.kubernetes.io/control-plane"] = ""
        nodes.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": meta(name, labels=labels),
                "spec": {"providerID": f"kind://docker/audit/{name}"},
                "status": {
                    "nodeInfo": {
                        "kubeletVersion": "v1.31.4",
                        "containerRuntimeVersion": "containerd://1.7.24",
                        "osImage": "Debian GNU/Linux 12 (bookworm)",
                        "kernelVersion": "6.8.0-49-generic",
                        "operatingSystem": "linux",
                        "architecture": "amd64",
                        "bootID": f"boot-{name}",
                        "machineID": f"machine-{name}",
                        "systemUUID": f"uuid-{name}",
                        "kubeProxyVersion": "",
                    }
                },
            }
        )
    return nodes


def _namespaces() -> list[Obj]:
    names = ["default", "kube-system", "kube-public", "kube-node-lease", "prod", "staging", "monitoring"]
    objs: list[Obj] = []
    for name in names:
        labels = {"kubernetes.io/metadata.name": name}
        if name == "prod":
            labels["pod-security.kubernetes.io/enforce"] = "restricted"
        objs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": meta(name, labels=labels)})
        objs.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("default", name)})
        objs.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": meta("kube-root-ca.crt", name),
                "data": {"ca.crt": ROOT_CA_PEM},
            }
        )
    return objs


def _workloads() -> list[Obj]:
    objs: list[Obj] = []
    # kube-system: kube-proxy (a privileged DaemonSet) and coredns (a Deployment)
    proxy_labels = {"k8s-app": "kube-proxy"}
    proxy_spec = {
        "hostNetwork": True,
        "serviceAccountName": "kube-proxy",
        "priorityClassName": "system-node-critical",
        "containers": [
            container(
                "kube-proxy",
                "registry.k8s.io/kube-proxy:v1.31.4",
                command=[
                    "/usr/local/bin/kube-proxy",
                    "--config=/var/lib/kube-proxy/config.conf",
                    "--hostname-override=$(NODE_NAME)",
                ],
                env=[{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                securityContext={"privileged": True},
            )
        ],
        "volumes": [{"name": "lib-modules", "hostPath": {"path": "/lib/modules"}}],
        "tolerations": [{"operator": "Exists"}],
    }
    objs.append(
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": meta("kube-proxy", "kube-system", labels=proxy_labels, uid="uid-kube-proxy"),
            "spec": {
                "selector": {"matchLabels": proxy_labels},
                "template": {"metadata": {"labels": proxy_labels}, "spec": proxy_spec},
            },
        }
    )
    objs += pods_of("kube-system", "kube-proxy", "DaemonSet", proxy_labels, proxy_spec, len(NODES))
    dns_spec = {
        "serviceAccountName": "coredns",
        "containers": [
            container(
                "coredns",
                "registry.k8s.io/coredns/coredns:v1.11.3",
                args=["-conf", "/etc/coredns/Corefile"],
                securityContext={
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                },
                resources={"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
            )
        ],
    }
    objs += _workload_chain("kube-system", "coredns", {"k8s-app": "kube-dns"}, dns_spec, 2, "7c65d6cfc9")

    # prod: a hardened web Deployment (with env canaries) and an api Deployment running as root
    web_spec = {
        "serviceAccountName": "web",
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            container(
                "web",
                "ghcr.io/example/web:1.4.2",
                env=[
                    {"name": "DB_PASSWORD", "value": ENV_SECRET_CANARY},
                    {"name": "GREETING", "value": ENV_PLAIN_CANARY},
                    {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
                ],
                securityContext=RESTRICTED,
                resources={
                    "limits": {"cpu": "500m", "memory": "256Mi"},
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                },
            )
        ],
    }
    objs += _workload_chain("prod", "web", {"app": "web"}, web_spec, 3, "5d9c7b8f4d")
    api_spec = {
        "containers": [
            container(
                "api",
                "docker.io/example/api:latest",
                securityContext={"runAsUser": 0},
                ports=[{"containerPort": 8080}],
            )
        ],
    }
    objs += _workload_chain("prod", "api", {"app": "api"}, api_spec, 2, "66b8f7d9c5")

    # staging: a worker with no securityContext at all
    worker_spec = {"containers": [container("worker", "ghcr.io/example/worker:2.0.1")]}
    objs += _workload_chain("staging", "worker", {"app": "worker"}, worker_spec, 2, "8f5b9c7d6")

    # monitoring: node-exporter with host namespaces and the host's root mounted
    ne_labels = {"app.kubernetes.io/name": "node-exporter"}
    ne_spec = {
        "hostPID": True,
        "hostNetwork": True,
        "containers": [
            container(
                "node-exporter",
                "quay.io/prometheus/node-exporter:v1.8.2",
                args=["--path.rootfs=/host"],
                volumeMounts=[{"name": "root", "mountPath": "/host", "readOnly": True}],
                securityContext={"readOnlyRootFilesystem": True, "runAsNonRoot": True, "runAsUser": 65534},
            )
        ],
        "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
    }
    objs.append(
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": meta("node-exporter", "monitoring", labels=ne_labels, uid="uid-node-exporter"),
            "spec": {
                "selector": {"matchLabels": ne_labels},
                "template": {"metadata": {"labels": ne_labels}, "spec": ne_spec},
            },
        }
    )
    objs += pods_of("monitoring", "node-exporter", "DaemonSet", ne_labels, ne_spec, len(NODES))

    # monitoring: a runtime-security agent that runs privileged on every node
    agent_labels = {"app.kubernetes.io/name": "security-agent"}
    agent_spec = {
        "hostPID": True,
        "containers": [
            container(
                "agent",
                "ghcr.io/example/security-agent:0.38.1",
                securityContext={"privileged": True},
                volumeMounts=[{"name": "proc", "mountPath": "/host/proc", "readOnly": True}],
            )
        ],
        "volumes": [{"name": "proc", "hostPath": {"path": "/proc"}}],
        "tolerations": [{"operator": "Exists"}],
    }
    objs.append(
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": meta("security-agent", "monitoring", labels=agent_labels, uid="uid-security-agent"),
            "spec": {
                "selector": {"matchLabels": agent_labels},
                "template": {"metadata": {"labels": agent_labels}, "spec": agent_spec},
            },
        }
    )
    objs += pods_of("monitoring", "security-agent", "DaemonSet", agent_labels, agent_spec, len(NODES))

    # prod: a nightly backup CronJob, its last Job and that Job's pod
    backup_spec = {
        "restartPolicy": "OnFailure",
        "containers": [container("backup", "ghcr.io/example/backup:0.9", args=["--target=s3://backups/prod"])],
    }
    job_template = {"spec": {"template": {"spec": backup_spec}}}
    objs.append(
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": meta("backup", "prod", uid="uid-backup"),
            "spec": {"schedule": "0 3 * * *", "jobTemplate": job_template},
        }
    )
    objs.append(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": meta(
                "backup-28934100",
                "prod",
                uid="uid-backup-28934100",
                ownerReferences=owner("CronJob", "backup", "batch/v1"),
            ),
            "spec": {"template": {"spec": backup_spec}},
        }
    )
    objs += pods_of("prod", "backup-28934100", "Job", {"job-name": "backup-28934100"}, backup_spec, 1, "batch/v1")

    # default: a bare debug pod somebody forgot
    objs.append(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta("debug", "default"),
            "spec": {"containers": [container("shell", "busybox:1.36", command=["sleep", "infinity"])]},
            "status": {"phase": "Running"},
        }
    )
    return objs


def _rbac() -> list[Obj]:
    group = "rbac.authorization.k8s.io"
    api = f"{group}/v1"

    def crb(name: str, role: str, subjects: list[dict[str, Any]]) -> Obj:
        return {
            "apiVersion": api,
            "kind": "ClusterRoleBinding",
            "metadata": meta(name),
            "roleRef": {"apiGroup": group, "kind": "ClusterRole", "name": role},
            "subjects": subjects,
        }

    return [
        {
            "apiVersion": api,
            "kind": "ClusterRole",
            "metadata": meta("cluster-admin", labels={"kubernetes.io/bootstrapping": "rbac-defaults"}),
            "rules": [
                {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                {"nonResourceURLs": ["*"], "verbs": ["*"]},
            ],
        },
        {
            "apiVersion": api,
            "kind": "ClusterRole",
            "metadata": meta("view", labels={"kubernetes.io/bootstrapping": "rbac-defaults"}),
            "rules": [
                {
                    "apiGroups": ["", "apps", "batch"],
                    "resources": ["pods", "deployments", "jobs"],
                    "verbs": ["get", "list", "watch"],
                }
            ],
        },
        {
            "apiVersion": api,
            "kind": "ClusterRole",
            "metadata": meta("system:public-info-viewer", labels={"kubernetes.io/bootstrapping": "rbac-defaults"}),
            "rules": [
                {"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]}
            ],
        },
        crb("cluster-admin", "cluster-admin", [{"apiGroup": group, "kind": "Group", "name": "system:masters"}]),
        crb("alice-admin", "cluster-admin", [{"apiGroup": group, "kind": "User", "name": "alice@example.com"}]),
        crb("anonymous-view", "view", [{"apiGroup": group, "kind": "User", "name": "system:anonymous"}]),
        crb(
            "system:public-info-viewer",
            "system:public-info-viewer",
            [
                {"apiGroup": group, "kind": "Group", "name": "system:authenticated"},
                {"apiGroup": group, "kind": "Group", "name": "system:unauthenticated"},
            ],
        ),
        {
            "apiVersion": api,
            "kind": "Role",
            "metadata": meta("secret-reader", "prod"),
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}],
        },
        {
            "apiVersion": api,
            "kind": "RoleBinding",
            "metadata": meta("web-secret-reader", "prod"),
            "roleRef": {"apiGroup": group, "kind": "Role", "name": "secret-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "prod"}],
        },
        {
            "apiVersion": api,
            "kind": "RoleBinding",
            "metadata": meta("ci-edit", "staging"),
            "roleRef": {"apiGroup": group, "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"apiGroup": group, "kind": "Group", "name": "ci"}],
        },
    ]


def _network_and_config() -> list[Obj]:
    net = "networking.k8s.io/v1"
    return [
        {
            "apiVersion": net,
            "kind": "NetworkPolicy",
            "metadata": meta("default-deny", "prod"),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        },
        {
            "apiVersion": net,
            "kind": "NetworkPolicy",
            "metadata": meta("allow-web", "prod"),
            "spec": {
                "podSelector": {"matchLabels": {"app": "web"}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [
                            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
                        ],
                        "ports": [{"port": 8080}],
                    }
                ],
            },
        },
        {
            "apiVersion": net,
            "kind": "NetworkPolicy",
            "metadata": meta("allow-scrape", "monitoring"),
            "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 9100}]}]},
        },
        {
            "apiVersion": net,
            "kind": "Ingress",
            "metadata": meta("web", "prod"),
            "spec": {"ingressClassName": "nginx", "rules": [{"host": "web.example.com"}]},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("kubernetes", "default"),
            "spec": {"type": "ClusterIP", "ports": [{"name": "https", "port": 443}]},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("web", "prod"),
            "spec": {"type": "ClusterIP", "selector": {"app": "web"}, "ports": [{"port": 80}]},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("api", "prod"),
            "spec": {"type": "LoadBalancer", "selector": {"app": "api"}, "ports": [{"port": 443, "nodePort": 31443}]},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("app-config", "prod"),
            "data": {
                "LOG_LEVEL": "info",
                "DATABASE_URL": f"postgres://app:{CONFIGMAP_CANARY}@db.prod:5432/app",
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta("db-credentials", "prod"),
            "type": "Opaque",
            "stringData": {"password": SECRET_CANARY},
        },
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("web", "prod")},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("kube-proxy", "kube-system")},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("coredns", "kube-system")},
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": meta("compute", "prod"),
            "spec": {"hard": {"requests.cpu": "8", "limits.memory": "32Gi"}},
        },
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": meta("defaults", "prod"),
            "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"}}]},
        },
    ]


def realistic_cluster() -> list[Obj]:
    return [*_nodes(), *_namespaces(), *_control_plane(), *_workloads(), *_rbac(), *_network_and_config()]


def bulk_deployment(namespace: str, name: str, pods: int) -> list[Obj]:
    """A Deployment with `pods` pods (for paging tests), in its own namespace."""
    spec = {"containers": [container("app", "ghcr.io/example/bulk:1.0", securityContext=RESTRICTED)]}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": meta(namespace)},
        *_workload_chain(namespace, name, {"app": name}, spec, pods, "6f7d8c9b5a"),
    ]


#: Pods in `realistic_cluster()`: 4 static control-plane pods, kube-proxy 3, coredns 2, web 3,
#: api 2, worker 2, node-exporter 3, security-agent 3, backup 1, debug 1.
DEFAULT_PODS = 24
#: What a person owns: 4 static pods, 3 DaemonSets, 4 Deployments, 1 CronJob, 1 bare Pod.
DEFAULT_WORKLOADS = 13
