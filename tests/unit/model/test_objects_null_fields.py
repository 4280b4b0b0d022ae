"""`null` in an optional field is the field left out (issue 15, item 1), and an object that is still
malformed is skipped with one warning while the rest is audited.

The API server decodes JSON into Go structs: a `null` map, slice or pointer is simply unset
(`encoding/json`: "unmarshals into an interface, map, pointer, or slice by setting that Go value to
nil"). Helm renders such nulls constantly (`annotations:`, `volumeMounts:` with nothing under
them), and before this a single one made the whole file exit 2 with "Input should be a valid
dictionary". The fixtures in `tests/data/null-fields/` imitate the OpenTelemetry demo, Istio's
kiali.yaml and common chart defaults (see its README).
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model import objects as o
from k8saudit.model.facts import SkippedObject
from k8saudit.model.findings import Status
from k8saudit.sources.files import _snapshot_items, load_manifests, load_snapshot
from tests.security.support import run_main

DATA = Path(__file__).resolve().parents[2] / "data" / "null-fields"


def pod(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}], **spec},
    }


def container_with(**fields: Any) -> dict[str, Any]:
    return pod(containers=[{"name": "c", "image": "nginx:1.27", **fields}])


def delete(doc: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return doc


def set_null(doc: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = None
    return doc


#: Every null shape the issue names, and more that charts render; each path is set to null in a
#: pod that has the field, and must read as the same pod without that key.
NULL_PATHS: list[tuple[str | int, ...]] = [
    ("metadata", "annotations"),
    ("metadata", "labels"),
    ("metadata", "ownerReferences"),
    ("spec", "volumes"),
    ("spec", "initContainers"),
    ("spec", "tolerations"),
    ("spec", "nodeSelector"),
    ("spec", "securityContext"),
    ("spec", "containers", 0, "resources"),
    ("spec", "containers", 0, "resources", "limits"),
    ("spec", "containers", 0, "resources", "requests"),
    ("spec", "containers", 0, "volumeMounts"),
    ("spec", "containers", 0, "env"),
    ("spec", "containers", 0, "envFrom"),
    ("spec", "containers", 0, "ports"),
    ("spec", "containers", 0, "command"),
    ("spec", "containers", 0, "args"),
    ("spec", "containers", 0, "securityContext", "capabilities", "add"),
    ("spec", "containers", 0, "securityContext", "capabilities", "drop"),
]

FULL = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "p",
        "namespace": "shop",
        "labels": {"app": "web"},
        "annotations": {"team": "a"},
        "ownerReferences": [],
    },
    "spec": {
        "volumes": [{"name": "v", "emptyDir": {}}],
        "initContainers": [{"name": "i", "image": "busybox:1.36"}],
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "nodeSelector": {"disk": "ssd"},
        "securityContext": {"runAsNonRoot": True},
        "containers": [
            {
                "name": "c",
                "image": "nginx:1.27",
                "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "10m"}},
                "volumeMounts": [{"name": "v", "mountPath": "/v"}],
                "env": [{"name": "A", "value": "1"}],
                "envFrom": [{"configMapRef": {"name": "cm"}}],
                "ports": [{"containerPort": 80}],
                "command": ["nginx"],
                "args": ["-g", "daemon off;"],
                "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}},
            }
        ],
    },
}


@pytest.mark.parametrize("path", NULL_PATHS, ids=lambda p: ".".join(map(str, p)))
def test_a_null_field_reads_as_the_field_left_out(path: tuple[str | int, ...]) -> None:
    with_null = set_null(FULL, path)
    assert o.Pod.model_validate(with_null) == o.Pod.model_validate(delete(FULL, path))
    assert with_null == set_null(FULL, path), "the caller's data is not changed"


@pytest.mark.parametrize("path", NULL_PATHS, ids=lambda p: ".".join(map(str, p)))
def test_a_live_page_with_a_null_field_is_read(path: tuple[str | int, ...]) -> None:
    """Live pages are validated straight from their bytes (`ObjectList.model_validate_json`)."""
    page = json.dumps({"kind": "PodList", "metadata": {}, "items": [set_null(FULL, path)]}).encode()
    parsed = o.ObjectList[o.Pod].model_validate_json(page)
    assert parsed.items == [o.Pod.model_validate(delete(FULL, path))]
    assert "items" in parsed.model_fields_set


def test_the_nulls_of_a_whole_controller_are_read_as_absent() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": None, "annotations": None},
        "spec": {"template": {"metadata": {"labels": None}, "spec": set_null(FULL, ("spec", "volumes"))["spec"]}},
    }
    parsed = o.Deployment.model_validate(deployment)
    assert parsed.metadata.labels == {} and parsed.spec.template.spec.volumes == []
    assert parsed.spec.template.spec.containers[0].resources.limits == {"memory": "1Gi"}


def test_a_null_list_item_is_not_forgiven() -> None:
    """`containers: [null]` is a zero-valued container to the API server, which it refuses (no
    name): not an absent one. It stays malformed."""
    with pytest.raises(ValidationError, match=r"containers\.0"):
        o.Pod.model_validate(pod(containers=[None]))


def test_a_null_where_a_value_is_required_stays_malformed() -> None:
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "b"},
        "subjects": None,
        "roleRef": None,
    }
    with pytest.raises(ValidationError, match="roleRef"):
        o.RoleBinding.model_validate(binding)


def test_a_valid_object_is_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hot path (20,000 pods parsed from bytes) pays nothing: nulls are looked for only after
    pydantic refused something."""

    def never(*_: Any) -> Any:
        raise AssertionError("a valid object went through the null path")

    monkeypatch.setattr(o, "without_refused_nulls", never)
    page = json.dumps({"kind": "PodList", "items": [FULL, FULL]}).encode()
    assert len(o.ObjectList[o.Pod].model_validate_json(page).items) == 2
    assert o.Pod.model_validate(FULL).name == "p"


