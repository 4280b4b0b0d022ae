"""k8saudit as platform teams run it: the image, deploy/, a Job from the CronJob, on kind.

The flow: build the image (`docker build`, BuildKit), `kind load docker-image` it, apply deploy/
with the image swapped for the loaded one (`kubectl apply -k` on a generated overlay when
kubectl exists, else the same objects rendered by tests/deploy_support.py and server-side
applied with the kubernetes client), create a Job from the CronJob (what `kubectl create job
--from=cronjob/k8saudit` does), wait for it, read its JSON log, copy the report set out of the
volume with deploy/tools/report-reader.yaml (its command swapped for one that prints the volume's
layout and latest/report.json, read back through the API as the pod's log), and compare the
in-cluster report with a scan the CLI makes from outside with kind's admin kubeconfig.

Needs what the rest of the tier needs (--run-e2e, Docker, kind; see conftest.py) plus BuildKit
(`docker buildx`) to build the image; without it the tests here skip with that reason.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from tests.deploy_support import DEPLOY, REPO, load_yaml_documents, one, render
from tests.e2e.test_kind_scan import failing, k8saudit

if TYPE_CHECKING:
    from tests.e2e.conftest import KindCluster

pytestmark = pytest.mark.e2e

NAMESPACE = "k8saudit"
PLACEHOLDER_IMAGE = "registry.example.com/k8saudit"
#: Checks whose answer depends on where the scan runs from, not on the cluster: the API endpoint
#: is 10.96.0.1 (the kubernetes Service) inside, 127.0.0.1:<port> from the host.
VANTAGE_CHECKS = ("endpoint.",)


def run(args: list[str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


# --- image --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def image(kind_cluster: KindCluster) -> str:
    buildx = run(["docker", "buildx", "version"], timeout=60)
    if buildx.returncode != 0:
        pytest.skip(f"e2e: building the image needs BuildKit (`docker buildx`): {last_line(buildx.stderr)}")
    tag = f"k8saudit:e2e-{secrets.token_hex(3)}"
    built = run(["docker", "build", "-t", tag, str(REPO)], timeout=1800)
    assert built.returncode == 0, f"docker build failed: {last_line(built.stderr)}"
    loaded = run(["kind", "load", "docker-image", tag, "--name", kind_cluster.name])
    assert loaded.returncode == 0, f"kind load docker-image failed: {last_line(loaded.stderr)}"
    return tag


# --- deploy/ --------------------------------------------------------------------------------------


def _kubectl_apply(kubeconfig: Path, image: str, workdir: Path) -> None:
    """`kubectl apply -k` on an overlay of deploy/ that swaps in the loaded image (never pulled)."""
    name, _, tag = image.rpartition(":")
    overlay = workdir / "overlay"
    overlay.mkdir()
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [os.path.relpath(DEPLOY, overlay)],  # kustomize refuses absolute paths
        "images": [{"name": PLACEHOLDER_IMAGE, "newName": name, "newTag": tag}],
        "patches": [
            {
                "target": {"kind": "CronJob", "name": "k8saudit"},
                "patch": "- op: replace\n  path: /spec/jobTemplate/spec/template/spec/containers/0/imagePullPolicy\n"
                "  value: Never\n",
            }
        ],
    }
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    kubectl = shutil.which("kubectl") or "kubectl"
    applied = run([kubectl, "--kubeconfig", str(kubeconfig), "apply", "-k", str(overlay)])
    assert applied.returncode == 0, f"kubectl apply -k failed: {applied.stderr.strip()}"


def _client_apply(kubeconfig: Path, image: str) -> None:
    """Without kubectl: deploy/ rendered here, then server-side applied with the kubernetes client."""
    from kubernetes import config, dynamic

    api = dynamic.DynamicClient(config.new_client_from_config(config_file=str(kubeconfig)))
    for obj in render(DEPLOY):
        if obj["kind"] == "CronJob":
            container = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
            container["image"], container["imagePullPolicy"] = image, "Never"
        resource = api.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        namespace = obj["metadata"].get("namespace")
        api.server_side_apply(
            resource, body=obj, namespace=namespace, field_manager="k8saudit-e2e", force_conflicts=True
        )


@pytest.fixture(scope="module")
def deployed(kind_cluster: KindCluster, image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """deploy/ applied; yields an ApiClient; removes what it applied unless K8SAUDIT_E2E_KEEP=1."""
    from kubernetes import client, config

    workdir = tmp_path_factory.mktemp("deploy")
    if shutil.which("kubectl"):
        _kubectl_apply(kind_cluster.kubeconfig, image, workdir)
    else:
        _client_apply(kind_cluster.kubeconfig, image)
    api = config.new_client_from_config(config_file=str(kind_cluster.kubeconfig))
    yield api
    if os.environ.get("K8SAUDIT_E2E_KEEP") != "1":
        core, rbac = client.CoreV1Api(api), client.RbacAuthorizationV1Api(api)
        core.delete_namespace(NAMESPACE)
        rbac.delete_cluster_role_binding("k8saudit")
        rbac.delete_cluster_role("k8saudit")


# --- a Job from the CronJob -----------------------------------------------------------------------


def wait_for(what: str, seconds: float, probe: Any) -> Any:
    """Poll `probe` every 2 s until it returns something truthy; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"e2e: {what} did not happen within {seconds:.0f} s")
        time.sleep(2)


