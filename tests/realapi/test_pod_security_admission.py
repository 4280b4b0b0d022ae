"""Proof 4: k8saudit's Pod Security level equals what the real PodSecurity admission decides.

Every pod of `tests/pss_cases.py` (a generated mix of security contexts) and every workload of
the fixture sets (the fake-API realistic cluster, the e2e manifests, the demo cluster) is
created with `dryRun=All` in three namespaces: unlabelled (privileged: proves the pod is valid,
so a refusal elsewhere is admission's), `enforce=baseline` and `enforce=restricted`.
Admission must accept it exactly at the levels at or below the one k8saudit assigns, and when
it refuses, its message must be the one k8saudit words (`forbidden_detail`).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8saudit.model.objects import ObjectMeta, Pod, PodSpec
from k8saudit.semantics.podsecurity import Level, evaluate, forbidden_detail, highest_level
from tests.pss_cases import cases
from tests.realapi.harness import ApiServer

pytestmark = pytest.mark.apiserver

REPO = Path(__file__).resolve().parents[2]
NAMESPACES = {Level.PRIVILEGED: "pss-privileged", Level.BASELINE: "pss-baseline", Level.RESTRICTED: "pss-restricted"}
ORDER = (Level.PRIVILEGED, Level.BASELINE, Level.RESTRICTED)
_FORBIDDEN = re.compile(r'is forbidden: violates PodSecurity "(?P<level>\w+):latest": (?P<detail>.*)$', re.S)


@pytest.fixture(scope="module")
def pss_namespaces(apiserver: ApiServer) -> dict[Level, str]:
    for level, name in NAMESPACES.items():
        labels = {} if level is Level.PRIVILEGED else {"pod-security.kubernetes.io/enforce": level.value}
        apiserver.admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
    return NAMESPACES


def admission(server: ApiServer, pod: dict[str, Any], namespace: str) -> tuple[bool, str]:
    """(admitted, refusal detail) of a server-side dry-run create of `pod` in `namespace`."""
    pod = copy.deepcopy(pod)
    pod["metadata"]["namespace"] = namespace
    response = server.admin.create(pod, dry_run=True)
    if response.status == 201:
        return True, ""
    match = _FORBIDDEN.search(response.message)
    assert response.status == 403 and match, (
        f"{namespace}: not a PodSecurity refusal: {response.status} {response.message}"
    )
    return False, match.group("detail")


def compare(server: ApiServer, namespaces: dict[Level, str], name: str, pod: dict[str, Any], meta: ObjectMeta,
            spec: PodSpec) -> list[str]:  # fmt: skip
    """Disagreements between k8saudit and admission for one pod (empty when they agree)."""
    level, _ = highest_level(meta, spec)
    problems: list[str] = []
    for ns_level in ORDER:
        admitted, detail = admission(server, pod, namespaces[ns_level])
        if ns_level is Level.PRIVILEGED:
            assert admitted, f"{name}: refused even by an unlabelled namespace: {detail}"
            continue
        expected = ORDER.index(level) >= ORDER.index(ns_level)
        if admitted != expected:
            problems.append(
                f"{name}: k8saudit says {level.value}, but enforce={ns_level.value} "
                f"{'admitted' if admitted else 'refused'} it{': ' + detail if detail else ''}"
            )
        elif not admitted:
            ours = forbidden_detail(evaluate(meta, spec, ns_level))
            if ours != detail:
                problems.append(f"{name} at {ns_level.value}:\n  server:   {detail}\n  k8saudit: {ours}")
    return problems


CASES = list(cases())


def test_the_generated_cases_cover_every_level() -> None:
    assert {c.level for c in CASES} == set(Level)
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_generated_pod_level_matches_admission(
    case: Any, apiserver: ApiServer, pss_namespaces: dict[Level, str]
) -> None:
    assert compare(apiserver, pss_namespaces, case.name, case.pod, *_parsed(case.pod)) == []


# --- fixture workloads ---------------------------------------------------------------------------


def _template(doc: dict[str, Any]) -> dict[str, Any] | None:
    kind, spec = doc.get("kind"), doc.get("spec") or {}
    if kind == "Pod":
        return {"metadata": doc.get("metadata", {}), "spec": spec}
    if kind == "CronJob":
        return (spec.get("jobTemplate") or {}).get("spec", {}).get("template")
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        template: dict[str, Any] | None = spec.get("template")
        return template
    return None


def _fixture_documents() -> dict[str, list[dict[str, Any]]]:
    from tests.integration.cluster import realistic_cluster

    sets = {"realistic": realistic_cluster()}
    for path in sorted((REPO / "tests" / "e2e" / "manifests").glob("*.yaml")):
        sets[f"e2e-{path.stem}"] = [d for d in yaml.safe_load_all(path.read_text()) if d]
    demo = json.loads((REPO / "k8saudit" / "data" / "demo-cluster.json").read_text())
    sets["demo"] = [i for i in demo["items"] if i.get("kind") != "ClusterFacts"]
    return sets


def _workload_pods() -> list[tuple[str, dict[str, Any]]]:
    """(id, pod to create) for every object of the fixture sets that carries a pod template.

    A StatefulSet's pod also gets the claims the controller adds for its volumeClaimTemplates
    (PVC volumes: restricted allows them), so the pod is valid.
    """
    found = []
    for set_name, docs in _fixture_documents().items():
        for doc in docs:
            template = _template(doc)
            if template is None or "spec" not in template:
                continue
            meta = doc["metadata"]
            name = re.sub(
                r"[^a-z0-9-]", "-", f"{set_name}-{doc['kind']}-{meta.get('namespace')}-{meta['name']}".lower()
            )
            spec = copy.deepcopy(template["spec"])
            if doc["kind"] == "StatefulSet":
                volumes = spec.setdefault("volumes", [])
                defined = {v["name"] for v in volumes}
                for container in spec.get("containers", []):
                    for mount in container.get("volumeMounts", []):
                        if mount["name"] not in defined:
                            claim = {"claimName": f"{mount['name']}-{meta['name']}-0"}
                            volumes.append({"name": mount["name"], "persistentVolumeClaim": claim})
                            defined.add(mount["name"])
            annotations = (template.get("metadata") or {}).get("annotations") or {}
            pod = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name[:63].strip("-"), "annotations": annotations},
                "spec": spec,
            }
            found.append((name, pod))
    return found


WORKLOADS = _workload_pods()


def _parsed(pod: dict[str, Any]) -> tuple[ObjectMeta, PodSpec]:
    parsed = Pod.model_validate(pod)
    return parsed.metadata, parsed.spec


def test_the_fixture_workloads_are_many_and_mixed() -> None:
    levels = {highest_level(*_parsed(pod))[0] for _, pod in WORKLOADS}
    assert len(WORKLOADS) >= 40 and levels == set(Level)


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w[0] for w in WORKLOADS])
def test_fixture_workload_level_matches_admission(
    workload: tuple[str, dict[str, Any]], apiserver: ApiServer, pss_namespaces: dict[Level, str]
) -> None:
    name, pod = workload
    assert compare(apiserver, pss_namespaces, name, pod, *_parsed(pod)) == []
