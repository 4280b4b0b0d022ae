"""Proofs 5 and 7: what the scanner's identity may do, against the real authorizer.

5. Least privilege: the ClusterRole users are told to grant (from `deploy/` once it exists,
   else the one README.md documents) is bound to a ServiceAccount, a token is minted for it
   through TokenRequest, and a full live scan with that token loses nothing to permissions;
   the same token is refused Secrets and every verb that changes a stored object, asked both
   through SelfSubjectAccessReview and by really attempting writes.
7. Partial permission: a user whose ClusterRole lacks NetworkPolicies still gets a written
   report, in which the checks that need them are `not-assessable` because the list was forbidden.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8saudit.checks.registry import all_checks
from k8saudit.model.kinds import KINDS
from tests.integration.runcli import invoke
from tests.realapi.harness import ApiServer
from tests.realapi.support import scan_report

pytestmark = pytest.mark.apiserver

REPO = Path(__file__).resolve().parents[2]
#: Every verb that changes a stored object (DESIGN.md: "refused every write").
WRITE_VERBS = ("create", "update", "patch", "delete", "deletecollection")
RBAC_V1 = "rbac.authorization.k8s.io/v1"


@dataclass(frozen=True)
class Scanner:
    """The scanner's identity as we ship it: what to apply, its ClusterRole, its ServiceAccount."""

    documents: list[dict[str, Any]]
    role: dict[str, Any]
    namespace: str
    service_account: str
    source: str


def scanner_identity() -> Scanner:
    """From `deploy/base` once it exists (its Namespace, ServiceAccount, ClusterRole and
    ClusterRoleBinding, applied as they are); until then the ClusterRole README.md documents,
    bound to a ServiceAccount `k8saudit/k8saudit` made here."""
    base = REPO / "deploy" / "base"
    if base.is_dir():
        docs = [
            doc
            for path in sorted(base.glob("*.y*ml"))
            for doc in yaml.safe_load_all(path.read_text())
            if isinstance(doc, dict)
            and doc.get("kind") in ("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding")
        ]
        (role,) = [d for d in docs if d["kind"] == "ClusterRole"]
        (crb,) = [
            d for d in docs if d["kind"] == "ClusterRoleBinding" and d["roleRef"]["name"] == role["metadata"]["name"]
        ]
        (subject,) = [s for s in crb["subjects"] if s["kind"] == "ServiceAccount"]
        return Scanner(docs, role, subject["namespace"], subject["name"], "deploy/base")
    readme = (REPO / "README.md").read_text()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", readme, re.S)]
    (role,) = [b for b in blocks if isinstance(b, dict) and b.get("kind") == "ClusterRole"]
    docs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "k8saudit"}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "k8saudit", "namespace": "k8saudit"}},
        role,
        binding(
            "k8saudit-scanner",
            role["metadata"]["name"],
            {"kind": "ServiceAccount", "name": "k8saudit", "namespace": "k8saudit"},
        ),
    ]
    return Scanner(docs, role, "k8saudit", "k8saudit", "README.md")


def named(role: dict[str, Any], name: str) -> dict[str, Any]:
    role = copy.deepcopy(role)
    role["metadata"] = {"name": name}
    return role


def binding(name: str, role: str, subject: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": RBAC_V1,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [subject],
    }


def not_assessable(report: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["reason"] or "" for c in report["checks"] if c["status"] == "not-assessable"}


# --- 5. least privilege ---------------------------------------------------------------------------


SCANNER = scanner_identity()


@pytest.fixture(scope="module")
def scanner_token(apiserver: ApiServer) -> str:
    apiserver.admin.apply_all(SCANNER.documents)
    apiserver.admin.wait_for_authorizer()
    return apiserver.admin.token_request(SCANNER.namespace, SCANNER.service_account)


def test_the_scanner_identity_is_what_we_ship() -> None:
    expected = "deploy/base" if (REPO / "deploy" / "base").is_dir() else "README.md"
    assert SCANNER.source == expected
    assert SCANNER.role["apiVersion"] == RBAC_V1 and SCANNER.role["rules"]


