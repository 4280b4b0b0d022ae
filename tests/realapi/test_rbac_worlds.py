"""Seeded random RBAC worlds against the real authorizer (issue 15 item 17).

Each world (`tests/rbac_worlds.py`) is loaded into a kube-apiserver of its own with the real
ClusterRole aggregation controller beside it, read back by the live collector (discovery
included, as the CLI reads a cluster), and every identity (every subject a binding names, as
`identity_of` gives it, plus users in several groups, every ServiceAccount and anonymous) is
asked, through SubjectAccessReviews, every question of the world: each risky permission of the
catalogue cluster-wide and in every namespace, the world's random requests (wildcards,
subresources, names including the empty one, CRDs named like built-ins, cluster-scoped resources
asked in a namespace, `bind` on clusterroles) and non-resource URLs. Then, in both directions:

- `can` (the engine, in the CLI's aggregation mode) answers exactly what the server answers;
- `who-can` (`semantics.whocan`, the command's code path) lists a subject applying to an identity
  exactly when the server allows that identity the request as the API server would receive it
  (no namespace for a cluster-scoped resource, except `bind` on clusterroles);
- the access review (`AccessModel.review`, what reports and the checks read) holds a grant
  covering an identity exactly when the server allows it, and every grant it lists is allowed;
- the world's manifests alone, aggregated by k8saudit as the controller will (the built-in roles
  filled in), predict every answer the server gives once the real controller has run.

Seeds and size: `K8SAUDIT_RBAC_WORLDS` (default `1,2,3`; `1-50` for a range) and
`K8SAUDIT_RBAC_WORLD_SCALE` (default 1: ~40 identities, 8 of them sampled from the bootstrap
bindings, x ~220 questions, about 9,000 reviews per world; from 2 on, bigger worlds and every
bootstrap identity). docs/testing.md ("Real API server tier") says how to run a bigger sweep.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml

from k8saudit.model.inventory import Inventory
from k8saudit.semantics.access import AccessModel
from k8saudit.semantics.rbac import RBAC_GROUP, STANDARD_VERBS, RbacIndex, SubjectRef, identity_of
from k8saudit.semantics.risky import RISKY_PERMISSIONS, Scope
from k8saudit.semantics.whocan import parse_query, who_can
from k8saudit.sources.files import load_manifests
from k8saudit.sources.live import LiveOptions, collect_live
from tests import gen_builtin_resources, rbac_worlds
from tests.rbac_worlds import Request, World
from tests.realapi.harness import AGGREGATION_CONTROLLER, ApiServer, Client, controller_manager
from tests.realapi.support import TIMINGS, start_server

pytestmark = pytest.mark.apiserver

Identity = tuple[str, tuple[str, ...]]
#: (user, groups, verb, group, resource, subresource, namespace, name, path)
Sar = tuple[str, tuple[str, ...], str, str, str, str, str, str, str]


def _seeds() -> list[int]:
    text = os.environ.get("K8SAUDIT_RBAC_WORLDS", "1,2,3")
    seeds: list[int] = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        seeds.extend(range(int(low), int(high) + 1) if dash else [int(low)])
    return seeds


SCALE = int(os.environ.get("K8SAUDIT_RBAC_WORLD_SCALE", "1"))


class Oracle:
    """SubjectAccessReviews, asked concurrently, each once."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.answers: dict[Sar, bool] = {}

    def ask(self, questions: Iterator[Sar] | Sequence[Sar]) -> None:
        missing = sorted({q for q in questions if q not in self.answers})

        def one(q: Sar) -> bool:
            user, groups, verb, group, resource, sub, ns, name, path = q
            if path:
                return self.client.subject_access_review(user, groups, verb=verb, path=path)
            return self.client.subject_access_review(
                user, groups, verb=verb, resource=resource, group=group, subresource=sub or None,
                namespace=ns or None, name=name or None,
            )  # fmt: skip

        for q, allowed in zip(missing, self.client.map_concurrently(one, missing, workers=8), strict=True):
            self.answers[q] = allowed

    def __getitem__(self, q: Sar) -> bool:
        return self.answers[q]


def sar(identity: Identity, r: Request, namespace: str | None = None) -> Sar:
    ns = r.namespace if namespace is None else namespace
    return (*identity, r.verb, r.group, r.resource, r.subresource, ns, r.name, "")


