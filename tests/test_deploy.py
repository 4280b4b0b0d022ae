"""deploy/: the ClusterRole grants exactly what the collector needs (no more, no less), the
auditor passes its own audit, the CronJob is what the README promises, and deploy/ is valid
kustomize.

The requests a scan *really* makes are checked against the same table over HTTP in
tests/integration/test_deploy_rbac.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from k8saudit.cli import EXIT_INTERNAL, app
from k8saudit.runtime import errors, reportdir
from k8saudit.runtime.lifecycle import EXIT_TERMINATED
from k8saudit.sources.live import API_PERMISSIONS
from tests.deploy_support import (
    BASE,
    CLUSTER_ROLE_FILE,
    DEPLOY,
    METRICS_OVERLAY,
    OVERLAYS,
    PERMISSION_OVERLAYS,
    REPO,
    Permission,
    granted,
    kubectl_kustomize,
    load_yaml_documents,
    one,
    opt_ins,
    render,
    required,
    scanner,
)

FOLDERS = [DEPLOY, *OVERLAYS]
NAMESPACE = "k8saudit"


def _ids(folder: Path) -> str:
    return str(folder.relative_to(REPO))


def _key(obj: dict[str, Any]) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def _drift(granted_perms: set[Permission], needed: set[Permission]) -> str:
    def fmt(perms: set[Permission]) -> str:
        return ", ".join(f"{v} {r}{'.' + g if g else ''}" for g, r, v in sorted(perms)) or "nothing"

    return (
        f"granted but not needed: {fmt(granted_perms - needed)}; needed but not granted: {fmt(needed - granted_perms)} "
        "(the collector's requests are KINDS in k8saudit/model/kinds.py plus API_PERMISSIONS in "
        "k8saudit/sources/live.py; fix deploy/base/clusterrole.yaml and the README's copy)"
    )


# --- the ClusterRole drift test ----------------------------------------------------------------


@pytest.mark.parametrize("folder", FOLDERS, ids=_ids)
def test_the_cluster_role_grants_exactly_what_the_cronjobs_scan_needs(folder: Path) -> None:
    pod = scanner(folder)
    needed = required(opt_ins(pod.args))
    assert granted(pod.role) == needed, _drift(granted(pod.role), needed)


def test_the_base_role_reads_and_asks_only() -> None:
    perms = granted(scanner(DEPLOY).role)
    assert not [p for p in perms if p[1] == "secrets" or p[1].startswith("nodes/")]
    assert {verb for _, _, verb in perms} == {"get", "list", "create"}
    assert [p for p in perms if p[2] == "create"] == [("authorization.k8s.io", "subjectaccessreviews", "create")]


@pytest.mark.parametrize("folder", PERMISSION_OVERLAYS, ids=_ids)
def test_an_overlay_adds_only_its_opt_in_flag_and_the_permission_it_needs(folder: Path) -> None:
    base, overlay = scanner(DEPLOY), scanner(folder)
    added_args = [a for a in overlay.args if a not in base.args]
    assert [a for a in base.args if a not in overlay.args] == []
    options = opt_ins(added_args)
    assert options and len(options) == len(added_args), f"{added_args} must be collector opt-in flags"
    added = granted(overlay.role) - granted(base.role)
    assert added == {perm for perm, option in API_PERMISSIONS.items() if option in options}
    assert granted(base.role) <= granted(overlay.role)
    # the danger is said where the permission is granted
    text = (folder / "kustomization.yaml").read_text()
    assert "DANGER" in text or "What this grants" in text


def test_the_kubelet_overlay_adds_nodes_proxy_and_says_why_it_is_dangerous() -> None:
    folder = DEPLOY / "overlays" / "kubelet"
    overlay = scanner(folder)
    assert "--kubelet-config" in overlay.args
    assert ("", "nodes/proxy", "get") in granted(overlay.role)
    text = (folder / "kustomization.yaml").read_text()
    assert re.search(r"DANGER.*nodes/proxy.*exec", text, re.S), "the overlay must say why nodes/proxy is dangerous"


def test_the_metrics_overlay_adds_the_push_and_its_egress_and_no_permission(tmp_path: Path) -> None:
    base, overlay = scanner(DEPLOY), scanner(METRICS_OVERLAY)
    added = [a for a in overlay.args if a not in base.args]
    assert [a.split("=", 1)[0] for a in added] == ["--pushgateway", "--cluster-name"]
    assert [a for a in base.args if a not in overlay.args] == []
    assert granted(overlay.role) == granted(base.role)  # pushing needs no Kubernetes permission
    (policy,) = [o for o in render(METRICS_OVERLAY) if o["metadata"]["name"] == "k8saudit-to-pushgateway"]
    assert policy["spec"]["policyTypes"] == ["Egress"]
    ports = sorted((p["protocol"], p["port"]) for rule in policy["spec"]["egress"] for p in rule["ports"])
    assert ports == [("TCP", 53), ("TCP", 9091), ("UDP", 53)]
    assert all(rule["to"] for rule in policy["spec"]["egress"])  # to named pods only, never anywhere
    # the arguments are ones `scan` accepts, and the overlay passes the auditor's own audit
    result = CliRunner().invoke(app, ["scan", "--help"], terminal_width=200)
    assert "--pushgateway" in result.output and "--cluster-name" in result.output
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml.safe_dump_all(render(METRICS_OVERLAY)))
    report = _scan_manifests(rendered)
    assert [f["check"] for f in report["findings"] if f["status"] == "fail"] == []


def test_exactly_one_cluster_role_file_in_deploy() -> None:
    """The real-API-server tier and the README read the scanner's role from this one file."""
    found = [
        (path, doc["metadata"]["name"])
        for path in sorted(DEPLOY.rglob("*.y*ml"))
        for doc in load_yaml_documents(path)
        if isinstance(doc, dict) and doc.get("kind") == "ClusterRole"
    ]
    assert found == [(CLUSTER_ROLE_FILE, "k8saudit")]


