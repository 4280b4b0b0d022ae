"""Objects with only `metadata.generateName` (issue 15, item 3).

`kubectl create -f` of such a manifest makes a new object each time, named by the API server
(`generateName` plus five random characters): two of them in one file are two objects. Before
this they were both read with `name: ""`, so they shared one identity: one workload, one set of
findings, the second one never audited. Now each is `generateName*` (no workload name can hold
a `*`), numbered `#2`, `#3` when several share a prefix, and reports show that name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.findings import Status
from k8saudit.sources.files import load_manifests, load_snapshot
from tests.security.support import run_main


def job(generate_name: str | None, *, name: str | None = None, run_as_root: bool = True) -> dict[str, Any]:
    meta: dict[str, Any] = {"namespace": "batch"}
    if generate_name is not None:
        meta["generateName"] = generate_name
    if name is not None:
        meta["name"] = name
    security = {"runAsUser": 0} if run_as_root else {"runAsNonRoot": True, "runAsUser": 1000}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "migrate", "image": "app:1.0", "securityContext": security}],
                }
            }
        },
    }


def write_docs(path: Path, *docs: dict[str, Any]) -> Path:
    path.write_text("---\n".join(yaml.safe_dump(d) for d in docs))
    return path


def test_two_objects_with_the_same_generate_name_are_two_workloads_and_two_findings(tmp_path: Path) -> None:
    path = write_docs(tmp_path / "jobs.yaml", job("migrate-"), job("migrate-"))
    inv = load_manifests([path])
    assert [(w.kind, w.namespace, w.name) for w in inv.workloads] == [
        ("Job", "batch", "migrate-*"),
        ("Job", "batch", "migrate-*#2"),
    ]
    report = run_checks(inv, ScanOptions(checks=("pod.run-as-non-root",)))
    failed = [f for f in report.findings if f.status is Status.FAIL]
    second = path.read_text().splitlines().index("---") + 2
    assert [(f.resource.name if f.resource else None, f.location) for f in failed] == [
        ("migrate-*", f"{path}:1"),
        ("migrate-*#2", f"{path}:{second}"),
    ]
    assert len({f.key() for f in failed}) == 2, "two identities, so a baseline tells them apart"


def test_the_identity_is_stable_when_one_of_them_is_fixed(tmp_path: Path) -> None:
    """Numbered by position among those sharing the prefix, not by content: fixing the first Job
    resolves its finding and leaves the second one's identity as it was."""
    before = load_manifests([write_docs(tmp_path / "a.yaml", job("migrate-"), job("migrate-"))])
    after = load_manifests([write_docs(tmp_path / "b.yaml", job("migrate-", run_as_root=False), job("migrate-"))])
    options = ScanOptions(checks=("pod.run-as-non-root",))
    keys_before = {f.key() for f in run_checks(before, options).findings if f.status is Status.FAIL}
    keys_after = {f.key() for f in run_checks(after, options).findings if f.status is Status.FAIL}
    assert keys_after < keys_before
    assert [k.split("|")[1] for k in sorted(keys_after)] == ["Job batch/migrate-*#2"]


def test_prefixes_are_numbered_per_kind_and_namespace_and_real_names_are_kept(tmp_path: Path) -> None:
    other_ns = job("migrate-")
    other_ns["metadata"]["namespace"] = "shop"
    named = job("migrate-", name="migrate-now")  # a name wins over generateName, as on the API server
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"generateName": "migrate-", "namespace": "batch"},
        "spec": {"containers": [{"name": "c", "image": "app:1.0"}]},
    }
    inv = load_manifests([write_docs(tmp_path / "m.yaml", job("migrate-"), other_ns, named, pod, job("migrate-"))])
    assert [(o.kind, o.namespace, o.name) for o in inv.all_objects()] == [
        ("Job", "batch", "migrate-*"),
        ("Job", "shop", "migrate-*"),
        ("Job", "batch", "migrate-now"),
        ("Job", "batch", "migrate-*#2"),
        ("Pod", "batch", "migrate-*"),
    ]


def test_a_snapshot_list_gives_the_same_identities(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [job("migrate-"), job("migrate-")]}))
    assert [w.name for w in load_snapshot(path).workloads] == ["migrate-*", "migrate-*#2"]


def test_reports_show_the_generated_name(tmp_path: Path) -> None:
    path = write_docs(tmp_path / "jobs.yaml", job("migrate-"), job("migrate-"))
    outcome = run_main("scan", "--manifests", path, "-f", "json", "-o", "-", "-q")
    assert outcome.code == 0, outcome.stderr
    names = {f["resource"]["name"] for f in outcome.report()["findings"] if f["check"] == "pod.run-as-non-root"}
    assert names == {"migrate-*", "migrate-*#2"}
    markdown = run_main("scan", "--manifests", path, "-f", "md", "-o", "-", "-q").stdout
    assert "Job batch/migrate-\\* (" in markdown and "Job batch/migrate-\\*\\#2 (" in markdown  # escaped
    assert "Job batch/ (" not in markdown
