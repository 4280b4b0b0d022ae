"""A real single-node Kubernetes cluster on this machine, in namespaces of its own.

kube-apiserver, etcd, kube-controller-manager, kube-scheduler, kubelet and kubectl built from
k8s.io/kubernetes (the same Go module as the apiserver tier), containerd v2 built from its
module, Debian's runc and CNI plugins, and images made without any registry (images.sh). The
whole cluster runs under `unshare --pid --mount --net --uts`: its processes, mounts and
network live and die with that pid namespace, so stopping it leaves nothing behind; what the
kubelet does change on the host (a few sysctls, cgroup trees) node.sh records and undoes.

    node = LocalNode.start()          # ~10 s once build.sh and images.sh have cached everything
    node.kubectl("get", "nodes")
    node.stop()                       # always; also happens when this process dies (the lifeline)

Why not kind: kind needs a Docker engine, which CI machines and this project's sandbox lack;
this needs root and Linux only (see why_not_runnable()). NOTES on the pitfalls met on the way
are in docs/e2e-local-cluster.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CLUSTER_DIR = Path(__file__).resolve().parent
NODE_NAME = "k8saudit-e2e"
NODE_IP = "10.77.0.1"
SERVICE_IP = "10.96.0.1"
IMAGE_PREFIX = "localhost/k8saudit-e2e"
PAUSE_IMAGE = f"{IMAGE_PREFIX}/pause:1"
PYTHON_IMAGE = f"{IMAGE_PREFIX}/python:3.11-bookworm"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "k8saudit" / "cluster"
#: Debian packages the cluster needs at run time (.ci/run installs them).
APT_PACKAGES = ("runc", "containernetworking-plugins", "mmdebstrap", "iproute2", "openssl", "curl", "socat", "podman")
#: Paths inner.sh hides under private tmpfs: the state directory must not be below them.
PRIVATE_MOUNTS = ("/run", "/var/lib", "/var/log")
READY_SECONDS = 180


class ClusterError(RuntimeError):
    """The cluster could not be built or started; the message says why and where the logs are."""


def run(args: list[str], *, timeout: float = 120, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, input=input, check=False)


def why_not_runnable() -> str | None:
    """Why this machine cannot run the local cluster, or None when it can (it may still have to build)."""
    if not Path("/proc/self/ns/pid").exists():
        return "not Linux (no /proc/self/ns)"
    if os.geteuid() != 0:
        return "not root: the local cluster needs root (namespaces, mounts, cgroups)"
    tools = {
        "unshare": "util-linux",
        "nsenter": "util-linux",
        "ip": "iproute2",
        "runc": "runc",
        "openssl": "openssl",
        "curl": "curl",
        "socat": "socat",
        "podman": "podman",
    }
    missing = sorted({pkg for tool, pkg in tools.items() if shutil.which(tool) is None})
    if not Path("/usr/lib/cni/bridge").exists():
        missing.append("containernetworking-plugins")
    if missing:
        return f"missing Debian packages: {' '.join(missing)} (apt-get install them; .ci/run does)"
    probe = run(["unshare", "--pid", "--fork", "--mount", "--net", "--uts", "true"], timeout=30)
    if probe.returncode != 0:
        return f"cannot create pid/mount/net namespaces here: {probe.stderr.strip()}"
    return None


BINARIES = (
    "kube-apiserver",
    "etcd",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kubectl",
    "containerd",
    "containerd-shim-runc-v2",
    "ctr",
    "pause",
)


def k8s_version() -> str:
    return (CLUSTER_DIR.parent.parent / "apiserver" / "VERSION").read_text().strip()


def binaries_cached() -> bool:
    """Whether build.sh has nothing left to build (without running it)."""
    return all(os.access(CACHE / k8s_version() / name, os.X_OK) for name in BINARIES)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def build() -> tuple[Path, Path]:
    """(binaries dir, images dir): build.sh and images.sh, each a no-op once cached."""
    built = run(["bash", str(CLUSTER_DIR / "build.sh")], timeout=3600)
    if built.returncode != 0:
        raise ClusterError(f"tests/e2e/cluster/build.sh failed ({built.returncode}):\n{built.stderr[-3000:]}")
    bin_dir = Path(_last_line(built.stdout))
    images = run(["bash", str(CLUSTER_DIR / "images.sh"), str(bin_dir)], timeout=1800)
    if images.returncode != 0:
        raise ClusterError(f"tests/e2e/cluster/images.sh failed ({images.returncode}):\n{images.stderr[-3000:]}")
    return bin_dir, Path(_last_line(images.stdout))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- what the cluster may change on the host, before and after -------------------------------------

#: sysctls that change on their own (counters, entropy, ...): not compared.
VOLATILE_SYSCTLS = (
    "kernel/random/",
    "kernel/ns_last_pid",
    "kernel/pty/nr",
    "fs/dentry-state",
    "fs/inode-nr",
    "fs/inode-state",
    "fs/file-nr",
    "fs/aio-nr",
    "fs/quota/",
    "fs/binfmt_misc/",
    "kernel/sched_domain/",
    "kernel/tainted",
    "net/netfilter/nf_conntrack_count",
)
#: Host paths containerd, runc, the kubelet and CNI would create if they ran on the host.
HOST_PATHS = (
    "/run/containerd",
    "/run/runc",
    "/run/netns",
    "/var/run/netns",
    "/var/lib/kubelet",
    "/var/lib/cni",
    "/var/lib/containerd",
    "/var/log/containers",
    "/var/log/pods",
    "/etc/cni",
    "/opt/cni",
)


def _sysctls() -> dict[str, str]:
    values: dict[str, str] = {}
    for top in ("kernel", "vm", "fs", "net/ipv4", "net/ipv6/conf/all", "net/core", "net/bridge"):
        root = Path("/proc/sys", top)
        if not root.exists():
            continue
        for path in root.rglob("*"):
            key = str(path.relative_to("/proc/sys"))
            per_device = ("/conf/" in key and "/conf/all/" not in key) or "/neigh/" in key
            if key.startswith(VOLATILE_SYSCTLS) or per_device:
                continue
            with contextlib.suppress(OSError):
                if path.is_file() and os.access(path, os.R_OK):
                    values[key] = path.read_text()
    return values


def _cgroups() -> set[str]:
    """Cgroup directories named like the kubelet's or containerd's, at any hierarchy's top."""
    found: set[str] = set()
    for hierarchy in Path("/sys/fs/cgroup").iterdir():
        for name in ("kubepods", "kubepods.slice", "k8s.io"):
            if (hierarchy / name).is_dir():
                found.add(str(hierarchy / name))
    return found