def test_a_snapshot_with_nulls_keeps_its_fast_path() -> None:
    doc = {"apiVersion": "v1", "kind": "List", "items": [set_null(FULL, ("metadata", "labels")), FULL]}
    items = _snapshot_items(doc, "snap.json")
    assert items is not None
    assert [type(i) for i in items] == [o.Pod, o.Pod]


# --- the renderings of public charts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "otel-demo-components.yaml",
            {("ServiceAccount", "otel-demo"), ("Deployment", "otel-demo-cart"), ("Deployment", "otel-demo-checkout")},
        ),
        ("kiali-service.yaml", {("Service", "kiali"), ("Deployment", "kiali")}),
        ("chart-defaults.yaml", {("Namespace", "shop"), ("Deployment", "web"), ("RoleBinding", "nobody-yet")}),
    ],
)
def test_a_helm_rendering_with_null_fields_is_audited(name: str, expected: set[tuple[str, str]]) -> None:
    inv = load_manifests([DATA / name])
    assert {(obj.kind, obj.name) for obj in inv.all_objects()} == expected
    assert inv.facts.skipped == []
    report = run_checks(inv, ScanOptions(checks=("pod.memory-limits", "pod.run-as-non-root")))
    assert all(c.status is not Status.NOT_ASSESSABLE for c in report.checks)


def test_the_otel_demo_shape_is_judged_on_what_it_declares() -> None:
    """Both app containers declare a memory limit; the busybox init container does not."""
    report = run_checks(
        load_manifests([DATA / "otel-demo-components.yaml"]), ScanOptions(checks=("pod.memory-limits",))
    )
    (summary,) = report.checks
    assert (summary.status, summary.passed, summary.failed) == (Status.FAIL, 2, 1)
    (finding,) = [f for f in report.findings if f.status is Status.FAIL]
    assert finding.resource is not None
    assert (finding.resource.name, finding.container) == ("otel-demo-checkout", "wait-for-kafka")


def test_the_chart_defaults_fail_what_they_leave_unset() -> None:
    """`limits:` with no value is no limit: the memory-limit check fails the Deployment."""
    report = run_checks(load_manifests([DATA / "chart-defaults.yaml"]), ScanOptions(checks=("pod.memory-limits",)))
    failed = [f.resource.name for f in report.findings if f.status is Status.FAIL and f.resource]
    assert failed == ["web"]


def test_a_scan_of_the_kiali_shape_exits_cleanly_without_a_warning() -> None:
    outcome = run_main("scan", "--manifests", DATA / "kiali-service.yaml", "-f", "json", "-o", "-", "-q")
    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr == ""
    names = {(f["resource"] or {}).get("name") for f in outcome.report()["findings"]}
    assert "kiali" in names


# --- what is still malformed: skipped, warned, noted ---------------------------------------------------