def test_a_scan_with_the_scanner_role_loses_nothing_to_permissions(
    apiserver: ApiServer, realistic: list[dict[str, Any]], scanner_token: str, admin_kubeconfig: Path, tmp_path: Path
) -> None:
    scanner = apiserver.client(None, token=scanner_token)
    assert scanner.whoami()["username"] == f"system:serviceaccount:{SCANNER.namespace}:{SCANNER.service_account}"
    kubeconfig = apiserver.kubeconfig(tmp_path / "scanner.yaml", "k8saudit", token=scanner_token)

    report = scan_report("--kubeconfig", kubeconfig)
    admin_report = scan_report("--kubeconfig", admin_kubeconfig)

    assert not [r for r in not_assessable(report).values() if re.search(r"forbidden|403|permission", r, re.I)]
    assert not_assessable(report) == not_assessable(admin_report)  # cluster-admin sees no more
    assert report["findings"] == admin_report["findings"]
    snapshot = tmp_path / "snapshot.json"
    collected = invoke("collect", "--kubeconfig", kubeconfig, "--output", snapshot)
    assert collected.exit_code == 0 and "could not read" not in collected.stderr, collected.stderr
    (facts,) = [i for i in json.loads(snapshot.read_text())["items"] if i["kind"] == "ClusterFacts"]
    assert {k: v["status"] for k, v in facts["spec"]["kinds"].items()} == {k.kind: "ok" for k in KINDS}


def test_the_scanner_token_reads_what_it_needs_and_nothing_else(apiserver: ApiServer, scanner_token: str) -> None:
    scanner = apiserver.client(None, token=scanner_token)

    def may(verb: str, group: str, resource: str, namespace: str | None = None, **kw: Any) -> bool:
        return scanner.self_access_review(verb=verb, group=group, resource=resource, namespace=namespace, **kw)

    # what the collector does is allowed (so the refusals below are not a broken token)
    for info in KINDS:
        for namespace in (None, "prod"):
            assert may("list", info.group, info.resource, namespace), (info.resource, namespace)
    # Secrets: never
    refused: list[str] = []
    for verb in ("get", "list", "watch", *WRITE_VERBS):
        for namespace in (None, "prod", SCANNER.namespace):
            if may(verb, "", "secrets", namespace, name="db-credentials" if verb in ("get", "update") else None):
                refused.append(f"{verb} secrets in {namespace or 'all namespaces'} is ALLOWED")
    # every write, on every kind it reads (and on the subresources that act like writes)
    targets = [(i.group, i.resource, None) for i in KINDS] + [
        ("", "pods", "exec"),
        ("", "pods", "attach"),
        ("", "pods", "eviction"),
        ("", "pods", "ephemeralcontainers"),
        ("", "serviceaccounts", "token"),
        ("", "nodes", "proxy"),
        ("apps", "deployments", "scale"),
    ]
    for group, resource, sub in targets:
        for verb in WRITE_VERBS:
            for namespace in (None, "prod"):
                if may(verb, group, resource, namespace, subresource=sub):
                    refused.append(f"{verb} {resource}{'/' + sub if sub else ''} in {namespace} is ALLOWED")
    for verb in ("bind", "escalate", "impersonate"):
        for group, resource in (("rbac.authorization.k8s.io", "clusterroles"), ("", "users"), ("", "groups")):
            if may(verb, group, resource):
                refused.append(f"{verb} {resource} is ALLOWED")
    assert refused == []


