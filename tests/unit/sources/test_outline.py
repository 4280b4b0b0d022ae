"""k8saudit.sources.outline: a page parsed as outlines gives exactly what the dict path gives.

The outline path is an optimisation (benchmarks/README.md): its oracle is `Compactor.from_dicts`,
which compacts item by item what it can and parses the rest in full. Each test builds a page,
parses it both ways and compares the dumps; the miss counter says which way `parse` went.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from pydantic import ValidationError

from k8saudit.model.kinds import BY_KIND
from k8saudit.model.objects import CronJob, Deployment, Job, K8sObject, ObjectList, Pod, ReplicaSet
from k8saudit.runtime import redact
from k8saudit.sources.outline import OUTLINE_TRIAL, Compactor, compactor_for, drop_owned_templates


def _template(container: str = "app") -> dict[str, Any]:
    return {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": container, "image": "app:1"}]}}


_TEMPLATE = _template()


def _controllers(container: str = "app") -> list[K8sObject]:
    """A Deployment `web` and its ReplicaSet `web-1`, as the collector lists them before pods."""
    template = _template(container)
    deployment = Deployment.model_validate(
        {"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"template": template}}
    )
    replicaset = ReplicaSet.model_validate(
        {
            "kind": "ReplicaSet",
            "metadata": {
                "name": "web-1",
                "namespace": "shop",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "controller": True}],
            },
            "spec": {"template": template},
        }
    )
    return [deployment, replicaset]


# --- pods ---------------------------------------------------------------------------------------


def _pod_page(pods: list[dict[str, Any]]) -> bytes:
    return json.dumps({"kind": "PodList", "apiVersion": "v1", "metadata": {"continue": "t"}, "items": pods}).encode()


def _owned_pod(name: str, containers: list[str], **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "shop",
            "labels": {"app": "web", "leak": "AKIAIOSFODNN7EXAMPLE"},
            "annotations": {"note": "x", "kubectl.kubernetes.io/last-applied-configuration": "{}"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "controller": True}],
            "managedFields": [{"manager": "kube-controller-manager"}],
        },
        "spec": {
            "nodeName": "node-1",
            "containers": [
                {"name": c, "image": "app:1", "env": [{"name": "TOKEN", "value": "hunter2"}]} for c in containers
            ],
            **spec,
        },
        "status": {"phase": "Running", "containerStatuses": [{"name": "app"}]},
    }


_ODD_PODS: dict[str, dict[str, Any]] = {
    "sidecar": _owned_pod("p-sidecar", ["app", "istio-proxy"]),
    "debug container": _owned_pod("p-debug", ["app"], ephemeralContainers=[{"name": "dbg", "image": "busybox"}]),
    "bare": {"metadata": {"name": "bare", "namespace": "shop"}, "spec": {"containers": [{"name": "app"}]}},
    "no spec": {"metadata": _owned_pod("p-nospec", [])["metadata"]},
    "unnamed container": _owned_pod("p-unnamed", ["app"], initContainers=[{"image": "x"}]),
    "unknown owner": {**_owned_pod("p-gone", ["app"]), "metadata": {"name": "p-gone", "namespace": "other"}},
}


def _parsed(pods: list[dict[str, Any]], *, outlines: bool) -> tuple[list[dict[str, Any]], int]:
    """The page's pods dumped, and the outline misses: through `parse` (outlines first) or `from_dicts`."""
    compactor = Compactor(_controllers(), Pod)
    data = _pod_page(pods)
    page = compactor.parse(ObjectList[Pod], data) if outlines else compactor.from_dicts(ObjectList[Pod], data)
    assert page.kind == "PodList" and page.metadata.continue_ == "t" and "items" in page.model_fields_set
    return [p.dump() for p in page.items], compactor.outline_misses


def test_a_page_of_owned_pods_parsed_as_outlines_is_what_compaction_gives() -> None:
    pods = [_owned_pod(f"p-{i}", ["app"]) for i in range(5)]
    outlined, misses = _parsed(pods, outlines=True)
    assert misses == 0  # the outline path was taken
    assert outlined == _parsed(pods, outlines=False)[0]
    assert outlined[0]["spec"] == {"nodeName": "node-1"} and outlined[0]["status"] == {"phase": "Running"}
    assert outlined[0]["metadata"]["labels"]["leak"] == redact.REDACTED
    assert "hunter2" not in json.dumps(outlined) and "last-applied" not in json.dumps(outlined)


