"""Where the e2e tier gets its cluster: a local single-node cluster, or kind.

- local (tests/e2e/cluster): a real node on this machine, built from Go modules, in private
  namespaces. Needs root on Linux and a few Debian packages; no Docker, no registry, no network.
- kind: for machines with a Docker engine and the kind and kubectl CLIs (no root needed).

K8SAUDIT_E2E_PROVIDER=local|kind picks one; unset, the tier takes kind when it is usable (a
developer's Docker machine) and the local node otherwise (CI, which runs as root without
Docker). Either way the pytest header and summary name the provider, and with none usable every
e2e test is skipped with both reasons.

Both providers give the same things to the tests: an admin kubeconfig usable from this
machine, kubectl, the image built from the repository's Dockerfile and made available to the
node, and somewhere for deploy/'s PersistentVolumeClaim to bind.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.e2e.cluster import localnode

E2E_DIR = Path(__file__).resolve().parent
REPO = E2E_DIR.parent.parent
KIND_CONFIG = E2E_DIR / "kind-config.yaml"
IMAGE_SCRIPT = E2E_DIR / "cluster" / "image.sh"
#: The image name the CronJob's placeholder is swapped for, per provider.
LOCAL_IMAGE_REPO = "localhost/k8saudit"
PROVIDERS = ("local", "kind")


def run(args: list[str], *, timeout: float = 600, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, input=input, check=False)


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


# --- choosing ------------------------------------------------------------------------------------


def why_not_kind() -> str | None:
    for tool in ("kind", "docker", "kubectl"):
        if shutil.which(tool) is None:
            return f"the `{tool}` CLI is not on PATH"
    try:
        info = run(["docker", "info"], timeout=60)
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer within 60 s"
    if info.returncode != 0:
        return f"`docker info` failed: {last_line(info.stderr or info.stdout)}"
    return None


def why_not_local() -> str | None:
    reason = localnode.why_not_runnable()
    if reason is None and shutil.which("go") is None and not localnode.binaries_cached():
        reason = "no Go toolchain to build the cluster's binaries, and none cached (`make cluster`)"
    return reason


@dataclass(frozen=True)
class Choice:
    provider: str | None  #: "local", "kind" or None (the tier skips)
    why: str  #: why this one, or why none

    def describe(self) -> str:
        if self.provider is None:
            return f"e2e tier: no cluster provider: {self.why}"
        return f"e2e tier: provider {self.provider} ({self.why})"


_choice: Choice | None = None


def choose() -> Choice:
    """The provider this run uses (decided once per process)."""
    global _choice
    if _choice is not None:
        return _choice
    wanted = os.environ.get("K8SAUDIT_E2E_PROVIDER", "").strip()
    if wanted and wanted not in PROVIDERS:
        _choice = Choice(None, f"K8SAUDIT_E2E_PROVIDER={wanted!r} is none of {', '.join(PROVIDERS)}")
    elif wanted:
        reason = why_not_local() if wanted == "local" else why_not_kind()
        _choice = Choice(None, f"K8SAUDIT_E2E_PROVIDER={wanted}, but {reason}") if reason else Choice(wanted, "asked")
    else:
        kind_reason = why_not_kind()
        local_reason = why_not_local() if kind_reason else None
        if kind_reason is None:
            _choice = Choice("kind", "Docker and kind are available")
        elif local_reason is None:
            _choice = Choice("local", f"a real node in private namespaces; kind is not usable: {kind_reason}")
        else:
            _choice = Choice(None, f"kind: {kind_reason}; local: {local_reason}")
    return _choice


# --- what the tests get --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeployImage:
    """The image deploy/ runs in the e2e cluster."""

    reference: str  #: what the CronJob's image becomes
    kustomize: dict[str, str]  #: the `images:` entry of the e2e overlay
    pull_policy: str | None  #: replaces deploy/'s imagePullPolicy, or None to keep it
    pinned: bool  #: referenced by digest, as deploy/ wants (the image.* checks then pass)


@dataclass
class Cluster:
    """A running e2e cluster, whichever provider made it."""

    provider: str
    name: str
    kubeconfig: Path  #: admin, usable from this machine
    kubectl_cmd: list[str]  #: kubectl with the admin credentials (the kubeconfig included)
    node: localnode.LocalNode | None = None  #: the local provider's node
    timings: dict[str, float] = field(default_factory=dict)
    stopped: bool = False
    left: localnode.Leftovers | None = None  #: local: what stop() found left on the host

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        got = run([*self.kubectl_cmd, *args], input=input, timeout=timeout)
        if check and got.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({got.returncode}): {got.stderr.strip()}")
        return got

    def json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def apply(self, objects: list[dict[str, Any]] | dict[str, Any]) -> None:
        docs = objects if isinstance(objects, list) else [objects]
        self.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(docs))

    # -- the image --------------------------------------------------------------------------------

    def load_image(self) -> DeployImage:
        started = time.monotonic()
        image = _load_local_image(self) if self.provider == "local" else _load_kind_image(self)
        self.timings["image build + load"] = time.monotonic() - started
        return image

    # -- the report volume ------------------------------------------------------------------------

    def provide_volume(self, claim: str, namespace: str) -> Path | None:
        """Make sure deploy/'s PersistentVolumeClaim can bind. kind's default StorageClass
        provisions one; the local node has no provisioner, so a hostPath PersistentVolume,
        pre-bound to the claim, is made here. Returns the volume's directory on this machine
        (local) or None (kind)."""
        if self.node is None:
            return None
        path = self.node.state / "volumes" / f"{namespace}-{claim}"
        path.mkdir(parents=True, exist_ok=True)
        # what fsGroup would make of a fresh volume (the kubelet does not apply fsGroup to hostPath)
        os.chown(path, 0, 65532)
        path.chmod(0o2770)
        self.apply(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                "metadata": {"name": f"e2e-{namespace}-{claim}", "labels": {"k8saudit.io/e2e": "true"}},
                "spec": {
                    "capacity": {"storage": "1Gi"},
                    "accessModes": ["ReadWriteOnce"],
                    "persistentVolumeReclaimPolicy": "Retain",
                    "claimRef": {"namespace": namespace, "name": claim},
                    "hostPath": {"path": str(path), "type": "Directory"},
                },
            }
        )
        return path

    # -- stop -------------------------------------------------------------------------------------

    def stop(self) -> localnode.Leftovers | None:
        """Stop the cluster (the first call does). Local: what it left on the host (empty: nothing)."""
        if not self.stopped:
            self.stopped = True
            started = time.monotonic()
            keep = os.environ.get("K8SAUDIT_E2E_KEEP") == "1"
            if self.node is not None:
                self.left = self.node.stop(keep=keep)
            elif not keep and not os.environ.get("K8SAUDIT_E2E_CLUSTER"):
                run(["kind", "delete", "cluster", "--name", self.name, "--kubeconfig", str(self.kubeconfig)])
            self.timings["cluster down"] = time.monotonic() - started
        return self.left


def start(provider: str, workdir: Path) -> Cluster:
    started = time.monotonic()
    cluster = _start_local(workdir) if provider == "local" else _start_kind(workdir)
    cluster.timings["cluster up"] = time.monotonic() - started
    return cluster


# --- local -------------------------------------------------------------------------------------------


def _start_local(workdir: Path) -> Cluster:
    node = localnode.LocalNode.start()
    kubectl = [str(node.bin_dir / "kubectl"), "--kubeconfig", str(node.kubeconfig)]
    cluster = Cluster("local", localnode.NODE_NAME, node.kubeconfig, kubectl, node=node, timings=dict(node.timings))
    # The fixture manifests name registry.k8s.io/pause:3.10; the node has no registry, so the
    # local pause image stands in for it (as a pull would have stored it) and their pods run.
    ctr = [str(node.bin_dir / "ctr"), "-a", "/run/containerd/containerd.sock", "-n", "k8s.io"]
    tagged = node.in_namespaces(*ctr, "images", "tag", "--force", localnode.PAUSE_IMAGE, "registry.k8s.io/pause:3.10")
    assert tagged.returncode == 0, tagged.stderr
    return cluster


def _source_key() -> str:
    """A hash of everything the image is built from (the Dockerfile's context and recipe)."""
    import hashlib

    digest = hashlib.sha256()
    files = [REPO / "Dockerfile", REPO / "pyproject.toml", REPO / "README.md", IMAGE_SCRIPT]
    for folder in (REPO / "k8saudit", REPO / "templates"):
        files += sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    for script in ("images.sh", "rootfs-hook.sh", "mkimage.py"):
        digest.update((E2E_DIR / "cluster" / script).read_bytes())
    return digest.hexdigest()[:16]


def _load_local_image(cluster: Cluster) -> DeployImage:
    """image.sh with podman, offline, from the local Debian base; saved as an OCI archive
    (cached per source hash) and imported into the node's containerd under its tag and under
    repo@digest, the names a registry pull records, so deploy/ can pin it by digest."""
    assert cluster.node is not None
    cache = localnode.CACHE / "k8saudit-image"
    key = _source_key()
    archive = cache / f"k8saudit-{key}.oci.tar"
    tag = f"{LOCAL_IMAGE_REPO}:e2e-{key}"
    if not archive.exists():
        cache.mkdir(parents=True, exist_ok=True)
        for old in cache.glob("k8saudit-*.oci.tar"):
            old.unlink()  # older sources: never used again
        build = ["bash", str(IMAGE_SCRIPT), "-t", tag, "--engine", "podman", "--base", "local", "--private"]
        built = run([*build, "--oci-archive", str(archive)], timeout=1800)
        assert built.returncode == 0, f"image.sh failed:\n{built.stderr[-4000:]}"
    digest = localnode.archive_digest(archive)
    reference = f"{LOCAL_IMAGE_REPO}@{digest}"
    cluster.node.import_image(archive, also_as=reference)
    kustomize = {"name": "registry.example.com/k8saudit", "newName": LOCAL_IMAGE_REPO, "digest": digest}
    return DeployImage(reference, kustomize, pull_policy=None, pinned=True)


# --- kind ----------------------------------------------------------------------------------------------


def _start_kind(workdir: Path) -> Cluster:
    kubeconfig = workdir / "kind.kubeconfig"
    reuse = os.environ.get("K8SAUDIT_E2E_CLUSTER")
    name = reuse or f"k8saudit-e2e-{secrets.token_hex(3)}"
    if reuse:
        got = run(["kind", "get", "kubeconfig", "--name", reuse])
        assert got.returncode == 0, f"K8SAUDIT_E2E_CLUSTER={reuse}: {last_line(got.stderr)}"
        kubeconfig.write_text(got.stdout)
    else:
        create = ["kind", "create", "cluster", "--name", name, "--config", str(KIND_CONFIG)]
        create += ["--kubeconfig", str(kubeconfig), "--wait", "180s"]
        if image := os.environ.get("K8SAUDIT_E2E_NODE_IMAGE"):
            create += ["--image", image]
        created = run(create, timeout=900)
        if created.returncode != 0:
            run(["kind", "delete", "cluster", "--name", name])
            raise AssertionError(f"kind create cluster failed: {last_line(created.stderr)}")
    kubeconfig.chmod(0o600)
    return Cluster("kind", name, kubeconfig, ["kubectl", "--kubeconfig", str(kubeconfig)])


def _load_kind_image(cluster: Cluster) -> DeployImage:
    """docker build (BuildKit, the Dockerfile's default base), then `kind load docker-image`.
    kind's nodes know the image by its tag only (no registry digest), so the CronJob names the
    tag and never pulls it."""
    tag = f"k8saudit:e2e-{secrets.token_hex(3)}"
    built = run(["bash", str(IMAGE_SCRIPT), "-t", tag, "--engine", "docker"], timeout=1800)
    assert built.returncode == 0, f"image.sh (docker) failed:\n{built.stderr[-4000:]}"
    loaded = run(["kind", "load", "docker-image", tag, "--name", cluster.name])
    assert loaded.returncode == 0, f"kind load docker-image failed: {last_line(loaded.stderr)}"
    name, _, version = tag.rpartition(":")
    return DeployImage(
        tag, {"name": "registry.example.com/k8saudit", "newName": name, "newTag": version}, "Never", False
    )