def _mounts(state: Path) -> set[str]:
    """Mounts in this (the host's) mount namespace that a leak from the cluster could make."""
    prefixes = (str(state), *PRIVATE_MOUNTS)
    found: set[str] = set()
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        target, fstype = fields[4], fields[fields.index("-") + 1]
        if target.startswith(prefixes) or fstype in ("overlay", "nsfs"):
            found.add(f"{target} ({fstype})")
    return found


def _links() -> set[str]:
    out = run(["ip", "-o", "link", "show"]).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line}


@dataclass(frozen=True)
class HostState:
    sysctls: dict[str, str]
    cgroups: set[str]
    mounts: set[str]
    links: set[str]
    paths: set[str]

    @classmethod
    def capture(cls, state: Path) -> HostState:
        return cls(_sysctls(), _cgroups(), _mounts(state), _links(), {p for p in HOST_PATHS if os.path.lexists(p)})


@dataclass
class Leftovers:
    """What the cluster left on the host after stop(); empty when it left nothing."""

    processes: list[str] = field(default_factory=list)
    sysctls: dict[str, tuple[str, str]] = field(default_factory=dict)
    cgroups: set[str] = field(default_factory=set)
    mounts: set[str] = field(default_factory=set)
    links: set[str] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)
    state_dir: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.processes or self.sysctls or self.cgroups or self.mounts or self.links or self.paths or self.state_dir
        )


