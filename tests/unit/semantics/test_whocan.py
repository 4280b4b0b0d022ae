"""`k8saudit who-can`: the question as parsed, the answer over the access model, and the command
line on manifests and on the demo (table and JSON, one-line errors)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from k8saudit.cli import main
from k8saudit.model.facts import ApiDiscovery, ApiResource, ClusterFactsSpec
from k8saudit.model.inventory import Inventory
from k8saudit.runtime.errors import InputError
from k8saudit.semantics.whocan import WhoCanAnswer, parse_query, who_can
from k8saudit.sources.files import load_manifests
from tests.conftest import make_inventory
from tests.unit.support.helpers import binding, cluster_role

CRB, RB = "ClusterRoleBinding", "RoleBinding"
DEFAULTS = {"kubernetes.io/bootstrapping": "rbac-defaults"}


def rule(verbs: list[str], groups: list[str], resources: list[str], names: list[str] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        doc["resourceNames"] = names
    return doc


def docs() -> list[dict[str, Any]]:
    debug = cluster_role("debug", rule(["create"], [""], ["pods/exec"]), rule(["get"], [""], ["nodes"]))
    one = cluster_role("one-pod", rule(["create"], [""], ["pods/exec"], ["web-0"]))
    deployer = cluster_role("deployer", rule(["update"], ["apps"], ["deployments"]))
    scheduler = {
        **cluster_role("system:kube-scheduler", rule(["get"], [""], ["nodes"])),
        "metadata": {"name": "system:kube-scheduler", "labels": DEFAULTS},
    }
    return [
        debug,
        one,
        deployer,
        scheduler,
        binding(CRB, "support", "debug", ("Group", "support")),
        binding(RB, "shop-debug", "debug", ("ServiceAccount", "shop/toolbox"), namespace="shop"),
        binding(RB, "ci-debug", "debug", ("User", "carol"), namespace="ci"),
        binding(RB, "one", "one-pod", ("User", "dave"), namespace="shop"),
        binding(CRB, "deployers", "deployer", ("ServiceAccount", "ci/deployer")),
        {
            **binding(CRB, "system:kube-scheduler", "system:kube-scheduler", ("User", "system:kube-scheduler")),
            "metadata": {"name": "system:kube-scheduler", "labels": DEFAULTS},
        },
    ]


def load_manifests_of(documents: list[dict[str, Any]]) -> Inventory:
    """`documents` read as a manifests file is (CRDs included)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "all.yaml"
        path.write_text(yaml.safe_dump_all(documents))
        return load_manifests([path])


def names(answer: WhoCanAnswer) -> list[str]:
    return [
        f"{s.subject.kind} {s.subject.namespace + '/' if s.subject.namespace else ''}{s.subject.name}"
        for s in answer.subjects
    ]


# --- the question -------------------------------------------------------------------------------


