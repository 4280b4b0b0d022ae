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

import base64
import copy
import functools
import json
import os
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.providers import REPO, Cluster, DeployImage
from tests.e2e.test_live_scan import failing, k8saudit

pytestmark = pytest.mark.e2e

DEPLOY = REPO / "deploy"
NAMESPACE = "k8saudit"
CLAIM = "k8saudit-reports"
#: Checks whose answer depends on where the scan runs from, not on the cluster: the API endpoint
#: is the `kubernetes` Service inside, 127.0.0.1:<port> from the host.
VANTAGE_CHECKS = ("endpoint.",)
#: What a scan with deploy/'s base role cannot see: the opt-ins; on the local node also the
#: control plane, whose components run as processes and not as pods the API lists.
OPT_IN_GAPS = {"kubelet", "secret-metadata"}
CONTROL_PLANE_GAPS = {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"}


def yaml_documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def kustomize(cluster: Cluster, folder: Path) -> list[dict[str, Any]]:
    """What `kubectl apply -k folder` applies."""
    return yaml_documents(cluster.kubectl("kustomize", str(folder)).stdout)


def the(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] == kind and name in (None, o["metadata"]["name"])]
    return found


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

    def entries(self) -> list[str]:
        """What the report volume holds at its top (read from this machine where it can be)."""
        if self.volume is not None:
            return sorted(os.listdir(self.volume))
        listed: list[str] = read_volume(self.cluster, self.image, LIST_VOLUME)
        return listed

    def latest(self) -> dict[str, Any]:
        """`latest` on the report volume: where it points, the entries, its files and report.json.
        The reader pod (deploy/tools/report-reader.yaml) is how users read it and how the first
        scan's set is read (`incluster`); later reads look at the volume's directory directly
        where the provider has one on this machine."""
        if self.volume is None:
            volume: dict[str, Any] = read_volume(self.cluster, self.image)
            return volume
        latest = self.volume / "latest"
        return {
            "latest": os.readlink(latest),
            "entries": self.entries(),
            "files": sorted(os.listdir(latest)),
            "report": json.loads((latest / "report.json").read_text()),
        }


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
        return json_events(self.logs)


def json_events(log: str) -> list[dict[str, Any]]:
    """The JSON event lines of a scanner pod's log (kubectl logs also shows its stderr lines)."""
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


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
    (reader,) = yaml_documents((DEPLOY / "tools" / "report-reader.yaml").read_text())
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
    ours = the(kustomize(deployed.cluster, DEPLOY), "CronJob")
    live_pod, our_pod = (c["spec"]["jobTemplate"]["spec"]["template"]["spec"] for c in (live, ours))
    assert live_pod["containers"][0]["args"] == our_pod["containers"][0]["args"]
    assert live_pod["containers"][0]["securityContext"] == our_pod["containers"][0]["securityContext"]
    assert live_pod["securityContext"] == our_pod["securityContext"]
    assert live_pod["containers"][0]["image"] == deployed.image.reference
    assert live["spec"]["concurrencyPolicy"] == "Forbid"


def test_the_cronjob_fires_on_its_schedule(deployed: Deployed, incluster: dict[str, Any]) -> None:
    """deploy/'s CronJob itself, not a Job made from it: with its schedule moved to every minute
    (the only change; timeZone Etc/UTC stays), the controller starts a Job at the next minute,
    and it completes. Then the schedule is put back."""
    cluster = deployed.cluster
    original = cluster.json("-n", NAMESPACE, "get", "cronjob", "k8saudit")["spec"]["schedule"]
    before = {j["metadata"]["name"] for j in cluster.json("-n", NAMESPACE, "get", "jobs")["items"]}

    def scheduled() -> str | None:
        for job in cluster.json("-n", NAMESPACE, "get", "jobs")["items"]:
            meta = job["metadata"]
            owners = [o["name"] for o in meta.get("ownerReferences", []) if o["kind"] == "CronJob"]
            manual = (meta.get("annotations") or {}).get("cronjob.kubernetes.io/instantiate") == "manual"
            if meta["name"] not in before and owners == ["k8saudit"] and not manual:
                return str(meta["name"])
        return None

    every_minute = json.dumps({"spec": {"schedule": "* * * * *"}})
    cluster.kubectl("-n", NAMESPACE, "patch", "cronjob", "k8saudit", "--type=merge", "-p", every_minute)
    try:
        name = wait_for("a Job the CronJob scheduled", 150, scheduled, every=1)
    finally:
        put_back = json.dumps({"spec": {"schedule": original}})
        cluster.kubectl("-n", NAMESPACE, "patch", "cronjob", "k8saudit", "--type=merge", "-p", put_back)
    outcome = wait_for(f"Job {name}", 300, lambda: finished(cluster, name))
    job = collect_job(cluster, name, outcome)
    assert outcome == "Complete" and job.exit_codes == [0], job.logs[-2000:]
    status = cluster.json("-n", NAMESPACE, "get", "cronjob", "k8saudit")["status"]
    assert status.get("lastScheduleTime") and status.get("lastSuccessfulTime")