@dataclass
class Loaded:
    world: World
    server: ApiServer
    inventory: Inventory
    oracle: Oracle
    identities: list[Identity]
    #: (group, resource) -> namespaced, as the server's own discovery says (plus the
    #: authorization-only resources, which impersonation checks without a namespace).
    scopes: dict[tuple[str, str], bool]


def _wait_for_crds(client: Client, world: World, timeout: float = 60.0) -> None:
    """Until discovery serves the world's CRDs (they are Established a moment after creation)."""
    deadline = time.monotonic() + timeout
    while client.request("GET", f"/apis/{world.crd_group}/v1").status != 200:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the CRDs of group {world.crd_group} were not served within {timeout:.0f}s")
        time.sleep(0.2)
    # every plural listed, not just the group
    wanted = {d["spec"]["names"]["plural"] for d in world.crds}
    while {r["name"] for r in client.call("GET", f"/apis/{world.crd_group}/v1")["resources"]} < wanted:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not every CRD of {world.crd_group} was served within {timeout:.0f}s")
        time.sleep(0.2)


#: How many identities of the bootstrap bindings (controllers, nodes, kubeadm-less defaults) each
#: world asks about besides its own (all of them from scale 2 on: about 50 more).
BOOTSTRAP_SAMPLE = 8


def _identities(world: World, inv: Inventory) -> list[Identity]:
    """Every subject the world's bindings name (as `identity_of` gives it), the world's own
    identities, and a seeded sample of the subjects of the bootstrap bindings."""
    ours: set[Identity] = set(world.identities)
    others: set[Identity] = set()
    for ref, bindings in RbacIndex(inv).bindings_by_subject().items():
        user, groups = identity_of(ref)
        mine = any(b.name.startswith(world.prefix) or (b.namespace or "") in world.namespaces for b in bindings)
        (ours if mine else others).add((user, tuple(groups)))
    sample = sorted(others - ours)
    if SCALE < 2:
        sample = random.Random(world.seed).sample(sample, min(BOOTSTRAP_SAMPLE, len(sample)))
    return sorted(ours | set(sample))


@pytest.fixture(scope="module", params=_seeds(), ids=lambda seed: f"world{seed}")
def loaded(request: pytest.FixtureRequest, binaries: Path) -> Iterator[Loaded]:
    if controller_manager(binaries) is None:
        pytest.skip("no kube-controller-manager for the ClusterRole aggregation controller (tests/apiserver/build.sh)")
    seed: int = request.param
    started = time.perf_counter()
    world = rbac_worlds.world(seed, SCALE)
    server = start_server(binaries, f"world{seed}", controllers=(AGGREGATION_CONTROLLER,))
    try:
        admin = server.admin
        admin.apply_all(world.crds, workers=1)
        _wait_for_crds(admin, world)
        admin.apply_all([d for d in world.documents if d["kind"] != "CustomResourceDefinition"])
        admin.wait_for_aggregation()
        admin.wait_for_authorizer()
        inv = collect_live(LiveOptions(kubeconfig=server.kubeconfigs["admin"]))
        scopes = {(r["group"], r["resource"]): r["namespaced"] for r in gen_builtin_resources.served(admin)}
        scopes.update({(r["group"], r["resource"]): False for r in gen_builtin_resources.AUTHORIZATION_ONLY})
        TIMINGS[f"world {seed}: server, load, aggregation, collect"] = time.perf_counter() - started
        yield Loaded(world, server, inv, Oracle(admin), _identities(world, inv), scopes)
    finally:
        server.stop()


def _catalogue(world: World) -> list[Request]:
    """Every risky permission cluster-wide and in every namespace (cluster-scoped ones cluster-wide)."""
    namespaces = ["", *world.namespaces, f"w{world.seed}-unbound"]
    return [
        Request(p.verb, p.api_group, p.resource, p.subresource, ns)
        for p in RISKY_PERMISSIONS
        for ns in (namespaces if p.scope is Scope.ANY else [""])
    ]


def _timed(what: str, seed: int, started: float) -> None:
    TIMINGS[f"world {seed}: {what}"] = TIMINGS.get(f"world {seed}: {what}", 0.0) + time.perf_counter() - started