MALFORMED = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "broken", "namespace": "shop"},
    "spec": {"replicas": "many", "template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
}
GOOD = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "good", "namespace": "shop"},
    "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}},
}


def test_a_malformed_object_is_skipped_with_one_warning_and_the_rest_is_audited(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(GOOD) + "---\n" + yaml.safe_dump(MALFORMED))
    line = path.read_text().splitlines().index("---") + 2
    with caplog.at_level(logging.WARNING, logger="k8saudit"):
        inv = load_manifests([path])
    assert [(obj.kind, obj.name) for obj in inv.all_objects()] == [("Deployment", "good")]
    assert inv.facts.skipped == [
        SkippedObject(
            origin=f"{path}:{line}",
            kind="Deployment",
            namespace="shop",
            name="broken",
            problem="spec.replicas: Input should be a valid integer, unable to parse string as an integer",
        )
    ]
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    message = record.getMessage()
    assert message.startswith(f"{path}:{line}: skipped a malformed Deployment shop/broken, the rest is audited: ")
    assert "spec.replicas" in message and "many" not in message, "the field is named, never its value"


def test_the_skipped_object_is_a_note_on_the_inputs_that_needed_it(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(GOOD) + "---\n" + yaml.safe_dump(MALFORMED))
    inv = load_manifests([path])
    for name in ("Deployment", "workloads"):
        avail = inv.availability(name)
        assert avail.status == "ok"
        assert avail.reason is not None
        assert avail.reason.startswith("1 malformed object was not read, so not audited: ")
        assert "(Deployment shop/broken): spec.replicas" in avail.reason
    report = run_checks(inv, ScanOptions(checks=("pod.memory-limits",)))
    (entry,) = [i for i in report.coverage.inputs if i.name == "workloads"]
    assert entry.reason is not None and "shop/broken" in entry.reason
    assert report.checks[0].failed == 1  # the good Deployment is audited


def test_only_malformed_objects_of_an_input_make_it_an_error_not_absent(tmp_path: Path) -> None:
    """A set of manifests whose only Deployment is malformed does not hold "no workloads": the
    checks are not-assessable because of what was skipped, and say so."""
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(MALFORMED))
    inv = load_manifests([path])
    avail = inv.availability("workloads")
    assert avail.status == "error"
    assert avail.reason is not None and "shop/broken" in avail.reason
    (summary,) = run_checks(inv, ScanOptions(checks=("pod.memory-limits",))).checks
    assert summary.status is Status.NOT_ASSESSABLE
    assert summary.reason is not None and "shop/broken" in summary.reason


def test_a_snapshot_skips_a_malformed_item_and_reads_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}, MALFORMED, GOOD]
    path = tmp_path / "snap.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    with caplog.at_level(logging.WARNING, logger="k8saudit"):
        inv = load_snapshot(path)
    assert [(obj.kind, obj.name) for obj in inv.all_objects()] == [("Namespace", "shop"), ("Deployment", "good")]
    assert [s.origin for s in inv.facts.skipped] == [f"{path} item 1"]
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [f"{path} item 1"]


def test_the_cli_prints_one_warning_line_per_skipped_object_and_reports_the_rest(tmp_path: Path) -> None:
    second = copy.deepcopy(MALFORMED)
    second["metadata"]["name"] = "broken-too"
    second["spec"] = {"template": {"spec": {"containers": "nginx"}}}
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(MALFORMED) + "---\n" + yaml.safe_dump(GOOD) + "---\n" + yaml.safe_dump(second))
    outcome = run_main("scan", "--manifests", path, "-f", "json", "-o", "-", "-q")
    assert outcome.code == 0, outcome.stderr
    lines = outcome.stderr.splitlines()
    assert len(lines) == 2, outcome.stderr
    assert lines[0].startswith(f"k8saudit: warning: {path}:1: skipped a malformed Deployment shop/broken, ")
    assert "spec.replicas" in lines[0]
    assert f"{path}:" in lines[1] and "shop/broken-too" in lines[1] and "spec.template.spec.containers" in lines[1]
    report = outcome.report()
    named = {(f["resource"] or {}).get("name") for f in report["findings"] if f["status"] == "fail"}
    assert named == {"good"}, "the good Deployment is audited, the skipped ones are not"
    (workloads,) = [i for i in report["coverage"]["inputs"] if i["name"] == "workloads"]
    assert workloads["reason"].startswith("2 malformed objects were not read, so not audited: ")
