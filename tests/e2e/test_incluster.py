"""k8saudit as platform teams run it: the image, `kubectl apply -k deploy/`, a Job from the CronJob.

The flow: build the image from the Dockerfile and make it available to the node (providers.py),
apply deploy/ through an overlay that only swaps the image (local: pinned by digest, as deploy/
asks; kind: the loaded tag, never pulled), give the PersistentVolumeClaim something to bind,
`kubectl create job --from=cronjob/k8saudit`, wait for it, read its JSON log, read the report
volume with deploy/tools/report-reader.yaml (its command swapped for one that prints the
volume's layout and latest/report.json), and compare the in-cluster report with a scan from
outside. Then the harder cases: the read-only root filesystem, SIGTERM in the middle of a scan,
a token that may not list NetworkPolicies, and the kubelet overlay reading the real kubelet's
configz.

Only kubectl, the CLI and the JSON report are used; none of k8saudit's modules.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy_support import DEPLOY, load_yaml_documents, one, render
from tests.e2e.providers import Cluster, DeployImage
from tests.e2e.test_live_scan import failing, k8saudit

pytestmark = pytest.mark.e2e

NAMESPACE = "k8saudit"
CLAIM = "k8saudit-reports"
#: Checks whose answer depends on where the scan runs from, not on the cluster: the API endpoint
#: is the `kubernetes` Service inside, 127.0.0.1:<port> from the host.
VANTAGE_CHECKS = ("endpoint.",)
#: What a scan with deploy/'s base role cannot see: the opt-ins; on the local node also the
#: control plane, whose components run as processes and not as pods the API lists.
OPT_IN_GAPS = {"kubelet", "secret-metadata"}
CONTROL_PLANE_GAPS = {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"}


def expected_gaps(cluster: Cluster) -> set[str]:
    return OPT_IN_GAPS | (CONTROL_PLANE_GAPS if cluster.provider == "local" else set())


def wait_for(what: str, seconds: float, probe: Callable[[], Any], every: float = 0.5) -> Any:
    """Poll `probe` until it returns something truthy; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"e2e: {what} did not happen within {seconds:.0f} s")
        time.sleep(every)


# --- deploy/ ---------------------------------------------------------------------------------------


def overlay(workdir: Path, base: Path, image: DeployImage) -> Path:
    """A kustomize overlay of `base` (deploy/ or one of its overlays) that swaps in the e2e image."""
    folder = workdir / f"overlay-{base.name}-{secrets.token_hex(2)}"
    folder.mkdir()
    kustomization: dict[str, Any] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [os.path.relpath(base, folder)],  # kustomize refuses absolute paths
        "images": [image.kustomize],
    }
    if image.pull_policy:
        path = "/spec/jobTemplate/spec/template/spec/containers/0/imagePullPolicy"
        kustomization["patches"] = [
            {
                "target": {"kind": "CronJob", "name": "k8saudit"},
                "patch": yaml.safe_dump([{"op": "replace", "path": path, "value": image.pull_policy}]),
            }
        ]
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False))
    return folder


@dataclass
class Deployed:
    cluster: Cluster
    image: DeployImage
    workdir: Path
    volume: Path | None  #: the report volume's directory on this machine (local provider)

    def apply(self, base: Path) -> None:
        self.cluster.kubectl("apply", "-k", str(overlay(self.workdir, base, self.image)))


@pytest.fixture(scope="module")
def deployed(cluster: Cluster, image: DeployImage, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """`kubectl apply -k` deploy/ (image swapped); removed afterwards (kind: the cluster may be reused)."""
    volume = cluster.provide_volume(CLAIM, NAMESPACE)
    deployment = Deployed(cluster, image, tmp_path_factory.mktemp("deploy"), volume)
    deployment.apply(DEPLOY)
    # a new namespace's pods need its ServiceAccount and the kube-root-ca.crt ConfigMap the token mounts
    wait_for(
        "the k8saudit ServiceAccount",
        60,
        lambda: cluster.kubectl("-n", NAMESPACE, "get", "sa", "k8saudit", check=False).returncode == 0,
    )
    wait_for(
        "kube-root-ca.crt in k8saudit",
        60,
        lambda: cluster.kubectl("-n", NAMESPACE, "get", "configmap", "kube-root-ca.crt", check=False).returncode == 0,
    )
    yield deployment
    if os.environ.get("K8SAUDIT_E2E_KEEP") != "1" and cluster.provider == "kind":
        cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=false", check=False)
        cluster.kubectl("delete", "clusterrolebinding,clusterrole", "k8saudit", check=False)


# --- Jobs from the CronJob -------------------------------------------------------------------------


@dataclass
class JobRun:
    name: str
    outcome: str  #: Complete or Failed
    pods: list[dict[str, Any]]
    logs: str

    @property
    def exit_codes(self) -> list[int | None]:
        codes = []
        for pod in self.pods:
            statuses = pod["status"].get("containerStatuses") or [{}]
            codes.append((statuses[0].get("state", {}).get("terminated") or {}).get("exitCode"))
        return codes

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs.splitlines() if line.strip()]