def test_parse_query_groups_subresources_and_urls() -> None:
    q = parse_query("Create", "pods/exec", namespace="shop")
    assert (q.verb, q.resource, q.subresource, q.apiGroup, q.namespace) == ("create", "pods", "exec", "", "shop")
    assert parse_query("list", "deployments").apiGroup == "apps"  # a well-known resource's group
    assert parse_query("list", "widgets.example.com").apiGroup == "example.com"
    assert parse_query("update", "deployments.apps/scale").subresource == "scale"
    assert parse_query("list", "deployments", api_group="extensions").apiGroup == "extensions"
    assert parse_query("list", "widgets").apiGroup == ""
    assert parse_query("approve", "signers").apiGroup == "certificates.k8s.io"
    assert parse_query("get", "/metrics").url == "/metrics"
    assert parse_query("get", "pods", namespace="shop").describe() == "get pods in namespace shop"
    assert parse_query("get", "pods", all_namespaces=True).describe() == "get pods in any namespace"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("get", "pods"), {"namespace": "a", "all_namespaces": True}, "not both"),
        (("get", "/metrics"), {"namespace": "a"}, "non-resource URL"),
        (("get", "pods/exec/x"), {}, "RESOURCE[/SUBRESOURCE]"),
        (("", "pods"), {}, "not a verb"),
    ],
)
def test_parse_query_refuses_what_makes_no_sense(args: tuple[str, str], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_query(*args, **kwargs)


# --- the answer ---------------------------------------------------------------------------------


def test_cluster_wide_only_clusterrolebindings_count() -> None:
    answer = who_can(make_inventory(docs()), parse_query("create", "pods/exec"))
    assert names(answer) == ["Group support"]
    (grant,) = answer.subjects[0].grants
    assert (grant.binding.name, grant.role.name, grant.rule, grant.namespace) == ("support", "debug", 0, None)
    assert grant.permissions == ["create pods/exec"]


def test_in_a_namespace_its_rolebindings_count_and_names_need_a_name() -> None:
    inv = make_inventory(docs())
    assert names(who_can(inv, parse_query("create", "pods/exec", namespace="shop"))) == [
        "Group support",
        "ServiceAccount shop/toolbox",
    ]
    named = who_can(inv, parse_query("create", "pods/exec", namespace="shop", name="web-0"))
    assert "User dave" in names(named)
    dave = next(s for s in named.subjects if s.subject.name == "dave")
    assert dave.grants[0].resourceNames == ["web-0"]


def test_all_namespaces_says_where_each_grant_applies() -> None:
    answer = who_can(make_inventory(docs()), parse_query("create", "pods/exec", all_namespaces=True))
    where = {(s.subject.name, g.namespace) for s in answer.subjects for g in s.grants}
    assert where == {("support", None), ("toolbox", "shop"), ("carol", "ci")}


def test_cluster_scoped_resources_ignore_rolebindings_and_defaults_are_marked() -> None:
    answer = who_can(make_inventory(docs()), parse_query("get", "nodes", all_namespaces=True))
    assert names(answer) == ["User system:kube-scheduler", "Group support"]
    assert answer.subjects[0].builtIn and not answer.subjects[1].builtIn


def test_bind_clusterroles_is_asked_in_the_rolebindings_namespace() -> None:
    """Issue 15 item 15. Creating a RoleBinding to a ClusterRole makes the API server check `bind`
    on that ClusterRole *in the RoleBinding's namespace* (`BindingAuthorized`,
    pkg/registry/rbac/escalation_check.go: `Namespace: bindingNamespace`), so that namespace's
    RoleBindings can allow it although clusterroles are cluster-scoped. `escalate` is checked on
    the ClusterRole's own write, which carries no namespace."""
    binder = cluster_role("binder", rule(["bind", "escalate"], ["rbac.authorization.k8s.io"], ["clusterroles"]))
    inv = make_inventory(
        [
            binder,
            binding(RB, "lead-binds", "binder", ("User", "lead"), namespace="team"),
            binding(RB, "other-binds", "binder", ("User", "other"), namespace="elsewhere"),
            binding(CRB, "root-binds", "binder", ("User", "root")),
        ]
    )
    assert names(who_can(inv, parse_query("bind", "clusterroles", namespace="team"))) == ["User lead", "User root"]
    assert names(who_can(inv, parse_query("bind", "clusterroles"))) == ["User root"]
    everywhere = who_can(inv, parse_query("bind", "clusterroles", all_namespaces=True))
    assert {(s.subject.name, g.namespace) for s in everywhere.subjects for g in s.grants} == {
        ("lead", "team"),
        ("other", "elsewhere"),
        ("root", None),
    }
    assert names(who_can(inv, parse_query("escalate", "clusterroles", namespace="team"))) == ["User root"]


def _holders_everywhere(resource: str, group: str) -> list[dict[str, Any]]:
    """A ClusterRole on `resource` of `group`, held cluster-wide by `root` and in `team` by `lead`."""
    role = cluster_role("r", rule(["get", "list"], [group], [resource]))
    return [
        role,
        binding(CRB, "root-r", "r", ("User", "root")),
        binding(RB, "lead-r", "r", ("User", "lead"), namespace="team"),
    ]


@pytest.mark.parametrize(
    ("resource", "group"),
    [
        ("flowschemas", "flowcontrol.apiserver.k8s.io"),
        ("prioritylevelconfigurations", "flowcontrol.apiserver.k8s.io"),
        ("clustertrustbundles", "certificates.k8s.io"),
        ("ipaddresses", "networking.k8s.io"),
        ("servicecidrs", "networking.k8s.io"),
        ("deviceclasses", "resource.k8s.io"),
        ("devicetaintrules", "resource.k8s.io"),
        ("resourceslices", "resource.k8s.io"),
        ("csinodes", "storage.k8s.io"),
        ("volumeattributesclasses", "storage.k8s.io"),
        ("storageversionmigrations", "storagemigration.k8s.io"),
        ("mutatingadmissionpolicies", "admissionregistration.k8s.io"),
        ("mutatingadmissionpolicybindings", "admissionregistration.k8s.io"),
        ("componentstatuses", ""),
        ("selfsubjectreviews", "authentication.k8s.io"),
        ("selfsubjectrulesreviews", "authorization.k8s.io"),
        ("userextras", "authentication.k8s.io"),
        ("uids", "authentication.k8s.io"),
    ],
)
def test_every_cluster_scoped_built_in_ignores_rolebindings(resource: str, group: str) -> None:
    """Issue 15 item 14: the hand list lacked these cluster-scoped resources v1.37 serves (and the
    impersonation-only uids and userextras), so `-n NS` listed RoleBinding holders who get 403."""
    inv = make_inventory(_holders_everywhere(resource, group))
    query = parse_query("get", resource, namespace="team")
    assert query.apiGroup == group  # the bare name resolves to its group
    assert names(who_can(inv, query)) == ["User root"]


def test_scope_is_keyed_by_group_a_namespaced_crd_named_like_a_built_in() -> None:
    """A CRD `nodes.longhorn.io` is namespaced: its RoleBinding holders may get it in their
    namespace, although core `nodes` is cluster-scoped. Scope comes from the cluster's discovery,
    from the CRDs of manifests, else from the built-in table."""
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "nodes.longhorn.io"},
        "spec": {
            "group": "longhorn.io",
            "scope": "Namespaced",
            "names": {"plural": "nodes", "kind": "Node"},
            "versions": [{"name": "v1beta2", "served": True, "storage": True}],
        },
    }
    docs = _holders_everywhere("nodes", "longhorn.io")
    with_crd = load_manifests_of([crd, *docs])
    assert with_crd.facts.customResources[0].namespaced
    longhorn = parse_query("get", "nodes.longhorn.io", namespace="team")
    assert names(who_can(with_crd, longhorn)) == ["User lead", "User root"]
    core = make_inventory(_holders_everywhere("nodes", ""))
    assert names(who_can(core, parse_query("get", "nodes", namespace="team"))) == ["User root"]
    # Live: the cluster's discovery says the same, and resolves a bare custom resource name.
    discovered = ClusterFactsSpec(
        source="live",
        apiDiscovery=ApiDiscovery(
            resources=[
                ApiResource(group="", version="v1", resource="nodes", kind="Node", namespaced=False),
                ApiResource(group="longhorn.io", version="v1beta2", resource="nodes", kind="Node", namespaced=True),
                ApiResource(group="argoproj.io", version="v1alpha1", resource="applications", namespaced=True),
            ]
        ),
    )
    live = make_inventory(docs, discovered)
    assert names(who_can(live, longhorn)) == ["User lead", "User root"]
    apps = make_inventory(_holders_everywhere("applications", "argoproj.io"), discovered)
    answer = who_can(apps, parse_query("list", "applications", namespace="team"))
    assert answer.query.apiGroup == "argoproj.io" and names(answer) == ["User lead", "User root"]