def _processes_in(pid_ns: str, state: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            ns = os.readlink(proc / "ns" / "pid")
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if ns == pid_ns or str(state) in cmdline:
            found.append(f"{proc.name}: {cmdline[:200]}")
    return found


# --- configuration files ------------------------------------------------------------------------


def _kubeconfig(server: str, pki: Path, user: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": "k8saudit-e2e", "cluster": {"server": server, "certificate-authority": str(pki / "ca.crt")}}
            ],
            "users": [
                {
                    "name": user,
                    "user": {"client-certificate": str(pki / f"{user}.crt"), "client-key": str(pki / f"{user}.key")},
                }
            ],
            "contexts": [{"name": "k8saudit-e2e", "context": {"cluster": "k8saudit-e2e", "user": user}}],
            "current-context": "k8saudit-e2e",
        },
        sort_keys=False,
    )


def kubelet_configuration(state: Path) -> dict[str, Any]:
    """The kubelet's configuration file. Every field the kubelet.* checks read is set here, six
    safely and two not, so a scan with --kubelet-config has known true values to find."""
    pki = state / "pki"
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        # what the kubelet.* checks read
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        # on purpose, two settings the checks must fail: the unauthenticated read-only port
        # (reachable only inside the cluster's network namespace) and no certificate rotation
        "readOnlyPort": 10255,
        "seccompDefault": True,
        "streamingConnectionIdleTimeout": "7m0s",
        "podPidsLimit": 4096,
        "rotateCertificates": False,
        "serverTLSBootstrap": False,
        # how this node runs
        "address": NODE_IP,
        "tlsCertFile": str(pki / "kubelet-serving.crt"),
        "tlsPrivateKeyFile": str(pki / "kubelet-serving.key"),
        "containerRuntimeEndpoint": "unix:///run/containerd/containerd.sock",
        "cgroupDriver": "cgroupfs",
        # cgroup v1 hosts (hybrid layouts included): kubelet 1.35+ refuses v1 unless told not to
        "failCgroupV1": False,
        "failSwapOn": False,
        # a process without CAP_SYS_RESOURCE (a sandboxed CI runner) cannot set negative OOM scores
        "oomScoreAdj": 0,
        "podLogsDir": str(state / "pod-logs"),
        "resolvConf": str(state / "resolv.conf"),
        "clusterDomain": "cluster.local",
        # images exist only locally: never collect them; a small disk never evicts
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {
            "memory.available": "100Mi",
            "nodefs.available": "1%",
            "imagefs.available": "1%",
            "nodefs.inodesFree": "1%",
        },
        "serializeImagePulls": False,
        "nodeStatusReportFrequency": "10s",
    }


def _containerd_toml(state: Path) -> str:
    return f"""version = 3
root = "{state}/containerd/root"
state = "/run/containerd"
disabled_plugins = [
  "io.containerd.nri.v1.nri", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"
]
[grpc]
  address = "/run/containerd/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "{state}/containerd/opt"
[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "{PAUSE_IMAGE}"
[plugins."io.containerd.cri.v1.runtime"]
  enable_selinux = false
  netns_mounts_under_state_dir = true
  # without CAP_SYS_RESOURCE no process may lower its oom_score_adj: clamp the kubelet's
  # negative scores to containerd's own (runc fails "can't get final child's PID" otherwise)
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "{shutil.which("runc") or "/usr/sbin/runc"}"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "{state}/cni/net.d"
"""


def _cni_conflist(state: Path) -> str:
    return json.dumps(
        {
            "cniVersion": "0.4.0",
            "name": "k8saudit-e2e",
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": "cni0",
                    "isGateway": True,
                    "ipMasq": False,
                    "hairpinMode": True,
                    "ipam": {
                        "type": "host-local",
                        "dataDir": str(state / "cni" / "networks"),
                        "ranges": [[{"subnet": "10.88.0.0/24", "gateway": "10.88.0.1"}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                    },
                },
                {"type": "loopback"},
            ],
        },
        indent=1,
    )


