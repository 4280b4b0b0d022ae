"""The checks stage's fast paths give exactly what the plain code they replaced gave.

Each keeps its oracle here, the straightforward version, compared over crafted inputs: the
lazy `Result` (ResourceRef, Evidence and annotations built only when read), the scope test
on (kind, namespace, name), the container views of `_pod` and `podsecurity`, and the
annotation exemptions that write a label only for the object that exempts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from k8saudit.checks import image as images
from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, _annotations, _origin, not_assessable, ref, result
from k8saudit.engine.config import parse_config
from k8saudit.engine.exemptions import EXEMPT_ANNOTATION, EXEMPT_REASON_ANNOTATION, Policy, _listed, namespace_of
from k8saudit.engine.run import ScanOptions, _Shared, run_checks
from k8saudit.model.findings import (
    Evidence,
    Exemption,
    Finding,
    Report,
    ResourceRef,
    Section,
    Severity,
    Status,
    trusted_evidence,
    trusted_finding,
    trusted_ref,
)
from k8saudit.model.inventory import Inventory, Workload
from k8saudit.model.objects import K8sObject, Namespace, Pod
from k8saudit.semantics import podsecurity
from k8saudit.semantics.containers import container_views
from k8saudit.semantics.images import parse_image
from tests.conftest import make_inventory
from tests.pss_cases import cases
from tests.unit.support.helpers import apiserver
from tests.unit.support.workload_helpers import ctr, namespace, workload


def _inventory() -> Inventory:
    docs: list[dict[str, Any]] = [
        workload(
            "web",
            ctr("a"),
            ctr("b"),
            init=[ctr("setup"), ctr("migrate")],
            ephemeral=[ctr("debug")],
            template_annotations={EXEMPT_ANNOTATION: "pod.x", "team": "template"},
        ),
        workload("job", ctr("run"), kind="Job", namespace="batch"),
        workload("bare", ctr("only"), kind="Pod", namespace="kube-system"),
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "admins", "annotations": {EXEMPT_ANNOTATION: "rbac.x"}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        },
        namespace("shop"),
        namespace("batch"),
        apiserver("--anonymous-auth=false"),
    ]
    docs[0]["metadata"]["annotations"] = {"team": "owner", EXEMPT_REASON_ANNOTATION: "owner says"}
    return make_inventory(docs)


def _targets(inv: Inventory) -> list[Workload | K8sObject]:
    return [*inv.workloads, *inv.all_objects()]


# --- Result: what the frozen dataclass computed eagerly -------------------------------------------


def test_a_result_reads_as_the_eager_one_did() -> None:
    inv = _inventory()
    targets = _targets(inv)
    assert len(targets) >= 6
    pairs = [("spec.containers[0].image", "nginx"), ("spec.volumes", [{"name": "v"}]), ("n", None)]
    for target, via in itertools.product([*targets, None], [(), tuple(targets[:2])]):
        got = result(target, failed=True, message="m", container="c", evidence=iter(pairs), exempt_via=iter(via))
        assert got.passed is False and got.message == "m" and got.container == "c" and got.reason is None
        assert got.resource == (ref(target) if target is not None else None)
        assert got.evidence == tuple(Evidence(path=p, value=v) for p, v in pairs)
        assert got.annotations == _annotations(target)
        assert got.related == tuple((ref(obj).label(), _annotations(obj)) for obj in via)
        assert got.origin == _origin(target)
        assert got.where() == (
            None if got.resource is None else (got.resource.kind, got.resource.namespace, got.resource.name)
        )
        unjudged = not_assessable("why", target)
        assert (unjudged.passed, unjudged.message, unjudged.reason, unjudged.evidence) == (None, "why", "why", ())
        assert unjudged.resource == got.resource and unjudged.annotations == got.annotations


def test_a_workload_result_merges_owner_over_template_annotations() -> None:
    web = next(w for w in _inventory().workloads if w.name == "web")
    got = result(web, failed=True, message="m")
    assert got.annotations == {EXEMPT_ANNOTATION: "pod.x", "team": "owner", EXEMPT_REASON_ANNOTATION: "owner says"}
    assert isinstance(got, Result) and got.resource is got.resource  # built once


def _plain_in_scope(policy: Policy, ref: ResourceRef | None) -> bool:
    """`Policy.in_scope` before it read (kind, namespace, name)."""
    if ref is None or not policy.scope.active:
        return True
    if (ref.kind, ref.namespace, ref.name) in policy._cluster_level:
        return True
    namespace = namespace_of(ref)
    return namespace is None or policy.scope.contains(namespace)


@pytest.mark.parametrize("include", [[], ["shop"], ["kube-*"], ["nothing"]])
def test_the_scope_test_on_kind_namespace_name_is_the_one_on_refs(include: list[str]) -> None:
    inv = _inventory()
    head = "apiVersion: k8saudit.io/v1alpha1\nkind: AuditConfig\n"
    text = f"{head}namespaces:\n  include: {include}\n" if include else ""
    config = parse_config(text, "k8saudit.yaml") if text else None
    policy = ScanOptions(config=config).policy(inv, {}, [])
    verdicts = set()
    for target in _targets(inv):
        res = result(target, failed=False, message="m")
        verdicts.add(_plain_in_scope(policy, res.resource))
        assert policy.in_scope_at(res.where()) == _plain_in_scope(policy, res.resource), target
        assert policy.in_scope(res.resource) == _plain_in_scope(policy, res.resource), target
    assert policy.in_scope_at(None) and policy.in_scope(None)
    assert verdicts == ({True} if not include else {True, False})


# --- container views ------------------------------------------------------------------------------


def test_pod_container_views_follow_workload_containers() -> None:
    for w in _inventory().workloads:
        counters: dict[str, int] = {}
        plain = []
        for kind, container in w.containers():
            plain.append((kind, container, counters.get(kind, 0)))
            counters[kind] = counters.get(kind, 0) + 1
        views = list(container_views(w))
        assert [(v.kind, v.container, v.index) for v in views] == plain
        assert all(v.workload is w for v in views)
    web = next(w for w in _inventory().workloads if w.name == "web")
    assert [v.path for v in container_views(web)] == [
        "spec.containers[0]",
        "spec.containers[1]",
        "spec.initContainers[0]",
        "spec.initContainers[1]",
        "spec.ephemeralContainers[0]",
    ]


def _plain_view(w: Workload, kind: str, container: Any, index: int) -> tuple[Any, ...]:
    """What each view's properties computed on every read before views were made once per workload."""
    from k8saudit.semantics.containers import _UNSET_POD_SC, _UNSET_SC

    name = container.name if kind == "container" else f"{container.name} ({kind})"
    label = f"{name} (injected into pods)" if container.name in w.injected else name
    sc = container.securityContext or _UNSET_SC
    pod_sc = w.spec.securityContext or _UNSET_POD_SC
    return (kind, container, index, f"spec.{kind}s[{index}]", label, sc, pod_sc)