def job_from_cronjob(api: Any, name: str) -> dict[str, Any]:
    """What `kubectl create job --from=cronjob/k8saudit NAME` creates."""
    from kubernetes import client

    batch = client.BatchV1Api(api)
    cron = api.sanitize_for_serialization(batch.read_namespaced_cron_job("k8saudit", NAMESPACE))
    template = cron["spec"]["jobTemplate"]
    body = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": template.get("metadata", {}).get("labels", {}),
            "annotations": {"cronjob.kubernetes.io/instantiate": "manual"},
            "ownerReferences": [
                {
                    "apiVersion": "batch/v1",
                    "kind": "CronJob",
                    "name": cron["metadata"]["name"],
                    "uid": cron["metadata"]["uid"],
                    "controller": True,
                }
            ],
        },
        "spec": template["spec"],
    }
    batch.create_namespaced_job(NAMESPACE, body)
    deadline = template["spec"]["activeDeadlineSeconds"] + 300

    def finished() -> str | None:
        status = batch.read_namespaced_job_status(name, NAMESPACE).status
        for condition in status.conditions or []:
            if condition.type in ("Complete", "Failed") and condition.status == "True":
                return str(condition.type)
        return None

    outcome = wait_for(f"Job {name}", deadline, finished)
    core = client.CoreV1Api(api)
    pods = core.list_namespaced_pod(NAMESPACE, label_selector=f"job-name={name}").items
    logs = "\n".join(core.read_namespaced_pod_log(p.metadata.name, NAMESPACE) for p in pods)
    assert outcome == "Complete", f"the scan Job failed; its pods logged:\n{logs[-3000:]}"
    return {"logs": logs, "pods": [p.metadata.name for p in pods]}


READ_VOLUME = (
    "import json, os; "
    "print(json.dumps({'latest': os.readlink('/reports/latest'), 'entries': sorted(os.listdir('/reports')), "
    "'files': sorted(os.listdir('/reports/latest')), 'report': json.load(open('/reports/latest/report.json'))}))"
)


def read_volume(api: Any, image: str) -> dict[str, Any]:
    """deploy/tools/report-reader.yaml with a command that prints the volume, read as its log."""
    from kubernetes import client

    core = client.CoreV1Api(api)
    (reader,) = load_yaml_documents(DEPLOY / "tools" / "report-reader.yaml")
    name = f"{reader['metadata']['name']}-{secrets.token_hex(3)}"
    reader["metadata"]["name"] = name
    container = reader["spec"]["containers"][0]
    container.update(image=image, imagePullPolicy="Never", command=["python", "-c", READ_VOLUME])
    core.create_namespaced_pod(NAMESPACE, reader)

    def done() -> str | None:
        phase = core.read_namespaced_pod_status(name, NAMESPACE).status.phase
        return str(phase) if phase in ("Succeeded", "Failed") else None

    phase = wait_for(f"pod {name}", 300, done)
    text = core.read_namespaced_pod_log(name, NAMESPACE)
    core.delete_namespaced_pod(name, NAMESPACE)
    assert phase == "Succeeded", text[-2000:]
    volume: dict[str, Any] = json.loads(text)
    return volume


@pytest.fixture(scope="module")
def incluster(deployed: Any, image: str) -> dict[str, Any]:
    job = job_from_cronjob(deployed, f"k8saudit-e2e-{secrets.token_hex(3)}")
    volume = read_volume(deployed, image)
    return {**job, **volume}