# --- the node ------------------------------------------------------------------------------------


@dataclass
class LocalNode:
    """A running local cluster: use kubectl() or the kubeconfig (the API server on the host's loopback)."""

    state: Path
    bin_dir: Path
    kubeconfig: Path  #: admin, https://127.0.0.1:<port> on the host (socat into the namespace)
    inner_kubeconfig: Path  #: admin, https://127.0.0.1:443 inside the cluster's network namespace
    kubelet_config: dict[str, Any]
    supervisor: subprocess.Popen[bytes]
    nspid: int
    pid_ns: str
    before: HostState
    lifeline: int | None
    lock_fd: int
    started_in: float
    timings: dict[str, float] = field(default_factory=dict)

    # -- start ---------------------------------------------------------------------------------

    @classmethod
    def start(cls, images: Iterable[Path] = (), *, state: Path | None = None) -> LocalNode:
        t0 = time.monotonic()
        timings: dict[str, float] = {}
        bin_dir, image_dir = build()
        timings["build (cached check)"] = time.monotonic() - t0
        CACHE.mkdir(parents=True, exist_ok=True)
        # one cluster per machine: two kubelets would share the /kubepods cgroups
        lock_fd = os.open(CACHE / "node.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            t_lock = time.monotonic()
            fcntl.flock(lock_fd, fcntl.LOCK_EX)  # another run's cluster: wait for it to stop
            timings["waited for another cluster"] = time.monotonic() - t_lock
        state = state or Path(tempfile.mkdtemp(prefix="k8saudit-e2e-", dir="/tmp"))
        if str(state).startswith(PRIVATE_MOUNTS):
            raise ClusterError(
                f"the state directory {state} would be hidden by the cluster's tmpfs over {PRIVATE_MOUNTS}"
            )
        before = HostState.capture(state)
        for sub in ("logs", "cni/net.d", "kubelet", "pod-logs", "images", "volumes"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        for archive in (image_dir / "pause.oci.tar", *images):
            (state / "images" / archive.name).symlink_to(archive)
        certs = run(["bash", str(CLUSTER_DIR / "certs.sh"), str(state / "pki"), NODE_NAME, NODE_IP])
        if certs.returncode != 0:
            raise ClusterError(f"certs.sh failed: {certs.stderr}")
        pki = state / "pki"
        port = free_port()
        kubeconfig = state / "admin.kubeconfig"
        kubeconfig.write_text(_kubeconfig(f"https://127.0.0.1:{port}", pki, "admin"))
        inner_kubeconfig = state / "admin-inner.kubeconfig"
        inner_kubeconfig.write_text(_kubeconfig("https://127.0.0.1:443", pki, "admin"))
        for user in ("kube-controller-manager", "kube-scheduler"):
            (state / f"{user}.kubeconfig").write_text(_kubeconfig("https://127.0.0.1:443", pki, user))
        (state / "kubelet.kubeconfig").write_text(_kubeconfig(f"https://{NODE_IP}:443", pki, "kubelet"))
        kubelet_config = kubelet_configuration(state)
        (state / "kubelet.yaml").write_text(yaml.safe_dump(kubelet_config, sort_keys=False))
        (state / "containerd.toml").write_text(_containerd_toml(state))
        (state / "cni" / "net.d" / "10-k8saudit-e2e.conflist").write_text(_cni_conflist(state))
        (state / "resolv.conf").write_text("options ndots:1\n")  # no DNS in this cluster, and no host's leaks in

        read_end, write_end = os.pipe()  # the lifeline: inner.sh stops the cluster at EOF
        os.set_inheritable(write_end, False)
        log = (state / "logs" / "node.log").open("wb")
        supervisor = subprocess.Popen(
            ["bash", str(CLUSTER_DIR / "node.sh"), str(state), str(bin_dir), str(port), str(read_end)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(read_end, lock_fd),  # the lock is held until the last cluster process is gone
            start_new_session=True,
        )
        os.close(read_end)
        log.close()
        node = cls(
            state=state,
            bin_dir=bin_dir,
            kubeconfig=kubeconfig,
            inner_kubeconfig=inner_kubeconfig,
            kubelet_config=kubelet_config,
            supervisor=supervisor,
            nspid=0,
            pid_ns="",
            before=before,
            lifeline=write_end,
            lock_fd=lock_fd,
            started_in=0.0,
            timings=timings,
        )
        try:
            node._wait_until_ready(t0)
        except BaseException:
            node.stop(keep=True)
            raise
        node.started_in = time.monotonic() - t0
        return node

    def _wait_until_ready(self, t0: float) -> None:
        deadline = time.monotonic() + READY_SECONDS
        nspid_file = self.state / "nspid"
        while not (nspid_file.exists() and nspid_file.read_text().strip()):
            self._still_running()
            if time.monotonic() > deadline:
                raise ClusterError(f"the namespaces did not come up; see {self.state}/logs")
            time.sleep(0.05)
        self.nspid = int(nspid_file.read_text())
        self.pid_ns = os.readlink(f"/proc/{self.nspid}/ns/pid")
        self.timings["namespaces"] = time.monotonic() - t0
        # Ready node, then what pods of a new namespace need: the default ServiceAccount and the
        # kube-root-ca.crt ConfigMap (the controller-manager makes both)
        ready = "{.status.conditions[?(@.type=='Ready')].status}"
        while True:
            self._still_running()
            if (self.state / "inner.started").exists():
                got = self.kubectl("get", "node", NODE_NAME, "-o", f"jsonpath={ready}", check=False, timeout=10)
                if got.stdout.strip() == "True":
                    break
            if time.monotonic() > deadline:
                raise ClusterError(f"node {NODE_NAME} not Ready after {READY_SECONDS} s; see {self.state}/logs")
            time.sleep(0.2)
        self.timings["node Ready"] = time.monotonic() - t0
        while True:
            sa = self.kubectl("-n", "default", "get", "serviceaccount", "default", check=False, timeout=10)
            ca = self.kubectl("-n", "default", "get", "configmap", "kube-root-ca.crt", check=False, timeout=10)
            if sa.returncode == 0 and ca.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise ClusterError(f"the controller-manager made no default ServiceAccount; see {self.state}/logs")
            time.sleep(0.2)
        self.timings["ready for pods"] = time.monotonic() - t0

    def _still_running(self) -> None:
        if self.supervisor.poll() is not None:
            raise ClusterError(f"the cluster stopped while starting:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for name in ("node.log", "inner.log"):
            path = self.state / "logs" / name
            if path.exists():
                parts.append(f"--- {path}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(parts)

    # -- use -----------------------------------------------------------------------------------

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """kubectl as cluster admin, run in the cluster's network namespace."""
        cmd = ["nsenter", f"--net=/proc/{self.nspid}/ns/net", str(self.bin_dir / "kubectl")]
        got = run([*cmd, "--kubeconfig", str(self.inner_kubeconfig), *args], input=input, timeout=timeout)
        if check and got.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)} failed ({got.returncode}): {got.stderr.strip()}")
        return got

    def in_namespaces(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """A command in the cluster's mount and network namespaces (where containerd's socket is)."""
        return run(["nsenter", "-t", str(self.nspid), "--mount", "--net", *args], timeout=timeout)

    def import_image(self, archive: Path, *, also_as: str | None = None) -> None:
        """Import an OCI archive into containerd's k8s.io namespace (what a pull would store);
        `also_as` adds a second name, e.g. the repo@digest reference a registry pull records."""
        ctr = [str(self.bin_dir / "ctr"), "-a", "/run/containerd/containerd.sock", "-n", "k8s.io"]
        got = self.in_namespaces(*ctr, "images", "import", str(archive))
        if got.returncode != 0:
            raise ClusterError(f"ctr images import {archive} failed: {got.stderr.strip()}")
        if also_as:
            name = _archive_name(archive)
            tagged = self.in_namespaces(*ctr, "images", "tag", "--force", name, also_as)
            if tagged.returncode != 0:
                raise ClusterError(f"ctr images tag {name} {also_as} failed: {tagged.stderr.strip()}")

    def upper_dir(self, container_id: str) -> Path:
        """The overlay upper directory of a container: everything it wrote to its root filesystem."""
        ctr = [str(self.bin_dir / "ctr"), "-a", "/run/containerd/containerd.sock", "-n", "k8s.io"]
        info = self.in_namespaces(*ctr, "containers", "info", container_id)
        if info.returncode != 0:
            raise ClusterError(f"ctr containers info {container_id}: {info.stderr.strip()}")
        spec = json.loads(info.stdout)
        mounts = self.in_namespaces(
            *ctr, "snapshots", "--snapshotter", spec["Snapshotter"], "mounts", "/unused", spec["SnapshotKey"]
        )
        for option in mounts.stdout.replace(",", " ").split():
            if option.startswith("upperdir="):
                # containerd's root is a tmpfs in the cluster's mount namespace: look through its init
                return Path(f"/proc/{self.nspid}/root") / option.removeprefix("upperdir=").lstrip("/")
        raise ClusterError(f"no upperdir for {container_id}: {mounts.stdout} {mounts.stderr}")

    def images(self) -> list[str]:
        ctr = [str(self.bin_dir / "ctr"), "-a", "/run/containerd/containerd.sock", "-n", "k8s.io"]
        return self.in_namespaces(*ctr, "images", "ls", "-q").stdout.split()

    # -- stop ----------------------------------------------------------------------------------

    def stop(self, *, keep: bool = False, timeout: float = 90) -> Leftovers:
        """Stop the cluster, wait for node.sh's cleanup, and report whatever is left on the host.
        keep=True leaves the state directory (logs) in place."""
        if self.lifeline is not None:
            os.close(self.lifeline)  # inner.sh sees EOF and stops everything
            self.lifeline = None
        try:
            self.supervisor.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            if self.nspid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.nspid, 9)  # the kernel then kills the whole pid namespace
            self.supervisor.wait(timeout=60)
        leftovers = self.leftovers()
        if not keep and not leftovers.processes:
            shutil.rmtree(self.state, ignore_errors=True)
            leftovers.state_dir = self.state.exists()
        os.close(self.lock_fd)
        return leftovers

    def leftovers(self) -> Leftovers:
        return leftovers_since(self.before, self.state, self.pid_ns)


def leftovers_since(before: HostState, state: Path, pid_ns: str) -> Leftovers:
    """What differs on the host from `before`, and any process still in the cluster's pid namespace."""
    after = HostState.capture(state)
    changed = {
        key: (value, after.sysctls.get(key, "<gone>"))
        for key, value in before.sysctls.items()
        if after.sysctls.get(key, value) != value
    }
    return Leftovers(
        processes=_processes_in(pid_ns, state) if pid_ns else [],
        sysctls=changed,
        cgroups=after.cgroups - before.cgroups,
        mounts=after.mounts - before.mounts,
        links=after.links - before.links,
        paths=after.paths - before.paths,
    )


def _archive_name(archive: Path) -> str:
    import tarfile

    with tarfile.open(archive) as tar:
        member = tar.extractfile("index.json")
        assert member is not None
        index = json.load(member)
    annotations = index["manifests"][0].get("annotations", {})
    return str(annotations.get("io.containerd.image.name") or annotations["org.opencontainers.image.ref.name"])


def archive_digest(archive: Path) -> str:
    """The manifest digest of a one-image OCI archive (what `name@sha256:…` pins)."""
    import tarfile

    with tarfile.open(archive) as tar:
        member = tar.extractfile("index.json")
        assert member is not None
        index = json.load(member)
    return str(index["manifests"][0]["digest"])