def test_can_is_the_authorizer(loaded: Loaded) -> None:
    started = time.perf_counter()
    world, oracle = loaded.world, loaded.oracle
    requests = [*_catalogue(world), *world.requests]
    urls = [(*i, u.verb, "", "", "", "", "", u.path) for i in loaded.identities for u in world.urls]
    oracle.ask([*(sar(i, r) for i in loaded.identities for r in requests), *urls])
    engine = RbacIndex(loaded.inventory)  # the CLI's aggregation mode, as AccessModel builds it
    wrong = [
        f"{user} {list(groups)} {r}: k8saudit {ours}, server {oracle[sar((user, groups), r)]}"
        for user, groups in loaded.identities
        for r in requests
        if (ours := engine.can(user, groups, r.verb, r.resource, api_group=r.group, subresource=r.subresource,
                               namespace=r.namespace, name=r.name)) != oracle[sar((user, groups), r)]
    ]  # fmt: skip
    wrong += [
        f"{q[0]} {list(q[1])} {q[2]} {q[8]}: k8saudit {not oracle[q]}, server {oracle[q]}"
        for q in urls
        if engine.can_url(q[0], q[1], q[2], q[8]) != oracle[q]
    ]
    _timed("can", world.seed, started)
    assert wrong == []
    allowed = sum(oracle[sar(i, r)] for i in loaded.identities for r in requests)
    total = len(loaded.identities) * len(requests)
    assert 0.01 * total < allowed < 0.9 * total, (allowed, total)  # a mix, not one answer
    assert len(loaded.identities) >= 20 and len(requests) >= 150


def _applies(subject: SubjectRef, user: str, groups: Sequence[str]) -> bool:
    if subject.kind == "Group":
        return subject.name in groups
    return subject.username == user


def _real_namespace(loaded: Loaded, r: Request) -> str:
    """The namespace of the request the API server would really receive for `r`: none for a
    cluster-scoped resource, except `bind` on clusterroles (checked in the RoleBinding's)."""
    if r.verb == "bind" and r.group == RBAC_GROUP and r.resource == "clusterroles":
        return r.namespace
    return "" if loaded.scopes.get((r.group, r.resource)) is False else r.namespace


def test_who_can_is_the_authorizer(loaded: Loaded) -> None:
    started = time.perf_counter()
    world, oracle, inv = loaded.world, loaded.oracle, loaded.inventory
    requests = [*_catalogue(world), *world.requests]
    oracle.ask(sar(i, r, _real_namespace(loaded, r)) for i in loaded.identities for r in requests)
    wrong = []
    for r in requests:
        query = parse_query(r.verb, r.combined, namespace=r.namespace or None, api_group=r.group, name=r.name or None)
        answer = who_can(inv, query)
        assert answer.status == "complete", answer.reason
        listed = [SubjectRef(s.subject.kind, s.subject.name, s.subject.namespace) for s in answer.subjects]
        for user, groups in loaded.identities:
            server = oracle[sar((user, groups), r, _real_namespace(loaded, r))]
            ours = any(_applies(s, user, groups) for s in listed)
            if ours != server:
                wrong.append(f"who-can {query.describe()} for {user} {list(groups)}: k8saudit {ours}, server {server}")
    _timed("who-can", world.seed, started)
    assert wrong == []


def _only_named(names: Sequence[str]) -> bool:
    """Names that keep out a request without a name: some, and not the empty one
    (`ResourceNameMatches` compares the request's name, "" when it names nothing)."""
    return bool(names) and "" not in names


def _everything(identity: Identity, r: Request) -> list[Sar]:
    """What the server must allow for "every verb on every resource" (the `all` family): `*`, or
    every standard verb (issue 15 item 10: spelling them out on `*`/`*` is cluster-admin too)."""
    return [sar(identity, r), *(sar(identity, replace(r, verb=verb)) for verb in sorted(STANDARD_VERBS))]


def _allowed(oracle: Oracle, identity: Identity, r: Request, everything: bool) -> bool:
    if not everything:
        return oracle[sar(identity, r)]
    literal, *spelled = _everything(identity, r)
    return oracle[literal] or all(oracle[q] for q in spelled)