def test_container_views_are_made_once_per_workload_per_scan_and_read_as_the_plain_ones() -> None:
    inv = _inventory()
    ctx = ScanContext(inv)
    for w in inv.workloads:
        first, again = ctx.containers(w), ctx.containers(w)
        assert first is again  # made once, shared by every check
        counters: dict[str, int] = {}
        plain = []
        for kind, container in w.containers():
            plain.append(_plain_view(w, kind, container, counters.get(kind, 0)))
            counters[kind] = counters.get(kind, 0) + 1
        assert [(v.kind, v.container, v.index, v.path, v.label, v.sc, v.pod_sc) for v in first] == plain
    # Another scan (context) of a changed workload sees the change: nothing outlives a scan.
    web = next(w for w in inv.workloads if w.name == "web")
    before = ctx.containers(web)
    other = next(w for w in inv.workloads if w.name == "job")
    web.spec = other.spec
    fresh = ScanContext(inv)
    assert [v.container.name for v in fresh.containers(web)] == ["run"] and fresh.containers(web) is not before
    web.injected.add("run")
    assert [v.label for v in ScanContext(inv).containers(web)] == ["run (injected into pods)"]


def test_pod_security_container_views_are_the_plain_ones() -> None:
    for w in _inventory().workloads:
        spec = w.spec
        plain = [
            (f"spec.{key}[{i}]", c, key == "ephemeralContainers", c.name, c.securityContext)
            for key, items in (
                ("initContainers", spec.initContainers),
                ("containers", spec.containers),
                ("ephemeralContainers", spec.ephemeralContainers),
            )
            for i, c in enumerate(items)
        ]
        got = [
            (c.path, c.container, c.ephemeral, c.name, c.sc) for c in podsecurity._Pod(w.template_meta, spec).containers
        ]
        assert got == plain


