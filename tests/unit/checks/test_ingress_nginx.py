"""ingress-nginx (issue 15, item 13): the retired controller found by its image, IngressNightmare
(CVE-2025-1974) by version and webhook reachability, and snippet annotations (CVE-2021-25742),
from dict literals shaped like the project's Helm chart renders them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from k8saudit.model.facts import Availability, ClusterFactsSpec
from k8saudit.model.findings import Severity, Status
from k8saudit.model.objects import ConfigMap
from tests.unit.support.cluster_builders import configmap, policy
from tests.unit.support.helpers import by_status, deployment, failing, run, summary

NS = "ingress-nginx"
CHART_ARGS = [
    "/nginx-ingress-controller",
    "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller",
    "--election-id=ingress-nginx-leader",
    "--controller-class=k8s.io/ingress-nginx",
    "--ingress-class=nginx",
    "--configmap=$(POD_NAMESPACE)/ingress-nginx-controller",
    "--validating-webhook=:8443",
    "--validating-webhook-certificate=/usr/local/certificates/cert",
    "--validating-webhook-key=/usr/local/certificates/key",
]
LABELS = {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}


def controller(
    tag: str = "v1.11.3",
    *,
    name: str = "ingress-nginx-controller",
    kind: str = "Deployment",
    image: str = "registry.k8s.io/ingress-nginx/controller",
    args: list[str] | None = None,
    host_network: bool = False,
) -> dict[str, Any]:
    """The chart's controller: ports http, https and webhook (8443), the chart's arguments."""
    pod: dict[str, Any] = {
        "containers": [
            {
                "name": "controller",
                "image": f"{image}:{tag}" if tag else image,
                "args": CHART_ARGS if args is None else args,
                "ports": [
                    {"name": "http", "containerPort": 80},
                    {"name": "https", "containerPort": 443},
                    {"name": "webhook", "containerPort": 8443},
                ],
            }
        ]
    }
    if host_network:
        pod["hostNetwork"] = True
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": NS, "labels": LABELS},
        "spec": {"selector": {"matchLabels": LABELS}, "template": {"metadata": {"labels": LABELS}, "spec": pod}},
    }


def nginx_configmap(**data: str) -> dict[str, Any]:
    return configmap("ingress-nginx-controller", NS, {"use-forwarded-headers": "true", **data})


def webhook_config() -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "ingress-nginx-admission"},
        "webhooks": [
            {
                "name": "validate.nginx.ingress.kubernetes.io",
                "clientConfig": {"service": {"namespace": NS, "name": "ingress-nginx-controller-admission"}},
            }
        ],
    }


def controller_policy(*rules: dict[str, Any], name: str = "controller") -> dict[str, Any]:
    return policy(
        name, NS, {"podSelector": {"matchLabels": LABELS}, "policyTypes": ["Ingress"], "ingress": list(rules)}
    )


def ingress(name: str, annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "shop", "annotations": annotations},
        "spec": {"rules": [{"host": f"{name}.example.com"}]},
    }


# --- which workloads are the controller -------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        "registry.k8s.io/ingress-nginx/controller:v1.11.3@sha256:" + "a" * 64,
        "k8s.gcr.io/ingress-nginx/controller:v1.1.1",
        "registry.k8s.io/ingress-nginx/controller-chroot:v1.10.0",
        "quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.26.1",
        "harbor.example.com/mirror/ingress-nginx/controller:v1.12.1",  # a pull-through mirror
        "registry.k8s.io/ingress-nginx/controller@sha256:" + "b" * 64,  # by digest alone
    ],
)
def test_the_controller_is_found_by_its_image(image: str) -> None:
    report = run([controller("", image=image)], "ingress-nginx.end-of-life")
    got = failing(report)
    assert set(got) == {"ingress-nginx-controller"}
    assert got["ingress-nginx-controller"].severity is Severity.HIGH
    assert "retired" in got["ingress-nginx-controller"].message
    assert got["ingress-nginx-controller"].container == "controller"


@pytest.mark.parametrize(
    "image",
    [
        "nginx/nginx-ingress:3.4.0",  # F5's NGINX Ingress Controller: another, maintained project
        "registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.4.0",  # the chart's certificate job
        "nginx:1.27",
        "example.com/ingress-nginx/controller-tools:v1",
    ],
)
def test_other_images_are_not_the_controller(image: str) -> None:
    report = run([controller("", image=image)], "ingress-nginx.end-of-life")
    assert summary(report).status is Status.PASS
    assert by_status(report, Status.FAIL) == []


def test_a_daemonset_controller_is_found_and_no_controller_passes() -> None:
    report = run([controller(kind="DaemonSet"), deployment("web")], "ingress-nginx.end-of-life")
    assert set(failing(report)) == {"ingress-nginx-controller"}
    for check in ("end-of-life", "cve-2025-1974", "snippets-allowed"):
        none = summary(run([deployment("web")], f"ingress-nginx.{check}"))
        assert none.status is Status.PASS and none.passed == none.failed == 0  # nothing judged, not scored


# --- CVE-2025-1974 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "affected"),
    [
        ("v1.11.4", True),
        ("v1.11.5", False),
        ("v1.12.0", True),
        ("v1.12.0-beta.0", True),
        ("v1.12.1", False),
        ("v1.13.0", False),
        ("v1.9.6", True),
        ("0.26.1", True),
    ],
)
def test_cve_2025_1974_by_version(tag: str, affected: bool) -> None:
    docs = [controller(tag), controller_policy({"ports": [{"port": 80}, {"port": 443}]})]
    report = run(docs, "ingress-nginx.cve-2025-1974")
    assert (summary(report).status is Status.FAIL) is affected


def test_cve_2025_1974_is_critical_when_pods_reach_the_webhook() -> None:
    docs = [controller("v1.11.3"), policy("other", "shop", {"podSelector": {}})]  # nothing isolates the controller
    got = failing(run(docs, "ingress-nginx.cve-2025-1974"))["ingress-nginx-controller"]
    assert got.severity is Severity.CRITICAL
    assert "CVE-2025-1974" in got.message and "no NetworkPolicy isolates" in got.message


@pytest.mark.parametrize(
    ("docs", "why"),
    [
        ([controller("v1.11.3", args=CHART_ARGS[:6])], "admission webhook is off"),
        (
            [controller("v1.11.3"), controller_policy({"from": [{"ipBlock": {"cidr": "10.0.0.10/32"}}]})],
            "only address blocks",
        ),
    ],
    ids=["webhook-off", "api-server-only"],
)
def test_cve_2025_1974_is_high_when_no_pod_reaches_the_webhook(docs: list[dict[str, Any]], why: str) -> None:
    got = failing(run([*docs, policy("other", "shop", {"podSelector": {}})], "ingress-nginx.cve-2025-1974"))
    assert got["ingress-nginx-controller"].severity is Severity.HIGH
    assert why in got["ingress-nginx-controller"].message


def test_cve_2025_1974_without_a_tag_is_not_assessable() -> None:
    image = "registry.k8s.io/ingress-nginx/controller@sha256:" + "c" * 64
    report = run([controller("", image=image)], "ingress-nginx.cve-2025-1974")
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "not in its tag" in by_status(report, Status.NOT_ASSESSABLE)[0].message


def test_cve_2025_1974_with_policies_unreadable_is_judged_reachable() -> None:
    facts = ClusterFactsSpec(source="live", kinds={"NetworkPolicy": Availability(status="forbidden", reason="403")})
    got = failing(run([controller("v1.12.0")], "ingress-nginx.cve-2025-1974", facts))["ingress-nginx-controller"]
    assert got.severity is Severity.CRITICAL and "could not be read" in got.message


# --- the admission webhook's reachability ----------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "failed", "severity", "why"),
    [
        ([{"ports": [{"port": 8443}]}], True, Severity.MEDIUM, "every source"),  # no `from`: anyone
        ([{}], True, Severity.MEDIUM, "every source"),
        ([{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}], True, Severity.MEDIUM, "every source"),
        ([{"from": [{"namespaceSelector": {}}], "ports": [{"port": "webhook"}]}], True, Severity.MEDIUM, "every"),
        ([{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}], True, Severity.LOW, "some pods"),
        ([{"from": [{"ipBlock": {"cidr": "10.0.0.10/32"}}], "ports": [{"port": 8443}]}], False, None, "address"),
        ([{"ports": [{"port": 80}, {"port": 443}]}], False, None, "allows no source"),
        ([{"ports": [{"port": 8000, "endPort": 9000}]}], True, Severity.MEDIUM, "every source"),
    ],
    ids=["no-from", "allow-all", "whole-space", "all-namespaces", "some-pods", "api-server", "proxy-only", "range"],
)
def test_admission_webhook_reachability(
    rules: list[dict[str, Any]], failed: bool, severity: Severity | None, why: str
) -> None:
    report = run([controller(), controller_policy(*rules), webhook_config()], "ingress-nginx.admission-webhook")
    if failed:
        got = failing(report)["ingress-nginx-controller"]
        assert got.severity is severity and why in got.message
        assert {e.path: e.value for e in got.evidence}["ValidatingWebhookConfigurations"] == ["ingress-nginx-admission"]
    else:
        assert summary(report).status is Status.PASS
        assert by_status(report, Status.FAIL) == []


def test_admission_webhook_open_without_policy_or_on_the_host_network() -> None:
    docs = [
        controller(),
        controller("v1.12.1", name="edge", host_network=True),
        policy("web", NS, {"podSelector": {"matchLabels": {"app": "web"}}}),
    ]
    got = failing(run(docs, "ingress-nginx.admission-webhook"))
    assert "no NetworkPolicy isolates" in got["ingress-nginx-controller"].message
    assert "host network" in got["edge"].message


def test_admission_webhook_not_served_passes_and_unreadable_policies_are_not_assessable() -> None:
    docs = [controller(args=CHART_ARGS[:6]), policy("x", "shop", {"podSelector": {}})]
    assert summary(run(docs, "ingress-nginx.admission-webhook")).status is Status.PASS
    report = run([controller()], "ingress-nginx.admission-webhook")  # the manifests hold no NetworkPolicy
    assert summary(report).status is Status.NOT_ASSESSABLE


# --- snippets ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "data", "allowed"),
    [
        ("v1.11.3", {"allow-snippet-annotations": "true"}, True),
        ("v1.11.3", {"allow-snippet-annotations": "True"}, True),  # Go's ParseBool, as the controller reads it
        ("v1.8.1", {"allow-snippet-annotations": "false"}, False),
        ("v1.8.1", {}, True),  # on by default before v1.9.0
        ("v1.9.0", {}, False),  # off by default since
        ("0.40.2", {"allow-snippet-annotations": "false"}, True),  # no switch before v0.49.1: always on
        ("v1.0.0", {"allow-snippet-annotations": "false"}, True),  # nor in v1.0.0
        ("v1.0.1", {"allow-snippet-annotations": "false"}, False),
    ],
)
def test_snippets_allowed(tag: str, data: dict[str, str], allowed: bool) -> None:
    report = run([controller(tag), nginx_configmap(**data)], "ingress-nginx.snippets-allowed")
    assert (summary(report).status is Status.FAIL) is allowed
    if allowed:
        assert failing(report)["ingress-nginx-controller"].severity is Severity.HIGH


def test_snippets_default_without_a_configmap_flag() -> None:
    args = [a for a in CHART_ARGS if not a.startswith("--configmap")]
    assert summary(run([controller("v1.12.1", args=args)], "ingress-nginx.snippets-allowed")).status is Status.PASS
    assert summary(run([controller("v1.5.1", args=args)], "ingress-nginx.snippets-allowed")).status is Status.FAIL


@pytest.mark.parametrize(
    ("docs", "reason"),
    [
        ([controller("v1.11.3")], "could not be read"),  # the manifests hold no ConfigMap
        ([controller(""), nginx_configmap()], "version (its default) is unknown"),
        ([controller("v1.11.3"), nginx_configmap(**{"allow-snippet-annotations": "yes"})], "not a boolean"),
    ],
    ids=["configmaps-unreadable", "digest-only", "not-a-boolean"],
)
def test_snippets_not_assessable(docs: list[dict[str, Any]], reason: str) -> None:
    report = run(docs, "ingress-nginx.snippets-allowed")
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert reason in by_status(report, Status.NOT_ASSESSABLE)[0].message


def test_a_snapshot_that_kept_only_key_names_is_not_read_as_unset() -> None:
    """A snapshot written before the switch was kept lists the key without its value."""
    old = {
        "metadata": {"name": "ingress-nginx-controller", "namespace": NS},
        "x-k8saudit-keys": ["allow-snippet-annotations"],
    }
    old |= {"apiVersion": "v1", "kind": "ConfigMap"}
    report = run([controller("v1.11.3"), old], "ingress-nginx.snippets-allowed")
    assert summary(report).status is Status.NOT_ASSESSABLE


def test_the_configmap_keeps_the_switch_and_no_other_value() -> None:
    data = {
        "allow-snippet-annotations": "true",
        "http-snippet": "map $a $b { default CANARY-1; }",
        "proxy-set-headers": "ingress-nginx/CANARY-2",
        "ssl-session-ticket-key": "CANARY-3",
    }
    cm = ConfigMap.model_validate(configmap("ingress-nginx-controller", NS, data))
    assert cm.allowSnippetAnnotations == "true"
    dumped = cm.dump()
    assert set(dumped) == {
        "apiVersion",
        "kind",
        "metadata",
        "x-k8saudit-keys",
        "x-k8saudit-credential",
        "x-k8saudit-allow-snippet-annotations",
    }
    assert "CANARY" not in json.dumps(dumped)
    assert [c.key for c in cm.credentialKeys] == ["ssl-session-ticket-key"]  # a name ending in key: classified
    odd = ConfigMap.model_validate(configmap("x", NS, {"allow-snippet-annotations": "CANARY-4"}))
    assert odd.allowSnippetAnnotations == "unrecognized" and "CANARY" not in json.dumps(odd.dump())
    assert ConfigMap.model_validate(dumped).allowSnippetAnnotations == "true"  # a snapshot reads it back
    plain = ConfigMap.model_validate(configmap("y", NS, {"a": "b"}))
    assert plain.allowSnippetAnnotations is None and "x-k8saudit-allow-snippet-annotations" not in plain.dump()


def test_snippet_annotations_on_ingresses() -> None:
    snippet = {"nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers 'X-Secret: CANARY-5';"}
    docs = [
        ingress("plain", {"nginx.ingress.kubernetes.io/ssl-redirect": "true"}),
        ingress("snippet", snippet),
        ingress("custom", {"acme.io/server-snippet": "return 200;"}),  # a custom prefix, no controller using it
        ingress("other", {"nginx.org/server-snippets": "return 200;"}),  # F5's controller: not ingress-nginx
    ]
    report = run(docs, "ingress-nginx.snippet-annotations")
    got = failing(report)
    assert set(got) == {"snippet"}
    assert got["snippet"].severity is Severity.MEDIUM
    assert "configuration-snippet" in got["snippet"].message
    assert "CANARY" not in report.model_dump_json()
    assert summary(report).passed == 3


def test_snippet_annotations_are_high_where_a_controller_accepts_them() -> None:
    args = [*CHART_ARGS, "--annotations-prefix=acme.io"]
    docs = [
        controller("v1.8.1", args=args),
        nginx_configmap(),
        ingress("custom", {"acme.io/server-snippet": "return 200;"}),
    ]
    got = failing(run(docs, "ingress-nginx.snippet-annotations"))
    assert got["custom"].severity is Severity.HIGH
    assert "ingress-nginx/ingress-nginx-controller" in got["custom"].message