def test_the_readme_shows_the_same_cluster_role_and_points_to_deploy() -> None:
    readme = (REPO / "README.md").read_text()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", readme, re.S)]
    (role,) = [b for b in blocks if isinstance(b, dict) and b.get("kind") == "ClusterRole"]
    assert granted(role) == granted(scanner(DEPLOY).role)
    assert "deploy/base/clusterrole.yaml" in readme


# --- deploy/ is valid kustomize ------------------------------------------------------------------


@pytest.mark.parametrize("folder", FOLDERS, ids=_ids)
def test_the_kustomize_subset_renders_what_kubectl_kustomize_renders(folder: Path) -> None:
    real = kubectl_kustomize(folder)
    if real is None:
        pytest.skip("kubectl is not on PATH: deploy/ rendered by tests/deploy_support.py only")
    ours = render(folder)
    assert sorted(map(_key, real)) == sorted(map(_key, ours))
    by_key = {_key(o): o for o in ours}
    for obj in real:
        assert obj == by_key[_key(obj)], _key(obj)


def test_every_manifest_is_listed_and_namespaced() -> None:
    listed = yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in BASE.glob("*.yaml") if p.name != "kustomization.yaml")
    for obj in render(DEPLOY):
        if obj["kind"] not in ("Namespace", "ClusterRole", "ClusterRoleBinding"):
            assert obj["metadata"].get("namespace") == NAMESPACE, _key(obj)


# --- the objects -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return render(DEPLOY)