# --- the read-only root filesystem ------------------------------------------------------------------

#: Tries to create a file in each place; prints what happened. Run in the image, as the CronJob's pod.
WRITE_PROBE = r"""
import errno, importlib.util, json, os
package = importlib.util.find_spec("k8saudit").submodule_search_locations[0]
paths = ["/probe", "/etc/probe", "/usr/local/bin/probe", package + "/probe", "/var/tmp/probe",
         "/reports/.probe", "/tmp/probe"]
writes = {}
for path in paths:
    try:
        with open(path, "x") as f:
            f.write("x")
        os.unlink(path)
        writes[path] = "written"
    except OSError as exc:
        writes[path] = errno.errorcode.get(exc.errno, str(exc.errno))
print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "package": package, "writes": writes}))
"""


def run_pod(cluster: Cluster, pod: dict[str, Any], *, keep: bool = False) -> str:
    """Create a pod, wait until it ends, return its log (the pod is then deleted unless `keep`)."""
    name = pod["metadata"]["name"]
    cluster.apply(pod)

    def ended() -> str | None:
        phase = cluster.json("-n", NAMESPACE, "get", "pod", name)["status"].get("phase")
        return str(phase) if phase in ("Succeeded", "Failed") else None

    phase = wait_for(f"pod {name}", 180, ended)
    log = cluster.kubectl("-n", NAMESPACE, "logs", name).stdout
    if not keep:
        cluster.kubectl("-n", NAMESPACE, "delete", "pod", name, "--wait=false")
    assert phase == "Succeeded", log[-2000:]
    return log


def container_id(pod: dict[str, Any]) -> str:
    return str(pod["status"]["containerStatuses"][0]["containerID"]).removeprefix("containerd://")


def upper_layer(node: Any, pod: dict[str, Any]) -> dict[str, str]:
    """Every path in the container's own layer: 'dir' or its size."""
    upper: Path = node.upper_dir(container_id(pod))
    return {
        "/" + str(path.relative_to(upper)): "dir" if path.is_dir() else f"{path.stat().st_size} bytes"
        for path in upper.rglob("*")
    }


def scanner_pod(cluster: Cluster, name: str, command: list[str], *, read_only: bool = True) -> dict[str, Any]:
    """The CronJob's pod (its spec exactly, volumes and token included) with another command."""
    spec = copy.deepcopy(job_spec(cluster, name)["spec"]["template"]["spec"])
    container = spec["containers"][0]
    container.pop("args", None)
    container["command"] = command
    container["securityContext"]["readOnlyRootFilesystem"] = read_only
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NAMESPACE}, "spec": spec}


def test_the_image_can_write_only_to_reports_and_tmp(deployed: Deployed, incluster: dict[str, Any]) -> None:
    """In the CronJob's pod, as its user: every write outside the report volume and the /tmp
    emptyDir fails. /var/tmp is world-writable in the image, so there the read-only root is the
    only thing that stops the write: with readOnlyRootFilesystem false (the control) it succeeds."""
    cluster = deployed.cluster
    probe = ["python", "-c", WRITE_PROBE]
    ro = json.loads(run_pod(cluster, scanner_pod(cluster, f"ro-probe-{secrets.token_hex(2)}", probe)))
    rw = json.loads(run_pod(cluster, scanner_pod(cluster, f"rw-probe-{secrets.token_hex(2)}", probe, read_only=False)))
    assert (ro["uid"], ro["gid"]) == (65532, 65532)
    outside = {p: got for p, got in ro["writes"].items() if not p.startswith(("/reports/", "/tmp/"))}
    assert len(outside) == 5 and "written" not in outside.values(), ro["writes"]
    assert outside["/var/tmp/probe"] == "EROFS"
    assert ro["writes"]["/reports/.probe"] == ro["writes"]["/tmp/probe"] == "written"
    assert rw["writes"]["/var/tmp/probe"] == "written"  # the control: only the read-only root said no