@pytest.fixture(scope="module")
def outside(kind_cluster: KindCluster, incluster: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The CLI from the host, with kind's admin kubeconfig, right after the in-cluster scan."""
    out = tmp_path_factory.mktemp("outside")
    proc = k8saudit("scan", "--kubeconfig", str(kind_cluster.kubeconfig), "-q", "-f", "json", "-o", "r.json", cwd=out)
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "r.json").read_text())


# --- what the Job did -----------------------------------------------------------------------------


def test_the_job_logged_json_lines_and_exited_0(incluster: dict[str, Any]) -> None:
    events = [json.loads(line) for line in incluster["logs"].splitlines() if line.strip()]
    assert events[0]["event"] == "start" and events[0]["source"] == "live"
    done = events[-1]
    assert done["event"] == "done" and done["exit"] == 0
    assert done["cluster"] == "in-cluster"  # no kubeconfig in the pod: in-cluster config by default
    assert not [e for e in events if e["event"] == "list" and e["status"] != "ok"], "a kind was not readable"


def test_the_report_set_landed_on_the_volume(incluster: dict[str, Any]) -> None:
    assert incluster["files"] == ["report.html", "report.json", "report.md"]
    run_dirs = [e for e in incluster["entries"] if e != "latest"]
    assert run_dirs == [incluster["latest"]]  # one run so far, no leftovers beside it
    report = incluster["report"]
    assert report["cluster"]["source"] == "live" and report["cluster"]["context"] == "in-cluster"


def test_the_scanners_role_loses_nothing_to_permissions(incluster: dict[str, Any]) -> None:
    report = incluster["report"]
    gaps = report["coverage"]["gaps"]
    assert set(gaps) <= {"kubelet", "secret-metadata"}, gaps  # opt-ins only; the base role reads the rest
    statuses = {c["id"]: c for c in report["checks"]}
    if "cp.authorizer-probe" in statuses:
        assert statuses["cp.authorizer-probe"]["status"] == "pass"  # create subjectaccessreviews is granted


def test_the_incluster_report_flags_the_fixtures(incluster: dict[str, Any]) -> None:
    report = incluster["report"]
    assert ("DaemonSet", "e2e-insecure", "node-agent") in failing(report, "pod.privileged")
    assert ("Deployment", "e2e-insecure", "root-app") in failing(report, "pod.run-as-non-root")


def test_the_scanner_passes_its_own_audit_in_the_cluster(incluster: dict[str, Any]) -> None:
    bad = [
        (f["check"], f["resource"]["kind"], f["resource"]["name"], f["message"])
        for f in incluster["report"]["findings"]
        if f["status"] == "fail"
        and f["resource"]
        and f["resource"]["namespace"] == NAMESPACE
        # the e2e overlay swaps the pinned image for the loaded `k8saudit:e2e-…` tag
        and not f["check"].startswith("image.")
    ]
    assert bad == []


def test_inside_and_outside_agree(incluster: dict[str, Any], outside: dict[str, Any]) -> None:
    inside = incluster["report"]
    # the same failing fixtures, check by check
    for check in {f["check"] for f in inside["findings"]} | {f["check"] for f in outside["findings"]}:
        mine = {r for r in failing(inside, check) if r[1] and r[1].startswith("e2e-")}
        theirs = {r for r in failing(outside, check) if r[1] and r[1].startswith("e2e-")}
        assert mine == theirs, check
    # the same verdict on every check, except those that depend on where the scan runs from
    statuses = {
        name: {c["id"]: c["status"] for c in report["checks"] if not c["id"].startswith(VANTAGE_CHECKS)}
        for name, report in (("inside", inside), ("outside", outside))
    }
    assert statuses["inside"] == statuses["outside"]
    assert inside["coverage"]["gaps"].keys() == outside["coverage"]["gaps"].keys()


def test_the_cronjob_under_test_is_deploys(deployed: Any) -> None:
    """What ran is deploy/'s CronJob, only the image swapped (guards the overlay above)."""
    from kubernetes import client

    live = deployed.sanitize_for_serialization(
        client.BatchV1Api(deployed).read_namespaced_cron_job("k8saudit", NAMESPACE)
    )
    ours = one(render(DEPLOY), "CronJob")
    live_pod, our_pod = (c["spec"]["jobTemplate"]["spec"]["template"]["spec"] for c in (live, ours))
    assert live_pod["containers"][0]["args"] == our_pod["containers"][0]["args"]
    assert live_pod["securityContext"] == our_pod["securityContext"]
    assert live["spec"]["concurrencyPolicy"] == "Forbid"
