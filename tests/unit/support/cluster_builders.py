"""Builders for the cluster-level unit tests: static control-plane pods, nodes, services, ingresses,
ConfigMaps and kubelet facts, as dict literals shaped like the API's answers."""

from __future__ import annotations

from typing import Any

from k8saudit.model.facts import ClusterFactsSpec, KubeletConfig, ServerVersion


def static_pod(component: str, *flags: str, node: str = "cp1", field: str = "command") -> dict[str, Any]:
    """A kubeadm-style static pod of `component` (kube-apiserver, etcd, ...) with these flags."""
    words = [component, *flags] if field == "command" else list(flags)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{component}-{node}",
            "namespace": "kube-system",
            "labels": {"component": component, "tier": "control-plane"},
            "annotations": {"kubernetes.io/config.mirror": "0123"},
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node, "controller": True}],
        },
        "spec": {"nodeName": node, "hostNetwork": True, "containers": [{"name": component, field: words}]},
    }


def node(
    name: str,
    *,
    control_plane: bool = False,
    taint: bool = True,
    kubelet: str = "v1.33.2",
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta_labels = {"kubernetes.io/hostname": name, **(labels or {})}
    spec: dict[str, Any] = {"providerID": f"kind://docker/test/{name}"}
    if control_plane:
        meta_labels["node-role.kubernetes.io/control-plane"] = ""
        if taint:
            spec["taints"] = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": meta_labels},
        "spec": spec,
        "status": {
            "nodeInfo": {
                "kubeletVersion": kubelet,
                "containerRuntimeVersion": "containerd://2.1.3",
                "osImage": "Ubuntu 24.04.2 LTS",
                "kernelVersion": "6.8.0-60-generic",
                "operatingSystem": "linux",
                "architecture": "amd64",
            }
        },
    }


def pod(name: str, namespace: str, node_name: str, **spec: Any) -> dict[str, Any]:
    """A bare pod scheduled on `node_name`."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {"nodeName": node_name, "containers": [{"name": "app", "image": "x:1"}], **spec},
    }


def daemonset(name: str, namespace: str, *, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    pod_labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": namespace, "labels": pod_labels},
        "spec": {
            "selector": {"matchLabels": pod_labels},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {"containers": [{"name": name, "image": f"{name}:1"}], **spec},
            },
        },
    }


def service(
    name: str, namespace: str = "shop", *, annotations: dict[str, str] | None = None, **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}},
        "spec": {"ports": [{"port": 443}], **spec},
    }


def ingress(name: str, hosts: list[str], tls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"rules": [{"host": h} for h in hosts]}
    if tls is not None:
        spec["tls"] = tls
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": spec,
    }


def configmap(name: str, namespace: str, data: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": data}


def policy(name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def live_facts(version: str = "v1.33.2", **fields: Any) -> ClusterFactsSpec:
    """Facts of a live scan taken on 2026-11-26 (so date-dependent checks are stable)."""
    return ClusterFactsSpec(
        source="live",
        collectedAt="2026-11-26T09:30:00+00:00",
        version=ServerVersion(gitVersion=version),
        **fields,
    )


def kubelet_facts(**configs: dict[str, Any] | str) -> ClusterFactsSpec:
    """Live facts with kubelet configz per node; a string value is the reason it could not be read."""
    kubelet = {
        name: KubeletConfig(reason=value) if isinstance(value, str) else KubeletConfig(config=value)
        for name, value in configs.items()
    }
    return live_facts(kubelet=kubelet, kubeletCollected=True)


#: What a kubeadm kubelet's configz holds that the checks read (zero values omitted).
HARDENED_KUBELET: dict[str, Any] = {
    "authentication": {
        "anonymous": {"enabled": False},
        "webhook": {"enabled": True},
        "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"},
    },
    "authorization": {"mode": "Webhook"},
    "rotateCertificates": True,
    "serverTLSBootstrap": True,
    "seccompDefault": True,
    "streamingConnectionIdleTimeout": "5m0s",
    "podPidsLimit": 4096,
}