def test_the_namespace_enforces_restricted(objects: list[dict[str, Any]]) -> None:
    labels = one(objects, "Namespace")["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"


def test_the_cronjob_is_hardened_and_bounded(objects: list[dict[str, Any]]) -> None:
    cron = one(objects, "CronJob")
    spec = cron["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["successfulJobsHistoryLimit"] >= 1 and spec["failedJobsHistoryLimit"] >= 1
    job = spec["jobTemplate"]["spec"]
    assert 0 < job["activeDeadlineSeconds"] <= 3600
    pod = job["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    sc = container["securityContext"]
    assert sc["runAsNonRoot"] is True and isinstance(sc["runAsUser"], int) and sc["runAsUser"] > 0
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind])
    assert re.fullmatch(r"[^@]+@sha256:[0-9a-f]{64}", container["image"]), "pin the image by digest"
    # writes go to the report volume and a memory-backed /tmp only (HOME and TMPDIR in the image)
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes[mounts["/tmp"]]["emptyDir"]["medium"] == "Memory"
    claim = volumes[mounts["/reports"]]["persistentVolumeClaim"]["claimName"]
    assert claim == one(objects, "PersistentVolumeClaim")["metadata"]["name"]


def test_the_pod_mounts_a_projected_token_and_nothing_else_does(objects: list[dict[str, Any]]) -> None:
    account = one(objects, "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    pod = one(objects, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert pod["automountServiceAccountToken"] is False
    (container,) = pod["containers"]
    (mount,) = [
        m for m in container["volumeMounts"] if m["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount"
    ]
    assert mount["readOnly"] is True
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    sources = volume["projected"]["sources"]
    (token,) = [s["serviceAccountToken"] for s in sources if "serviceAccountToken" in s]
    # the files load_incluster_config reads: token and ca.crt (and the namespace, as kubelet writes it)
    assert token["path"] == "token"
    assert token["expirationSeconds"] >= one(objects, "CronJob")["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"]
    paths = {i["path"] for s in sources for src in s.values() for i in src.get("items", [])}
    assert paths == {"ca.crt", "namespace"}
    binding = one(objects, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == one(objects, "ClusterRole")["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account["metadata"]["name"], "namespace": NAMESPACE}
    ]


def test_job_retries_follow_the_exit_codes(objects: list[dict[str, Any]]) -> None:
    """Findings never fail the Job (--fail-on none); errors a retry cannot fix fail it at once;
    an unreachable API server or a terminated pod is retried."""
    cron = one(objects, "CronJob")
    job = cron["spec"]["jobTemplate"]["spec"]
    (container,) = job["template"]["spec"]["containers"]
    assert "--fail-on=none" in container["args"]
    fail_job = [r for r in job["podFailurePolicy"]["rules"] if r["action"] == "FailJob"]
    (codes,) = [r["onExitCodes"] for r in fail_job]
    assert codes["containerName"] == container["name"] and codes["operator"] == "In"
    assert sorted(codes["values"]) == sorted([errors.EXIT_FINDINGS, errors.EXIT_INPUT, EXIT_INTERNAL])
    assert errors.EXIT_CLUSTER not in codes["values"] and EXIT_TERMINATED not in codes["values"]
    assert job["backoffLimit"] >= 1


def test_the_cronjobs_command_line_runs(objects: list[dict[str, Any]], tmp_path: Path) -> None:
    """The exact args, against the demo snapshot instead of the cluster, into a local folder."""
    (container,) = one(objects, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    args = [a.replace("/reports", str(tmp_path / "reports")) for a in container["args"]]
    for _ in range(2):
        result = CliRunner().invoke(app, [*args, "--demo"])
        assert result.exit_code == 0, (result.output, result.exception)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[-1]["event"] == "done" and lines[-1]["exit"] == 0
    runs = reportdir.runs(tmp_path / "reports")
    assert len(runs) == 2
    latest = tmp_path / "reports" / "latest"
    assert latest.resolve() == runs[-1].resolve()
    assert sorted(p.name for p in latest.iterdir()) == ["report.html", "report.json", "report.md"]


# --- the auditor passes its own audit ------------------------------------------------------------


def _scan_manifests(*paths: Path) -> dict[str, Any]:
    args = ["scan", "--quiet", "--format", "json", "--output", "-"]
    for path in paths:
        args += ["--manifests", str(path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_the_auditor_passes_its_own_audit() -> None:
    """`k8saudit scan --manifests deploy/`: no failing finding, and any exemption says why."""
    report = _scan_manifests(DEPLOY)
    failing = [(f["check"], f["resource"], f["message"]) for f in report["findings"] if f["status"] == "fail"]
    assert failing == []
    for finding in report["findings"]:
        if finding["status"] == "exempt":
            assert (finding["exemption"] or {}).get("reason"), finding
    # and it was judged, not waved through: the scanner's pod passed the pod checks
    statuses = {c["id"]: c for c in report["checks"]}
    for check in ("pod.run-as-non-root", "pod.read-only-root-fs", "pod.capabilities", "pod.service-account-token"):
        if check in statuses:
            assert statuses[check]["status"] == "pass" and statuses[check]["passed"] >= 1, statuses[check]
    if "net.default-deny" in statuses:
        assert statuses["net.default-deny"]["status"] == "pass"


@pytest.mark.parametrize("folder", PERMISSION_OVERLAYS, ids=_ids)
def test_an_overlay_fails_only_on_the_risk_it_documents(folder: Path, tmp_path: Path) -> None:
    """Rendered, an overlay's only failures are about the ClusterRole's added permission."""
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml.safe_dump_all(render(folder)))
    report = _scan_manifests(rendered)
    failing = [f for f in report["findings"] if f["status"] == "fail"]
    assert failing, "the overlay's added permission should be reported"
    for finding in failing:
        resource = finding["resource"] or {}
        assert resource.get("kind") in ("ClusterRole", "ClusterRoleBinding") and resource.get("name") == "k8saudit", (
            finding["check"],
            finding["message"],
        )
    if "--kubelet-config" in scanner(folder).args:
        assert "rbac.node-proxy" in {f["check"] for f in failing}


def test_the_report_reader_mounts_the_report_volume_read_only_with_the_scanners_image(
    objects: list[dict[str, Any]],
) -> None:
    (reader,) = load_yaml_documents(DEPLOY / "tools" / "report-reader.yaml")
    cron_pod = one(objects, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    raw_cron = one(load_yaml_documents(BASE / "cronjob.yaml"), "CronJob")
    raw_image = raw_cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"]
    (container,) = reader["spec"]["containers"]
    assert container["image"] == raw_image
    assert reader["metadata"]["namespace"] == NAMESPACE and reader["spec"]["automountServiceAccountToken"] is False
    (volume,) = reader["spec"]["volumes"]
    claim = volume["persistentVolumeClaim"]
    assert claim == {"claimName": one(objects, "PersistentVolumeClaim")["metadata"]["name"], "readOnly": True}
    assert container["volumeMounts"] == [{"name": volume["name"], "mountPath": "/reports", "readOnly": True}]
    assert reader["spec"]["securityContext"]["runAsUser"] == cron_pod["securityContext"]["runAsUser"]