def test_a_scan_writes_nothing_outside_reports_and_tmp(deployed: Deployed, incluster: dict[str, Any]) -> None:
    """The scan run with a writable root filesystem: afterwards, its container's own layer (the
    overlay's upper directory) holds nothing but the mount points the runtime made for its
    volumes. A file written anywhere but /reports and /tmp (a byte-code cache, a kubeconfig
    cache, a log) would be there and fail this test."""
    node = deployed.cluster.node
    if node is None:
        pytest.skip("reads the container's overlay upper directory: the local provider's containerd only")

    def writable(job: dict[str, Any]) -> None:
        scanner_container(job)["securityContext"]["readOnlyRootFilesystem"] = False

    # the control: a write to /var/tmp in the same pod shows up in that pod's upper layer
    cluster = deployed.cluster
    write = ["python", "-c", "open('/var/tmp/control', 'w').write('x')"]
    control = scanner_pod(cluster, f"rw-control-{secrets.token_hex(2)}", write, read_only=False)
    run_pod(cluster, control, keep=True)
    pod = cluster.json("-n", NAMESPACE, "get", "pod", control["metadata"]["name"])
    assert upper_layer(node, pod).get("/var/tmp/control") == "1 bytes"
    cluster.kubectl("-n", NAMESPACE, "delete", "pod", control["metadata"]["name"], "--wait=false")

    job = run_job(cluster, f"k8saudit-rw-{secrets.token_hex(3)}", writable)
    assert job.outcome == "Complete" and job.exit_codes == [0], job.logs[-2000:]
    (pod,) = job.pods
    written = upper_layer(node, pod)
    mount_points = {m["mountPath"] for m in pod["spec"]["containers"][0]["volumeMounts"]}
    mount_points |= {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/dev/termination-log"}
    mount_points |= {p.replace("/var/run/", "/run/") for p in mount_points}  # /var/run is a link to /run

    def made_for_a_mount(path: str, what: str) -> bool:
        if path in mount_points:
            return what in ("dir", "0 bytes")
        return what == "dir" and any(m.startswith(path + "/") for m in mount_points)

    unexpected = {p: what for p, what in written.items() if not made_for_a_mount(p, what)}
    assert unexpected == {}, f"the scan wrote outside /reports and /tmp: {unexpected}"


# --- SIGTERM in the middle of a scan -----------------------------------------------------------------

#: How the scan is made slow enough to be interrupted while it lists: its CPU limited to a tenth
#: of a core (the kernel's CFS quota throttles it, as it would on a busy node) and ~1,500 more
#: ConfigMaps paged through one at a time (--page-size=1), ~1,700 API round trips in all.
#: Unthrottled the whole scan takes ~1.5 s here; throttled, listing alone takes over 10 s.
BULK_CONFIGMAPS = 1500
SLOW_CPU = "100m"


def bulk_namespace(cluster: Cluster) -> None:
    """BULK_CONFIGMAPS ConfigMaps in e2e-bulk, made 16 at a time with the kubernetes client
    (kubectl's client-side rate limit would take a minute)."""
    from concurrent.futures import ThreadPoolExecutor

    from kubernetes import client, config

    cluster.kubectl("create", "namespace", "e2e-bulk", check=False)
    have = {c["metadata"]["name"] for c in cluster.json("-n", "e2e-bulk", "get", "configmaps")["items"]}
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(cluster.kubeconfig), client_configuration=configuration)  # type: ignore[no-untyped-call]
    configuration.connection_pool_maxsize = 16
    with client.ApiClient(configuration) as api:
        core = client.CoreV1Api(api)

        def make(name: str) -> None:
            body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data={"k": name})
            core.create_namespaced_config_map("e2e-bulk", body)

        names = [f"bulk-{i:05d}" for i in range(BULK_CONFIGMAPS)]
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(make, [n for n in names if n not in have]))


LIST_VOLUME = "import json, os; print(json.dumps(sorted(os.listdir('/reports'))))"