@pytest.mark.parametrize("odd", sorted(_ODD_PODS))
def test_a_page_with_a_pod_compaction_would_not_compact_is_parsed_in_full(odd: str) -> None:
    pods = [_owned_pod("p-0", ["app"]), _ODD_PODS[odd]]
    outlined, misses = _parsed(pods, outlines=True)
    assert misses == 1
    assert outlined == _parsed(pods, outlines=False)[0]


def test_random_pages_give_the_same_pods_either_way() -> None:
    rng = random.Random(13)
    owned = [_owned_pod(f"p-{i}", ["app"]) for i in range(6)]
    odd = list(_ODD_PODS.values())
    for _ in range(200):
        pods = [rng.choice(owned) if rng.random() < 0.85 else rng.choice(odd) for _ in range(rng.randint(0, 6))]
        outlined, misses = _parsed(pods, outlines=True)
        assert outlined == _parsed(pods, outlines=False)[0]
        assert misses == (1 if any(p in odd for p in pods) else 0)


@pytest.mark.parametrize(
    "data", [b"not json", b"[]", b'{"kind": "PodList"}', b'{"kind": "Status", "items": "x"}'], ids=repr
)
def test_a_page_that_is_not_a_list_of_pods_reads_as_the_plain_parse(data: bytes) -> None:
    """The collector refuses such answers by what the plain parse says (its error, or no items)."""
    try:
        plain = ObjectList[Pod].model_validate_json(data)
    except ValidationError as exc:
        with pytest.raises(ValidationError) as raised:
            Compactor(_controllers(), Pod).parse(ObjectList[Pod], data)
        assert raised.value.errors() == exc.errors()
        return
    page = Compactor(_controllers(), Pod).parse(ObjectList[Pod], data)
    assert (page.kind, page.model_fields_set, page.items) == (plain.kind, plain.model_fields_set, plain.items)


def test_outlines_stop_being_tried_when_most_pages_need_the_full_parse() -> None:
    compactor = Compactor(_controllers(), Pod)
    page = _pod_page([_ODD_PODS["sidecar"]])
    tried = 0
    for _ in range(10):
        if compactor.outlines_pay():
            tried += 1
            assert compactor.from_outlines(ObjectList[Pod], page) is None
    assert tried == OUTLINE_TRIAL


def test_pods_of_two_controllers_are_each_held_against_their_own_template() -> None:
    """Template names are remembered by owner: the second owner's pods are not answered from the first's."""
    api = [
        Deployment.model_validate(
            {
                "kind": "Deployment",
                "metadata": {"name": "api", "namespace": "shop"},
                "spec": {"template": _template("srv")},
            }
        )
    ]
    compactor = Compactor([*_controllers(), *api], Pod)
    api_pod = _owned_pod("api-0", ["srv"])
    api_pod["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}]
    pods = [_owned_pod("web-0", ["app"]), api_pod, _owned_pod("web-1", ["app"])]
    page = compactor.parse(ObjectList[Pod], _pod_page(pods))
    assert compactor.outline_misses == 0
    assert [p.dump() for p in page.items] == [
        p.dump() for p in compactor.from_dicts(ObjectList[Pod], _pod_page(pods)).items
    ]
    assert [compactor.template_names(p) for p in page.items] == [
        (frozenset({"app"}), frozenset(), frozenset()),
        (frozenset({"srv"}), frozenset(), frozenset()),
        (frozenset({"app"}), frozenset(), frozenset()),
    ]


def test_what_a_compactor_remembers_is_its_own() -> None:
    """Template names are remembered per Compactor (one per collection): a later collection whose
    controllers have the same names but another template is answered from its own."""
    pod = Pod.model_validate(_owned_pod("p-0", ["app"]))
    first = Compactor(_controllers(), Pod)
    assert first.template_names(pod) == (frozenset({"app"}), frozenset(), frozenset())
    assert Compactor(_controllers("other"), Pod).template_names(pod) == (frozenset({"other"}), frozenset(), frozenset())
    assert first.template_names(pod) == (frozenset({"app"}), frozenset(), frozenset())


# --- ReplicaSets and Jobs -------------------------------------------------------------------------


def _controller_item(name: str, owner_kind: str, owner: str | None, **spec: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "shop", "labels": {"app": "web"}}
    if owner is not None:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner_kind, "name": owner, "controller": True}]
    return {
        "metadata": meta,
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": _TEMPLATE, **spec},
    }


def _cronjob() -> CronJob:
    return CronJob.model_validate(
        {
            "kind": "CronJob",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"jobTemplate": {"spec": {"template": _TEMPLATE}}},
        }
    )