def test_the_access_review_is_the_authorizer(loaded: Loaded) -> None:
    started = time.perf_counter()
    world, oracle = loaded.world, loaded.oracle
    rows = AccessModel(loaded.inventory).review
    # Every grant listed is allowed, at its scope (for its first name when names restrict it).
    listed: list[tuple[str, Identity, Request, bool]] = []
    for row in rows:
        p = row.permission
        for grant in row.grants:
            name = grant.resource_names[0] if _only_named(grant.resource_names) else ""
            request = Request(p.verb, p.api_group, p.resource, p.subresource, grant.namespace or "", name)
            user, groups = identity_of(row.subject)
            listed.append((f"{p.id} {row.subject} via {grant.path}", (user, tuple(groups)), request, p.everything))
    # Every identity the server allows a permission is covered by a grant, and no other.
    asked = [(i, r) for i in loaded.identities for r in _catalogue(world)]
    oracle.ask(
        [q for _, i, r, every in listed for q in (_everything(i, r) if every else [sar(i, r)])]
        + [q for i, r in asked for q in (_everything(i, r) if r.resource == "*" == r.verb else [sar(i, r)])]
    )
    wrong = [f"listed but refused: {what}" for what, i, r, every in listed if not _allowed(oracle, i, r, every)]
    by_permission: dict[tuple[str, str, str, str], list[tuple[SubjectRef, str | None, bool]]] = {}
    for row in rows:
        key = (row.permission.verb, row.permission.api_group, row.permission.resource, row.permission.subresource)
        by_permission.setdefault(key, []).extend(
            (row.subject, g.namespace, _only_named(g.resource_names)) for g in row.grants
        )
    for (user, groups), r in asked:
        grants = by_permission.get((r.verb, r.group, r.resource, r.subresource), [])
        ours = any(
            _applies(s, user, groups) and not named and ns in (None, r.namespace or None) for s, ns, named in grants
        )
        server = _allowed(oracle, (user, groups), r, r.verb == r.group == r.resource == "*")
        if ours != server:
            wrong.append(f"{r} for {user} {list(groups)}: access review {ours}, server {server}")
    _timed("access review", world.seed, started)
    assert wrong == []
    assert len(listed) > 20 and any(grant.namespace for row in rows for grant in row.grants)  # both scopes seen


def test_the_manifests_alone_predict_what_the_cluster_authorizes(loaded: Loaded, tmp_path: Path) -> None:
    """The aggregation as k8saudit computes it (`Aggregation.CONTROLLER`, the CLI's mode) from the
    world's documents as written, before any controller ran: aggregated roles with their own
    rules, roles labelled into the bootstrap `admin`/`edit`/`view`, which the manifests do not
    ship (the built-in definitions fill in). With the server's bootstrap bindings beside them,
    every answer equals what the server authorizes once the real controller has run."""
    world, oracle, admin = loaded.world, loaded.oracle, loaded.server.admin
    bootstrap = [
        {**b, "apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind}
        for kind, path in (
            ("ClusterRoleBinding", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"),
            ("RoleBinding", "/apis/rbac.authorization.k8s.io/v1/rolebindings"),
        )
        for b in admin.call("GET", path)["items"]
        if (b["metadata"].get("labels") or {}).get("kubernetes.io/bootstrapping") == "rbac-defaults"
    ]
    manifests = tmp_path / "world.yaml"
    manifests.write_text(yaml.safe_dump_all([*world.documents, *bootstrap]))
    model = AccessModel(load_manifests([manifests]))
    assert {"admin", "edit", "view"} <= model.assumed  # the built-in roles, aggregated by k8saudit
    requests = [*_catalogue(world), *world.requests]
    oracle.ask(sar(i, r) for i in loaded.identities for r in requests)
    wrong = [
        f"{user} {list(groups)} {r}: k8saudit on manifests {ours}, server {oracle[sar((user, groups), r)]}"
        for user, groups in loaded.identities
        for r in requests
        if (ours := model.index.can(user, groups, r.verb, r.resource, api_group=r.group, subresource=r.subresource,
                                    namespace=r.namespace, name=r.name)) != oracle[sar((user, groups), r)]
    ]  # fmt: skip
    assert wrong == []