def test_sigterm_mid_scan_exits_143_and_leaves_no_half_written_set(
    deployed: Deployed, incluster: dict[str, Any], tmp_path: Path
) -> None:
    """`kubectl delete` of the Job's pod while the scan lists: the kubelet sends SIGTERM, k8saudit
    exits 143 at once saying it wrote nothing, the volume holds exactly what it held before,
    and the Job retries (143 is not one of the exit codes its podFailurePolicy fails on) and the
    retry writes a complete set."""
    cluster = deployed.cluster
    bulk_namespace(cluster)
    before = deployed.entries()
    name = f"k8saudit-term-{secrets.token_hex(3)}"

    def slow(job: dict[str, Any]) -> None:
        container = scanner_container(job)
        container["args"].append("--page-size=1")
        container["resources"]["limits"]["cpu"] = SLOW_CPU

    job = job_spec(cluster, name)
    slow(job)
    cluster.kubectl("create", "-f", "-", input=json.dumps(job))

    def running_pod() -> str | None:
        for pod in cluster.json("-n", NAMESPACE, "get", "pods", "-l", f"job-name={name}")["items"]:
            if pod["status"].get("phase") == "Running":
                return str(pod["metadata"]["name"])
        return None

    pod = wait_for("the slow scan's pod Running", 120, running_pod, every=0.2)
    log_file, watch_file = tmp_path / "pod.log", tmp_path / "watch.txt"
    exit_code = '{.status.containerStatuses[0].state.terminated.exitCode}{"\\n"}'
    with log_file.open("w") as logs, watch_file.open("w") as watch:
        follow = subprocess.Popen([*cluster.kubectl_cmd, "-n", NAMESPACE, "logs", "-f", pod], stdout=logs)
        watcher = subprocess.Popen(
            [*cluster.kubectl_cmd, "-n", NAMESPACE, "get", "pod", pod, "-w", "-o", f"jsonpath={exit_code}"],
            stdout=watch,
        )
        try:
            wait_for("the scan's start event", 120, lambda: '"event":"start"' in log_file.read_text(), every=0.1)
            time.sleep(3)  # into listing
            assert '"event":"collect"' not in log_file.read_text(), "the scan got past listing before SIGTERM"
            cluster.kubectl("-n", NAMESPACE, "delete", "pod", pod, "--wait=false")
            codes = wait_for("the container's exit code", 60, lambda: watch_file.read_text().split(), every=0.1)
            follow.wait(timeout=60)
        finally:
            for process in (follow, watcher):
                process.kill()
                process.wait()
    assert codes[0] == "143"
    log = log_file.read_text()
    assert "k8saudit: terminated by SIGTERM: nothing was written" in log  # its stderr line
    events = json_events(log)
    last = events[-1]
    assert (last["event"], last["signal"], last["exit"], last["wroteReports"]) == ("terminated", "SIGTERM", 143, False)
    assert not [e for e in events if e["event"] in ("collect", "check", "done")], "the scan had got past listing"
    assert deployed.entries() == before  # nothing new, no leftovers

    outcome = wait_for(f"Job {name}'s retry", 600, lambda: finished(cluster, name))
    status = cluster.json("-n", NAMESPACE, "get", "job", name)["status"]
    assert (outcome, status.get("failed"), status.get("succeeded")) == ("Complete", 1, 1)
    after = deployed.latest()
    new = set(after["entries"]) - set(before)
    assert new == {after["latest"]} and after["files"] == ["report.html", "report.json", "report.md"]


# --- a token that may not list NetworkPolicies ------------------------------------------------------


def without_networkpolicies(role: dict[str, Any], name: str) -> dict[str, Any]:
    rules = []
    for rule in copy.deepcopy(role["rules"]):
        rule["resources"] = [r for r in rule["resources"] if r != "networkpolicies"]
        if rule["resources"]:
            rules.append(rule)
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name},
        "rules": rules,
    }