# --- annotation exemptions ------------------------------------------------------------------------


def _plain_annotation(
    check_id: str, res: Result, ref: ResourceRef | None, ns_annotations: dict[str, dict[str, str]]
) -> Exemption | None:
    """`Policy._annotation` before it wrote labels lazily."""
    namespace = ref.namespace if ref else None
    label = ref.label() if ref else "the cluster"
    candidates: list[tuple[dict[str, str], str, str]] = [(res.annotations, "annotation on the resource", label)]
    candidates += [(notes, f"annotation on {where}", where) for where, notes in res.related]
    if namespace:
        candidates.append((ns_annotations.get(namespace, {}), "annotation on the namespace", f"Namespace {namespace}"))
    for notes, by, where in candidates:
        value = notes.get(EXEMPT_ANNOTATION)
        if value and _listed(value, check_id):
            reason = notes.get(EXEMPT_REASON_ANNOTATION) or "no reason given"
            return Exemption(reason=reason, by=by, source=f"annotation {EXEMPT_ANNOTATION} on {where}")
    return None


def _notes() -> Iterator[dict[str, str]]:
    yield {}
    yield {EXEMPT_ANNOTATION: ""}
    yield {EXEMPT_ANNOTATION: "pod.x"}
    yield {EXEMPT_ANNOTATION: "other, pod.x", EXEMPT_REASON_ANNOTATION: "why"}
    yield {EXEMPT_ANNOTATION: "*", EXEMPT_REASON_ANNOTATION: ""}
    yield {EXEMPT_ANNOTATION: "other"}


def test_annotation_exemptions_are_the_plain_ones() -> None:
    inv = _inventory()
    shop = Namespace.model_validate({"metadata": {"name": "shop"}})
    seen: set[str | None] = set()
    for own, related, ns in itertools.product(_notes(), _notes(), _notes()):
        pod = Pod.model_validate({"metadata": {"name": "p", "namespace": "shop", "annotations": own}})
        binding = K8sObject.model_validate(
            {"kind": "RoleBinding", "metadata": {"name": "b", "namespace": "shop", "annotations": related}}
        )
        ns_annotations = {"shop": ns}
        policy = ScanOptions(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)).policy(inv, ns_annotations, [])
        for target, via in ((pod, (binding,)), (pod, ()), (shop, ()), (None, (binding,))):
            for check_id in ("pod.x", "rbac.x"):
                res = result(target, failed=True, message="m", exempt_via=via)
                got = policy._annotation(check_id, res, res.resource)
                assert got == _plain_annotation(check_id, res, res.resource, ns_annotations)
                seen.add(got.by if got else None)
    assert seen == {
        None,
        "annotation on the resource",
        "annotation on RoleBinding shop/b",
        "annotation on the namespace",
    }


def test_a_policy_reads_each_targets_annotations_as_the_plain_ones() -> None:
    inv = _inventory()
    ns_annotations = {"shop": {EXEMPT_ANNOTATION: "rbac.x"}}
    policy = ScanOptions().policy(inv, ns_annotations, [])
    seen = set()
    for _ in range(2):  # the second round reads what the first kept
        for target in [*_targets(inv), None]:
            for check_id in ("pod.x", "rbac.x", "other"):
                res = result(target, failed=True, message="m")
                got = policy._annotation(check_id, res, res.resource)
                assert got == _plain_annotation(check_id, res, res.resource, ns_annotations)
                seen.add((got.by, got.reason) if got else None)
    assert ("annotation on the resource", "owner says") in seen  # web: owner's reason, template's list
    assert ("annotation on the namespace", "no reason given") in seen and None in seen