def test_groups_and_wildcards_follow_the_authorizer() -> None:
    inv = make_inventory(docs())
    assert names(who_can(inv, parse_query("update", "deployments"))) == ["ServiceAccount ci/deployer"]
    assert names(who_can(inv, parse_query("update", "deployments", api_group=""))) == []
    # Built-in roles fill in for manifests: cluster-admin holders can do anything.
    admin = make_inventory([binding(CRB, "root", "cluster-admin", ("User", "root"))])
    answer = who_can(admin, parse_query("delete", "widgets.example.com"))
    assert names(answer) == ["User root"]
    assert answer.subjects[0].grants[0].assumedRole and answer.subjects[0].grants[0].fullWildcard


def test_non_resource_urls() -> None:
    scraper = cluster_role("scraper", {"nonResourceURLs": ["/metrics"], "verbs": ["get"]})
    inv = make_inventory([scraper, binding(CRB, "prom", "scraper", ("ServiceAccount", "mon/prometheus"))])
    answer = who_can(inv, parse_query("get", "/metrics"))
    assert names(answer) == ["ServiceAccount mon/prometheus"]
    assert answer.subjects[0].grants[0].permissions == ["get /metrics"]


def test_nothing_to_answer_from_is_not_assessable() -> None:
    answer = who_can(make_inventory([cluster_role("x")]), parse_query("get", "pods"))
    assert answer.status == "not-assessable" and answer.subjects == []