#: kind → (its model, the controller that owns it, that controller's kind)
_OWNED_CONTROLLERS: dict[str, tuple[type[K8sObject], K8sObject, str]] = {
    "ReplicaSet": (ReplicaSet, _controllers()[0], "Deployment"),
    "Job": (Job, _cronjob(), "CronJob"),
}


def _parsed_controllers(kind: str, items: list[dict[str, Any]], *, outlines: bool) -> tuple[list[dict[str, Any]], int]:
    model, owner, _ = _OWNED_CONTROLLERS[kind]
    compactor = Compactor([owner], model)  # the owner `web` was listed
    data = json.dumps({"kind": f"{kind}List", "metadata": {}, "items": items}).encode()
    page_model = ObjectList[model]  # type: ignore[valid-type]  # a kind chosen at run time
    page = compactor.parse(page_model, data) if outlines else compactor.from_dicts(page_model, data)
    return [r.dump() for r in page.items], compactor.outline_misses


@pytest.mark.parametrize("kind", sorted(_OWNED_CONTROLLERS))
def test_controllers_of_a_listed_owner_parsed_as_outlines_keep_no_template(kind: str) -> None:
    owner_kind = _OWNED_CONTROLLERS[kind][2]
    items = [_controller_item(f"web-{i}", owner_kind, "web") for i in range(3)]
    outlined, misses = _parsed_controllers(kind, items, outlines=True)
    assert misses == 0
    assert outlined == _parsed_controllers(kind, items, outlines=False)[0]
    assert outlined[0]["spec"] == {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}}


@pytest.mark.parametrize("odd", ["no owner", "owner not listed", "no spec", "no template"])
@pytest.mark.parametrize("kind", sorted(_OWNED_CONTROLLERS))
def test_a_page_with_a_controller_kept_whole_is_parsed_in_full(kind: str, odd: str) -> None:
    owner_kind = _OWNED_CONTROLLERS[kind][2]
    no_template = _controller_item("bare", owner_kind, "web")
    del no_template["spec"]["template"]
    odd_items = {
        "no owner": _controller_item("lone", owner_kind, None),
        "owner not listed": _controller_item("orphan", owner_kind, "gone"),
        "no spec": {"metadata": {"name": "x", "namespace": "shop"}},
        "no template": no_template,
    }
    items = [_controller_item("web-1", owner_kind, "web"), odd_items[odd]]
    outlined, misses = _parsed_controllers(kind, items, outlines=True)
    assert misses == 1
    assert outlined == _parsed_controllers(kind, items, outlines=False)[0]


# --- which kinds are compacted, and owners listed later ----------------------------------------------


def test_only_pods_replicasets_and_jobs_get_a_compactor_over_what_they_wait_for() -> None:
    listed: dict[str, list[K8sObject]] = {"Deployment": _controllers()[:1], "ReplicaSet": _controllers()[1:]}
    asked: list[str] = []

    def objects(kind: str) -> list[K8sObject]:
        asked.append(kind)
        return listed.get(kind, [])

    assert compactor_for(BY_KIND["Deployment"], objects) is None
    assert compactor_for(BY_KIND["Namespace"], objects) is None
    assert asked == []
    pods = compactor_for(BY_KIND["Pod"], objects)
    assert pods is not None and pods.item_model is Pod
    assert sorted(pods.owners.controllers) == [("Deployment", "shop", "web"), ("ReplicaSet", "shop", "web-1")]
    assert "ReplicaSet" in asked and "Pod" not in asked
    replicasets = compactor_for(BY_KIND["ReplicaSet"], objects)
    assert replicasets is not None and list(replicasets.owners.controllers) == [("Deployment", "shop", "web")]


def test_a_list_that_failed_leaves_its_waiters_uncompacted() -> None:
    def failing(kind: str) -> list[K8sObject]:
        raise RuntimeError(f"listing {kind} failed")

    assert compactor_for(BY_KIND["Pod"], failing) is None


def test_templates_of_controllers_owned_by_a_controller_listed_later_are_dropped() -> None:
    deployment, replicaset = _controllers()
    lone = ReplicaSet.model_validate(
        {"kind": "ReplicaSet", "metadata": {"name": "lone", "namespace": "shop"}, "spec": {"template": _TEMPLATE}}
    )
    drop_owned_templates([replicaset, lone, deployment])  # the owner comes after what it owns
    assert isinstance(replicaset, ReplicaSet) and replicaset.spec.template.spec.containers == []
    assert [c.name for c in lone.spec.template.spec.containers] == ["app"]
    assert isinstance(deployment, Deployment) and [c.name for c in deployment.spec.template.spec.containers] == ["app"]