def test_a_workloads_annotations_are_merged_once_owner_over_template() -> None:
    web = next(w for w in _inventory().workloads if w.name == "web")
    assert web.annotations is web.annotations  # a field, not a merge per read
    assert web.annotations == {**web.template_meta.annotations, **web.meta.annotations}


def test_a_result_keeps_the_evidence_it_was_given_not_what_the_list_becomes() -> None:
    web = next(w for w in _inventory().workloads if w.name == "web")
    evidence: list[tuple[str, Any]] = [("first", 1)]
    first = result(web, failed=True, message="m", evidence=evidence)
    evidence.append(("second", 2))
    second = result(web, failed=True, message="m", evidence=evidence)
    assert [e.path for e in first.evidence] == ["first"]
    assert [e.path for e in second.evidence] == ["first", "second"]


# --- Pod Security: each check once per pod --------------------------------------------------------


def _plain_levels(meta: Any, spec: Any) -> tuple[podsecurity.Level, list[Any], list[Any]]:
    """`highest_level` and `pss._evaluate` before each check ran once: `evaluate` per level."""
    restricted = podsecurity.evaluate(meta, spec, podsecurity.Level.RESTRICTED)
    if not restricted:
        return podsecurity.Level.RESTRICTED, [], []
    baseline = podsecurity.evaluate(meta, spec, podsecurity.Level.BASELINE)
    return (podsecurity.Level.PRIVILEGED if baseline else podsecurity.Level.BASELINE), baseline, restricted


def _pss_pods() -> list[Pod]:
    fixtures = Path(__file__).parents[1] / "data" / "psa_fixtures_v1.37.jsonl"
    docs = [json.loads(line)["pod"] for line in fixtures.open()]
    docs += [case.pod for case in cases()]
    return [Pod.model_validate(doc) for doc in docs]


def test_pod_security_levels_are_the_per_level_evaluations() -> None:
    levels = set()
    for pod in _pss_pods():
        got = podsecurity.assess(pod.metadata, pod.spec)
        assert got == _plain_levels(pod.metadata, pod.spec), pod.name
        level, baseline, restricted = got
        expected = {podsecurity.Level.RESTRICTED: [], podsecurity.Level.BASELINE: restricted}.get(level, baseline)
        assert podsecurity.highest_level(pod.metadata, pod.spec) == (level, expected)
        levels.add(level)
    assert levels == set(podsecurity.Level)