def test_a_token_that_cannot_list_networkpolicies_still_gets_a_report_naming_the_gap(
    deployed: Deployed, incluster: dict[str, Any]
) -> None:
    cluster = deployed.cluster
    account = "k8saudit-no-netpol"
    role = without_networkpolicies(cluster.json("get", "clusterrole", "k8saudit"), account)
    cluster.apply(
        [
            role,
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": account, "namespace": NAMESPACE},
                "automountServiceAccountToken": False,
            },
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": account},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": account},
                "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": NAMESPACE}],
            },
        ]
    )
    who = f"--as=system:serviceaccount:{NAMESPACE}:{account}"
    asks = cluster.kubectl("auth", "can-i", "list", "networkpolicies.networking.k8s.io", who, check=False)
    assert asks.stdout.strip() == "no"  # the real RBAC authorizer says so
    assert cluster.kubectl("auth", "can-i", "list", "ingresses.networking.k8s.io", who).stdout.strip() == "yes"

    def as_that_account(job: dict[str, Any]) -> None:
        job["spec"]["template"]["spec"]["serviceAccountName"] = account

    job = run_job(cluster, f"k8saudit-nonetpol-{secrets.token_hex(3)}", as_that_account)
    assert job.outcome == "Complete" and job.exit_codes == [0], job.logs[-2000:]
    events = job.events()
    (listed,) = [e for e in events if e["event"] == "list" and e["kind"] == "NetworkPolicy"]
    assert listed["status"] != "ok" and "forbidden" in listed["reason"]
    assert events[-1]["event"] == "done" and events[-1]["exit"] == 0
    report = deployed.latest()["report"]
    assert "forbidden" in report["coverage"]["gaps"]["NetworkPolicy"]
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["net.default-deny"]["status"] == "not-assessable"
    assert "forbidden" in checks["net.default-deny"]["reason"]
    # the rest of the scan is whole
    assert ("DaemonSet", "e2e-insecure", "node-agent") in failing(report, "pod.privileged")
    assert set(report["coverage"]["gaps"]) == expected_gaps(cluster) | {"NetworkPolicy"}


# --- the kubelet overlay --------------------------------------------------------------------------------

#: What each kubelet.* check reads, and when it passes (the documented semantics; configz omits
#: zero values, so a missing field is false or 0).
ZERO = {
    "authentication.anonymous.enabled": False,
    "readOnlyPort": 0,
    "seccompDefault": False,
    "rotateCertificates": False,
    "serverTLSBootstrap": False,
}


def field_of(config: dict[str, Any], path: str) -> Any:
    value: Any = config
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return ZERO.get(path) if value is None else value


KubeletRule = tuple[tuple[str, ...], Callable[[Callable[[str], Any]], bool]]
KUBELET_CHECKS: dict[str, KubeletRule] = {
    "kubelet.anonymous-auth": (
        ("authentication.anonymous.enabled",),
        lambda f: f("authentication.anonymous.enabled") is not True,
    ),
    "kubelet.authorization-mode": (("authorization.mode",), lambda f: f("authorization.mode") == "Webhook"),
    "kubelet.read-only-port": (("readOnlyPort",), lambda f: not f("readOnlyPort")),
    "kubelet.client-ca": (("authentication.x509.clientCAFile",), lambda f: bool(f("authentication.x509.clientCAFile"))),
    "kubelet.seccomp-default": (("seccompDefault",), lambda f: f("seccompDefault") is True),
    "kubelet.streaming-idle-timeout": (
        ("streamingConnectionIdleTimeout",),
        lambda f: f("streamingConnectionIdleTimeout") not in (None, "0s"),
    ),
    "kubelet.pod-pids-limit": (
        ("podPidsLimit",),
        lambda f: isinstance(f("podPidsLimit"), int) and f("podPidsLimit") > 0,
    ),
    "kubelet.certificate-rotation": (
        ("rotateCertificates", "serverTLSBootstrap"),
        lambda f: f("rotateCertificates") is True and f("serverTLSBootstrap") is True,
    ),
}