# --- the command line ---------------------------------------------------------------------------


class Run(NamedTuple):
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real console entry point, in-process."""

    def invoke(*args: str) -> Run:
        monkeypatch.setattr(sys, "argv", ["k8saudit", *args])
        monkeypatch.delenv("K8SAUDIT_DEBUG", raising=False)
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "rbac.yaml"
    path.write_text(yaml.safe_dump_all(docs()))
    return path


def test_cli_table_on_manifests(cli: Any, manifests: Path) -> None:
    run = cli("who-can", "create", "pods/exec", "-n", "shop", "--manifests", str(manifests))
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0] == "Who can create pods/exec in namespace shop:"
    assert lines[1].split() == ["SUBJECT", "WHERE", "BINDING", "ROLE", "RULE", "DEFAULT"]
    assert any(
        line.split()[:8]
        == [
            "ServiceAccount",
            "shop/toolbox",
            "shop",
            "RoleBinding",
            "shop/shop-debug",
            "ClusterRole",
            "debug",
            "rules[0]",
        ]
        for line in lines
    ), run.out
    assert lines[-1] == "Members of Group system:masters are allowed everything, without a binding."


def test_cli_json_on_manifests(cli: Any, manifests: Path) -> None:
    run = cli("who-can", "get", "nodes", "--manifests", str(manifests), "--format", "json")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert data["query"]["resource"] == "nodes" and data["status"] == "complete"
    assert [(s["subject"]["name"], s["builtIn"]) for s in data["subjects"]] == [
        ("system:kube-scheduler", True),
        ("support", False),
    ]
    assert data["subjects"][1]["grants"][0]["binding"]["name"] == "support"


def test_cli_on_the_demo(cli: Any) -> None:
    run = cli("who-can", "list", "secrets", "-A", "--demo")
    assert run.code == 0, run.err
    assert "ServiceAccount logging/fluent-bit" in run.out
    assert "RoleBinding payments/cart-reads-payment-secrets" in run.out
    exec_run = cli("who-can", "create", "pods/exec", "--demo", "--format", "json")
    subjects = {s["subject"]["name"] for s in json.loads(exec_run.out)["subjects"]}
    assert {"support", "dev@example.com", "deployer"} <= subjects


def test_cli_errors_are_one_line(cli: Any, manifests: Path) -> None:
    run = cli("who-can", "get", "pods", "-n", "a", "-A", "--manifests", str(manifests))
    assert run.code == 2 and run.out == ""
    assert run.err.strip().count("\n") == 0 and "not both" in run.err
    both = cli("who-can", "get", "pods", "--demo", "--manifests", str(manifests))
    assert both.code == 2 and "only one of" in both.err