def test_pod_security_views_are_made_once_per_assess(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    plain_views = podsecurity._container_views

    def counting(spec: Any) -> Iterator[Any]:
        made.append(id(spec))
        return plain_views(spec)

    monkeypatch.setattr(podsecurity, "_container_views", counting)
    pods = [p for p in _pss_pods() if p.spec.containers]
    for pod in pods:
        made.clear()
        assert podsecurity.assess(pod.metadata, pod.spec) == _plain_levels(pod.metadata, pod.spec)
        assert made.count(id(pod.spec)) >= 1
    made.clear()
    podsecurity.assess(pods[0].metadata, pods[0].spec)
    assert made == [id(pods[0].spec)]  # once, for all its checks
    assert not hasattr(podsecurity, "_VIEWS")  # the views live in the call's own _Pod, nowhere else


# --- images: parsed once per distinct reference ---------------------------------------------------


def test_images_are_parsed_once_per_scan_as_the_plain_parse() -> None:
    docs = [
        workload(f"w{i}", ctr("a", image=image), ctr("b", image=image), ctr("c", image=None))
        for i, image in enumerate(["nginx", "nginx:latest", "localhost:5000/app", "Host/app:1", " a/b:c ", "nginx"])
    ]
    ctx = ScanContext(make_inventory(docs))
    first = list(images._images(ctx))
    again = list(images._images(ctx))
    assert len(first) == 18 and [v.container for v, _ in first] == [v.container for v, _ in again]
    for (view, got), (_, cached) in zip(first, again, strict=True):
        image = view.container.image
        assert got == (parse_image(image) if image and image.strip() else None)
        assert cached is got  # the same object: parsed once
    assert len(ctx._images) == 5


# --- findings share equal values ------------------------------------------------------------------


def test_findings_share_equal_resources_messages_and_paths_and_nothing_else() -> None:
    root = {"securityContext": {"runAsUser": 0}}
    docs = [
        workload("postgres", ctr("app", **root), ctr("side", **root), namespace="data"),
        workload("other", ctr("app", **root), namespace="data"),
    ]
    expiring = (
        "apiVersion: k8saudit.io/v1alpha1\nkind: AuditConfig\nexemptions:\n  - checks: [pod.run-as-non-root]\n"
        "    names: [postgres]\n    reason: until the upgrade\n    owner: dba\n    expires: 2026-01-01\n"
    )
    options = ScanOptions(config=parse_config(expiring, "k8saudit.yaml"), now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    report = run_checks(make_inventory(docs), options)
    findings = [f for f in report.findings if f.check == "pod.run-as-non-root"]
    assert len(findings) == 3
    by_name: dict[str, list[Finding]] = {}
    for f in findings:
        assert f.resource is not None
        by_name.setdefault(f.resource.name, []).append(f)
    first, second = by_name["postgres"]
    assert first.resource is second.resource  # one ResourceRef for one resource
    (other,) = by_name["other"]
    assert other.resource is not first.resource
    # the expired exemption is appended to postgres's messages only
    assert all("expired on 2026-01-01" in f.message for f in (first, second))
    assert "expired" not in other.message
    paths = {id(e.path) for f in report.findings for e in f.evidence}
    assert len(paths) == len({e.path for f in report.findings for e in f.evidence})
    # per-resource findings (a check-level not-assessable is one per check: not shared)
    messages = [f.message for f in report.findings if f.check != "pod.run-as-non-root" and f.resource is not None]
    assert len({id(m) for m in messages}) == len(set(messages)) < len(messages)


def test_shared_values_equal_the_plain_ones_and_keep_their_types() -> None:
    shared = _Shared()
    for target in [*_targets(_inventory()), None]:
        assert shared.resource(target) == (ref(target) if target is not None else None)
        assert shared.resource(target) is shared.resource(target)
    values: list[Any] = [1, True, 0, False, None, "1", "", 1.0, 0.0, -0.0, [1], {"a": 1}, (1, True)]
    for value in values:
        got = shared.evidence("p", value)
        assert got == Evidence(path="p", value=value)
        assert type(got.value) is type(value) and repr(got.value) == repr(value)
    assert shared.evidence("p", 1) is shared.evidence("p", 1)
    assert shared.evidence("p", 1) is not shared.evidence("p", True)
    assert shared.evidence("p", [1]) is not shared.evidence("p", [1])  # mutable: never shared
    assert repr(shared.evidence("p", 0.0).value) == "0.0" and repr(shared.evidence("p", -0.0).value) == "-0.0"


# --- trusted construction of findings -------------------------------------------------------------


def _validated(value: Any) -> Any:
    """The object the validating constructor makes from the same field values."""
    if isinstance(value, list):
        return [_validated(v) for v in value]
    if not isinstance(value, Finding | Evidence | ResourceRef | Exemption):
        return value
    fields = {f.name: _validated(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return type(value)(**fields)


def _same(trusted: Any, validated: Any) -> None:
    """Equal, of the same types all the way down, and the same JSON."""
    assert type(trusted) is type(validated)
    if isinstance(trusted, list):
        assert len(trusted) == len(validated)
        for a, b in zip(trusted, validated, strict=True):
            _same(a, b)
        return
    if isinstance(trusted, Finding | Evidence | ResourceRef | Exemption):
        for field in dataclasses.fields(trusted):
            _same(getattr(trusted, field.name), getattr(validated, field.name))
        serializer = type(trusted).__pydantic_serializer__  # type: ignore[union-attr]
        assert serializer.to_json(trusted) == serializer.to_json(validated)
        return
    assert trusted == validated and repr(trusted) == repr(validated)


def test_trusted_constructors_make_what_the_validating_ones_make() -> None:
    ref_ = ResourceRef(apiVersion="apps/v1", kind="Deployment", namespace="shop", name="web")
    _same(trusted_ref("apps/v1", "Deployment", "shop", "web"), ref_)
    _same(trusted_ref("", "ClusterRole", None, "admin"), ResourceRef(kind="ClusterRole", name="admin"))
    for value in [None, 1, True, "x", 0.5, [1, "a"], {"k": [None]}, (1, 2)]:
        _same(trusted_evidence("spec.x", value), Evidence(path="spec.x", value=value))
    values: dict[str, Any] = {
        "check": "pod.x",
        "status": Status.FAIL,
        "severity": Severity.HIGH,
        "section": Section.POD_SECURITY,
        "resource": ref_,
        "container": "app",
        "message": "m",
        "evidence": [Evidence(path="p", value=None)],
        "remediation": "r",
        "reason": None,
    }
    trusted = trusted_finding(**values)
    _same(trusted, Finding(**values))
    covered = {**values, "coveredBy": "rbac.cluster-admin-bindings", "scored": False}
    _same(trusted_finding(**covered), Finding(**covered))
    # every field is set (a field added to Finding and not to trusted_finding fails here)
    assert {f.name for f in dataclasses.fields(Finding)} == {*covered, "exemption", "location"}
    bare = {**values, "resource": None, "container": None, "evidence": [], "reason": "why"}
    _same(trusted_finding(**bare), Finding(**bare))


def test_the_engines_findings_are_the_validated_ones_and_round_trip() -> None:
    from k8saudit.sources.demo import snapshot_path
    from k8saudit.sources.files import load_snapshot

    report = run_checks(load_snapshot(snapshot_path()))
    assert len(report.findings) > 100
    assert {f.status for f in report.findings} >= {Status.FAIL, Status.NOT_ASSESSABLE}
    for finding in report.findings:
        _same(finding, _validated(finding))
    # the order the plain key gives (labels written once per shared ref)
    plain = [
        (-f.severity.rank, f.check, f.resource.label() if f.resource else "", f.container or "")
        for f in report.findings
    ]
    assert plain == sorted(plain) and len(set(plain)) > 100
    text = report.model_dump_json()
    assert Report.model_validate_json(text).model_dump_json() == text


# --- access review: each distinct rule matched once -----------------------------------------------


def test_role_hits_are_the_plain_match_of_every_rule() -> None:
    from k8saudit.semantics import rbac, risky
    from tests import rbac_cases

    builtin = json.loads((Path(rbac.__file__).parent.parent / "data" / "builtin_clusterroles.json").read_text())[
        "items"
    ]
    inv = make_inventory([*rbac_cases.documents(), *builtin])
    idx = rbac.RbacIndex(inv)
    requests = [(p, p.request(), not p.counts_named_grants) for p in risky.RISKY_PERMISSIONS]
    roles = [idx.cluster_role_rules(r.name) for r in inv.of("ClusterRole", rbac.o.ClusterRole)]
    roles += [idx.role_rules(r.namespace or "", r.name) for r in inv.of("Role", rbac.o.Role)]
    per_rule: dict[Any, Any] = {}
    total = 0
    for rules in [r for r in roles if r] * 2:  # the second round reads what the first kept
        plain = [
            (i, er, m)
            for i, (_, request, need_no_names) in enumerate(requests)
            for er in rules
            if not (need_no_names and er.rule.resourceNames)
            and (m := rbac.match_rule(er.rule, request, ignore_names=True)) is not None
        ]
        got = risky._role_hits(rules, requests, per_rule)
        assert [(i, er, m) for i, er, m in got] == plain
        assert all(a[1] is b[1] for a, b in zip(got, plain, strict=True))
        total += len(got)
    assert total > 100 and len(per_rule) < sum(len(r) for r in roles if r)


def test_a_result_keeps_a_tuple_as_given_and_copies_anything_else() -> None:
    pairs = (("p", 1),)
    via = (Namespace.model_validate({"metadata": {"name": "shop"}}),)
    kept = result(None, failed=True, message="m", evidence=pairs, exempt_via=via)
    assert kept.pairs is pairs and kept._via is via
    listed = [("p", 1)]
    copied = result(None, failed=True, message="m", evidence=listed, exempt_via=[])
    listed.append(("q", 2))
    assert copied.pairs == (("p", 1),) and type(copied.pairs) is tuple and copied._via == ()


def test_nothing_a_scan_derives_is_left_on_the_inventory() -> None:
    inv = _inventory()
    before = [dict(vars(w)) for w in inv.workloads]
    first = run_checks(inv)
    assert [vars(w) for w in inv.workloads] == before  # no views or levels stored on the workloads
    assert run_checks(inv).model_dump(exclude={"generatedAt"}) == first.model_dump(exclude={"generatedAt"})
    views, again = container_views(inv.workloads[0]), container_views(inv.workloads[0])
    assert all(a.path is b.path for a, b in zip(again, views, strict=True))  # path prefixes shared


# --- network: system components without merging every workload's maps ----------------------------


def _plain_system_component(workload: Workload) -> str | None:
    """`network.system_component` as it merged labels and annotations for every workload."""
    from k8saudit.checks import net as network

    meta, template = workload.meta, workload.template_meta
    if any(ref.kind == "Node" for ref in meta.ownerReferences) or "kubernetes.io/config.mirror" in meta.annotations:
        return "a static pod of the node"
    labels = {**template.labels, **meta.labels}
    if labels.get("tier") == "control-plane" and labels.get("component"):
        return "a control-plane component"
    names = {workload.name, *(labels.get(k) for k in ("k8s-app", "app.kubernetes.io/name", "app"))}
    known = sorted(n for n in names if n in network.SYSTEM_COMPONENT_NAMES)
    if known:
        return f"the well-known cluster component {known[0]}"
    marks = {**template.annotations, **meta.annotations, **labels}
    mark = next((m for m in network.PLATFORM_MARKS if m in marks), None)
    if mark:
        return f"installed by the platform ({mark})"
    if workload.namespace == "kube-system" and workload.spec.priorityClassName in network.SYSTEM_PRIORITY_CLASSES:
        return f"a cluster add-on (priorityClassName {workload.spec.priorityClassName})"
    return None


def test_system_components_are_the_plain_ones() -> None:
    from k8saudit.checks import net as network

    maps: list[dict[str, str]] = [
        {},
        {"app": "coredns"},
        {"app": "web", "k8s-app": "kube-proxy"},
        {"tier": "control-plane", "component": "etcd"},
        {"tier": "control-plane"},
        {"addonmanager.kubernetes.io/mode": "Reconcile"},
        {"app": "web"},
    ]
    seen = set()
    for owner, template, notes, tnotes in itertools.product(maps, maps, maps[:1] + maps[5:6], maps[:1] + maps[5:6]):
        for ns, name in (("kube-system", "custom"), ("shop", "metrics-server"), ("shop", "web")):
            doc = workload(
                name, ctr("a"), namespace=ns, template_annotations=tnotes, priorityClassName="system-cluster-critical"
            )
            doc["metadata"]["labels"] = owner
            doc["metadata"]["annotations"] = notes
            doc["spec"]["template"]["metadata"]["labels"] = template
            (w,) = make_inventory([doc]).workloads
            got = network.system_component(w)
            assert got == _plain_system_component(w), (owner, template, notes, tnotes)
            seen.add(got.split(" ")[1] if got else None)
    assert seen == {None, "control-plane", "cluster", "well-known", "by"}