def test_the_kubelet_overlay_reads_the_real_kubelets_configz(deployed: Deployed, incluster: dict[str, Any]) -> None:
    """deploy/overlays/kubelet adds `get nodes/proxy` and --kubelet-config; the Job then reads
    every node's configz through the API server and the kubelet.* checks judge true values:
    those of the configuration file the local harness wrote (on kind, what the kubelet itself
    reports). Re-applying the base takes the permission away again, as the overlay says."""
    cluster = deployed.cluster
    deployed.apply(DEPLOY / "overlays" / "kubelet")
    try:
        rules = cluster.json("get", "clusterrole", "k8saudit")["rules"]
        assert {"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]} in rules
        job = run_job(cluster, f"k8saudit-kubelet-{secrets.token_hex(3)}")
        assert job.outcome == "Complete" and job.exit_codes == [0], job.logs[-2000:]
        report = deployed.latest()["report"]
    finally:
        deployed.apply(DEPLOY)
    assert "kubelet" not in report["coverage"]["gaps"]
    nodes = [n["metadata"]["name"] for n in cluster.json("get", "nodes")["items"]]
    checks = {c["id"]: c for c in report["checks"]}
    for node in nodes:
        configz = json.loads(cluster.kubectl("get", "--raw", f"/api/v1/nodes/{node}/proxy/configz").stdout)
        truth = configz["kubeletconfig"]
        if cluster.node is not None:  # the file the harness wrote is what the kubelet runs
            for paths, _ in KUBELET_CHECKS.values():
                for path in paths:
                    assert field_of(truth, path) == field_of(cluster.node.kubelet_config, path), path
        for check, (paths, passes) in KUBELET_CHECKS.items():
            findings = [
                f for f in report["findings"] if f["check"] == check and f["resource"] and f["resource"]["name"] == node
            ]
            if passes(functools.partial(field_of, truth)):
                assert findings == [], (check, findings)
            else:
                (finding,) = findings
                assert finding["status"] == "fail"
                evidence = {e["path"]: e["value"] for e in finding["evidence"]}
                assert {p: evidence[p] for p in paths} == {p: field_of(truth, p) for p in paths}, check
    if cluster.node is not None:  # the harness's kubelet: six settings safe, two not
        assert {c for c in KUBELET_CHECKS if checks[c]["status"] == "fail"} == {
            "kubelet.read-only-port",
            "kubelet.certificate-rotation",
        }
        assert all(checks[c]["status"] in ("pass", "fail") for c in KUBELET_CHECKS)
    # the base, re-applied, rewrote the rules and the arguments without the opt-in
    assert {"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]} not in cluster.json(
        "get", "clusterrole", "k8saudit"
    )["rules"]
    cron = cluster.json("-n", NAMESPACE, "get", "cronjob", "k8saudit")
    assert "--kubelet-config" not in cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]


def test_the_secret_metadata_overlay_finds_a_legacy_token_and_reads_no_secret(
    deployed: Deployed, incluster: dict[str, Any]
) -> None:
    """deploy/overlays/secret-metadata adds `list secrets` and --secret-metadata. A legacy
    service-account token Secret, filled in by the real token controller, is found, and neither
    its token nor any other Secret value reaches the report or the log (the scan asks for
    metadata only). Re-applying the base takes `list secrets` away again."""
    cluster = deployed.cluster
    cluster.apply(
        [
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "legacy", "namespace": "e2e-insecure"}},
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "kubernetes.io/service-account-token",
                "metadata": {
                    "name": "legacy-token",
                    "namespace": "e2e-insecure",
                    "annotations": {"kubernetes.io/service-account.name": "legacy"},
                },
            },
        ]
    )

    def token() -> str | None:
        data = cluster.json("-n", "e2e-insecure", "get", "secret", "legacy-token").get("data") or {}
        return data.get("token")

    secret_token = base64.b64decode(wait_for("the token controller to fill legacy-token", 60, token)).decode()
    deployed.apply(DEPLOY / "overlays" / "secret-metadata")
    try:
        rules = cluster.json("get", "clusterrole", "k8saudit")["rules"]
        assert {"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]} in rules
        job = run_job(cluster, f"k8saudit-secrets-{secrets.token_hex(3)}")
        assert job.outcome == "Complete" and job.exit_codes == [0], job.logs[-2000:]
        volume = deployed.latest()
    finally:
        deployed.apply(DEPLOY)
    report = volume["report"]
    assert "secret-metadata" not in report["coverage"]["gaps"]
    (finding,) = [
        f
        for f in report["findings"]
        if f["check"] == "secrets.legacy-sa-tokens" and f["resource"]["name"] == "legacy-token"
    ]
    assert finding["status"] == "fail" and finding["resource"]["namespace"] == "e2e-insecure"
    evidence = {e["path"]: e["value"] for e in finding["evidence"]}
    assert evidence["metadata.annotations[kubernetes.io/service-account.name]"] == "legacy"
    for text in (json.dumps(report), job.logs):
        assert secret_token not in text and "e2ec4n4ry" not in text
    assert {"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]} not in cluster.json(
        "get", "clusterrole", "k8saudit"
    )["rules"]