def test_the_scanner_token_is_refused_real_secret_reads_and_writes(
    apiserver: ApiServer, realistic: list[dict[str, Any]], scanner_token: str
) -> None:
    scanner = apiserver.client(None, token=scanner_token)
    role = SCANNER.role
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "planted", "namespace": "prod"}}
    attempts: list[tuple[str, str, Any, dict[str, str]]] = [
        ("GET", "/api/v1/secrets", None, {}),
        ("GET", "/api/v1/namespaces/prod/secrets", None, {}),
        ("GET", "/api/v1/namespaces/prod/secrets/db-credentials", None, {}),
        ("POST", "/api/v1/namespaces/prod/configmaps", config_map, {}),
        ("POST", "/api/v1/namespaces/prod/secrets", {**config_map, "kind": "Secret"}, {}),
        ("PATCH", "/api/v1/namespaces/prod", {"metadata": {"labels": {"owned": "yes"}}}, {}),
        ("PUT", f"/apis/rbac.authorization.k8s.io/v1/clusterroles/{role['metadata']['name']}", role, {}),
        ("DELETE", "/apis/apps/v1/namespaces/prod/deployments/web", None, {}),
        ("DELETE", "/api/v1/namespaces/prod/configmaps", None, {}),  # deletecollection
        (
            "POST",
            f"/api/v1/namespaces/{SCANNER.namespace}/serviceaccounts/{SCANNER.service_account}/token",
            {"spec": {}},
            {},
        ),
    ]
    answers = []
    for method, path, body, _ in attempts:
        content_type = "application/merge-patch+json" if method == "PATCH" else "application/json"
        answers.append((method, path, scanner.request(method, path, body, content_type=content_type).status))
    assert [a for a in answers if a[2] != 403] == []
    # and nothing changed
    admin = apiserver.admin
    assert admin.request("GET", "/api/v1/namespaces/prod/configmaps/planted").status == 404
    assert "owned" not in admin.call("GET", "/api/v1/namespaces/prod")["metadata"].get("labels", {})
    assert admin.request("GET", "/apis/apps/v1/namespaces/prod/deployments/web").status == 200
    assert admin.call("GET", "/api/v1/namespaces/prod/configmaps")["items"]


# --- 7. partial permission ------------------------------------------------------------------------


def test_a_user_who_cannot_list_networkpolicies_gets_a_report_with_forbidden_gaps(
    apiserver: ApiServer, realistic: list[dict[str, Any]], scanner_token: str, tmp_path: Path
) -> None:
    role = named(SCANNER.role, "k8saudit-partial")
    for rule in role["rules"]:
        rule["resources"] = [r for r in rule.get("resources", []) if r != "networkpolicies"]
    role["rules"] = [r for r in role["rules"] if r["resources"] or r.get("nonResourceURLs")]
    apiserver.admin.apply_all(
        [
            role,
            binding(
                "k8saudit-partial",
                "k8saudit-partial",
                {"kind": "User", "name": "partial", "apiGroup": "rbac.authorization.k8s.io"},
            ),
        ]
    )
    apiserver.admin.wait_for_authorizer()
    partial = apiserver.client("partial")
    assert not partial.self_access_review(verb="list", group="networking.k8s.io", resource="networkpolicies")
    assert partial.self_access_review(verb="list", group="networking.k8s.io", resource="ingresses")
    out = tmp_path / "reports"

    result = invoke("scan", "--kubeconfig", apiserver.kubeconfigs["partial"], "--output-dir", out, "--quiet")

    assert result.exit_code == 0, (result.stderr, result.exception)
    assert {p.name for p in out.iterdir()} >= {"report.html", "report.md", "report.json"}
    report = json.loads((out / "report.json").read_text())
    readers = {c.id for c in all_checks() if "NetworkPolicy" in c.reads}  # needed, not merely also read
    assert "net.default-deny" in readers
    gaps = not_assessable(report)
    for check in readers:
        assert check in gaps and "forbidden" in gaps[check], (check, gaps.get(check))
    assert "forbidden" in report["coverage"]["gaps"]["NetworkPolicy"]
    # and nothing else: the full scanner role loses exactly those checks fewer
    scanner = apiserver.kubeconfig(tmp_path / "scanner.yaml", "k8saudit", token=scanner_token)
    assert set(gaps) - readers == set(not_assessable(scan_report("--kubeconfig", scanner)))
    assert any(c["status"] == "fail" for c in report["checks"] if c["id"] == "pod.privileged")
    assert "net.default-deny" in (out / "report.md").read_text()