def job_spec(cluster: Cluster, name: str) -> dict[str, Any]:
    """What `kubectl create job --from=cronjob/k8saudit NAME` would create."""
    made = cluster.kubectl(
        "-n", NAMESPACE, "create", "job", name, "--from=cronjob/k8saudit", "--dry-run=client", "-o", "json"
    )
    job: dict[str, Any] = json.loads(made.stdout)
    return job


def scanner_container(job: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = job["spec"]["template"]["spec"]["containers"][0]
    return container


def finished(cluster: Cluster, name: str) -> str | None:
    job = cluster.json("-n", NAMESPACE, "get", "job", name)
    for condition in job["status"].get("conditions") or []:
        if condition["type"] in ("Complete", "Failed") and condition["status"] == "True":
            return str(condition["type"])
    return None


def run_job(cluster: Cluster, name: str, mutate: Callable[[dict[str, Any]], None] | None = None) -> JobRun:
    """Create a Job from the CronJob (kubectl create job --from, as README says), optionally
    changed by `mutate`, and wait until it completes or fails."""
    if mutate is None:
        cluster.kubectl("-n", NAMESPACE, "create", "job", name, "--from=cronjob/k8saudit")
    else:
        job = job_spec(cluster, name)
        mutate(job)
        cluster.kubectl("create", "-f", "-", input=json.dumps(job))
    deadline = cluster.json("-n", NAMESPACE, "get", "cronjob", "k8saudit")["spec"]["jobTemplate"]["spec"][
        "activeDeadlineSeconds"
    ]
    outcome = wait_for(f"Job {name}", deadline + 60, lambda: finished(cluster, name))
    return collect_job(cluster, name, outcome)


def collect_job(cluster: Cluster, name: str, outcome: str) -> JobRun:
    pods = cluster.json("-n", NAMESPACE, "get", "pods", "-l", f"job-name={name}")["items"]
    logs = "\n".join(cluster.kubectl("-n", NAMESPACE, "logs", p["metadata"]["name"]).stdout for p in pods)
    return JobRun(name, outcome, pods, logs)


READ_VOLUME = (
    "import json, os; "
    "print(json.dumps({'latest': os.readlink('/reports/latest'), 'entries': sorted(os.listdir('/reports')), "
    "'files': sorted(os.listdir('/reports/latest')), 'report': json.load(open('/reports/latest/report.json'))}))"
)


def read_volume(cluster: Cluster, image: DeployImage, script: str = READ_VOLUME) -> Any:
    """deploy/tools/report-reader.yaml with a command that prints the volume, read as its log."""
    (reader,) = load_yaml_documents(DEPLOY / "tools" / "report-reader.yaml")
    name = f"{reader['metadata']['name']}-{secrets.token_hex(3)}"
    reader["metadata"]["name"] = name
    container = reader["spec"]["containers"][0]
    container.update(image=image.reference, command=["python", "-c", script])
    if image.pull_policy:
        container["imagePullPolicy"] = image.pull_policy
    cluster.apply(reader)

    def done() -> str | None:
        phase = cluster.json("-n", NAMESPACE, "get", "pod", name)["status"].get("phase")
        return str(phase) if phase in ("Succeeded", "Failed") else None

    phase = wait_for(f"pod {name}", 300, done)
    text = cluster.kubectl("-n", NAMESPACE, "logs", name).stdout
    cluster.kubectl("-n", NAMESPACE, "delete", "pod", name, "--wait=false")
    assert phase == "Succeeded", text[-2000:]
    return json.loads(text)


@pytest.fixture(scope="module")
def incluster(deployed: Deployed) -> dict[str, Any]:
    """The first scan: a Job from deploy/'s CronJob as it is, and what it left on the volume."""
    job = run_job(deployed.cluster, f"k8saudit-e2e-{secrets.token_hex(3)}")
    assert job.outcome == "Complete", f"the scan Job failed; its pods logged:\n{job.logs[-3000:]}"
    volume = read_volume(deployed.cluster, deployed.image)
    host = sorted(p.name for p in deployed.volume.iterdir()) if deployed.volume else None
    return {"job": job, "host_entries": host, **volume}


@pytest.fixture(scope="module")
def outside(cluster: Cluster, incluster: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The CLI from this machine, with the admin kubeconfig, right after the in-cluster scan."""
    out = tmp_path_factory.mktemp("outside")
    proc = k8saudit("scan", "--kubeconfig", str(cluster.kubeconfig), "-q", "-f", "json", "-o", "r.json", cwd=out)
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "r.json").read_text())


# --- Pod Security admission ---------------------------------------------------------------------------


def test_restricted_admits_the_scanner_and_refuses_a_pod_that_drifts(
    deployed: Deployed, incluster: dict[str, Any]
) -> None:
    """The namespace enforces `restricted`, the API server admitted the CronJob's pod (it ran), and
    the same pod with one hardening setting undone is refused: the admission is live."""
    labels = deployed.cluster.json("get", "namespace", NAMESPACE)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert incluster["job"].pods, "the Job's pod was not admitted"
    pod_spec = copy.deepcopy(job_spec(deployed.cluster, "drift")["spec"]["template"]["spec"])
    pod_spec["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = True
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "drift", "namespace": NAMESPACE}, "spec": pod_spec}
    refused = deployed.cluster.kubectl("create", "--dry-run=server", "-f", "-", input=json.dumps(pod), check=False)
    assert refused.returncode != 0
    assert 'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false' in refused.stderr


# --- what the Job did ---------------------------------------------------------------------------------


def test_the_job_logged_json_lines_and_exited_0(incluster: dict[str, Any]) -> None:
    job: JobRun = incluster["job"]
    assert job.exit_codes == [0]
    events = job.events()
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
    if incluster["host_entries"] is not None:  # local: the volume's directory, seen from the host
        assert incluster["host_entries"] == incluster["entries"]


def test_the_scanners_role_loses_nothing_to_permissions(cluster: Cluster, incluster: dict[str, Any]) -> None:
    report = incluster["report"]
    gaps = report["coverage"]["gaps"]
    assert set(gaps) <= expected_gaps(cluster), gaps
    # every input the role should read was read: the only ones missing are those gaps
    assert {i["name"] for i in report["coverage"]["inputs"] if i["status"] != "ok"} == set(gaps)
    statuses = {c["id"]: c for c in report["checks"]}
    if "cp.authorizer-probe" in statuses:
        assert statuses["cp.authorizer-probe"]["status"] == "pass"  # create subjectaccessreviews is granted


def test_the_incluster_report_flags_the_fixtures(incluster: dict[str, Any]) -> None:
    report = incluster["report"]
    assert ("DaemonSet", "e2e-insecure", "node-agent") in failing(report, "pod.privileged")
    assert ("Deployment", "e2e-insecure", "root-app") in failing(report, "pod.run-as-non-root")


def test_the_scanner_passes_its_own_audit_in_the_cluster(deployed: Deployed, incluster: dict[str, Any]) -> None:
    """Nothing k8saudit's deploy/ made fails: its namespace and everything in it, its cluster role
    and binding. On kind the image is a loaded tag, not a digest, so the image.* checks are
    left out there; the local node runs it pinned by digest and they must pass too."""
    ours = {("Namespace", None, NAMESPACE), ("ClusterRole", None, "k8saudit"), ("ClusterRoleBinding", None, "k8saudit")}
    bad = []
    for f in incluster["report"]["findings"]:
        resource = f["resource"]
        if not resource or f["status"] != "fail":
            continue
        key = (resource["kind"], resource["namespace"], resource["name"])
        if (resource["namespace"] == NAMESPACE or key in ours) and (
            deployed.image.pinned or not f["check"].startswith("image.")
        ):
            bad.append((f["check"], *key, f["message"]))
    assert bad == []
    # and it did look at itself: its namespace, with the CronJob in it, was read
    (itself,) = [ns for ns in incluster["report"]["podSecurity"] if ns["namespace"] == NAMESPACE]
    assert itself["enforce"]["level"] == "restricted" and itself["workloads"] >= 1 and itself["canEnforceRestricted"]


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


def test_the_cronjob_under_test_is_deploys(deployed: Deployed) -> None:
    """What ran is deploy/'s CronJob with only the image swapped (guards the overlay above)."""
    live = deployed.cluster.json("-n", NAMESPACE, "get", "cronjob", "k8saudit")
    ours = one(render(DEPLOY), "CronJob")
    live_pod, our_pod = (c["spec"]["jobTemplate"]["spec"]["template"]["spec"] for c in (live, ours))
    assert live_pod["containers"][0]["args"] == our_pod["containers"][0]["args"]
    assert live_pod["containers"][0]["securityContext"] == our_pod["containers"][0]["securityContext"]
    assert live_pod["securityContext"] == our_pod["securityContext"]
    assert live_pod["containers"][0]["image"] == deployed.image.reference
    assert live["spec"]["concurrencyPolicy"] == "Forbid"
