"""The e2e tier's own machinery, checked without a cluster (these run in every `pytest`)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.e2e import providers
from tests.e2e.cluster import localnode

CLUSTER_DIR = Path(__file__).resolve().parent / "cluster"


def test_mkimage_writes_an_oci_archive_whose_digests_hold(tmp_path: Path) -> None:
    payload = tmp_path / "hello"
    payload.write_bytes(b"#!/bin/sh\necho hi\n")
    archive = tmp_path / "x.oci.tar"
    args = ["--name", "localhost/e2e/x:1", "--file", f"bin/x={payload}", "--entrypoint", "/bin/x"]
    args += ["--user", "65532:65532", "-o", str(archive)]
    subprocess.run([sys.executable, str(CLUSTER_DIR / "mkimage.py"), *args], check=True, capture_output=True)
    with tarfile.open(archive) as tar:
        blobs = {
            m.name.rsplit("/", 1)[1]: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.name.startswith("blobs/sha256/")
        }
        index = json.load(tar.extractfile("index.json"))  # type: ignore[arg-type]
    assert all(hashlib.sha256(data).hexdigest() == name for name, data in blobs.items())
    (entry,) = index["manifests"]
    assert entry["annotations"]["io.containerd.image.name"] == "localhost/e2e/x:1"
    assert entry["digest"] == localnode.archive_digest(archive)
    manifest = json.loads(blobs[entry["digest"].removeprefix("sha256:")])
    config = json.loads(blobs[manifest["config"]["digest"].removeprefix("sha256:")])
    (layer,) = manifest["layers"]
    assert config["rootfs"]["diff_ids"] == [layer["digest"]]
    assert config["config"]["User"] == "65532:65532" and config["config"]["Entrypoint"] == ["/bin/x"]
    layer_tar = tmp_path / "layer.tar"
    layer_tar.write_bytes(blobs[layer["digest"].removeprefix("sha256:")])
    with tarfile.open(layer_tar) as tar:
        (member,) = tar.getmembers()
        assert (member.name, member.uid, member.mode) == ("bin/x", 0, 0o755)


def test_the_leftover_report_names_what_changed(tmp_path: Path) -> None:
    """The teardown check can fail: a host state that differs from `before` is reported."""
    now = localnode.HostState.capture(tmp_path)
    assert not localnode.leftovers_since(now, tmp_path, pid_ns="")
    key = next(iter(now.sysctls))
    before = dataclasses.replace(
        now,
        sysctls={**now.sysctls, key: "something else\n"},
        cgroups=now.cgroups - {"/sys/fs/cgroup/memory/kubepods"},
        links=now.links - {"lo"},
    )
    left = localnode.leftovers_since(before, tmp_path, pid_ns="")
    assert left and key in left.sysctls and left.links == {"lo"}
    # and a process in a pid namespace is found by that namespace
    mine = localnode._processes_in(str(Path("/proc/self/ns/pid").readlink()), tmp_path)
    assert mine  # pytest's own namespace holds processes (other than this one)


def test_an_unknown_or_unusable_provider_skips_the_tier_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(providers, "_choice", None)
    monkeypatch.setenv("K8SAUDIT_E2E_PROVIDER", "minikube")
    choice = providers.choose()
    assert choice.provider is None and "minikube" in choice.why
    monkeypatch.setattr(providers, "_choice", None)
    monkeypatch.setenv("K8SAUDIT_E2E_PROVIDER", "kind")
    monkeypatch.setattr(providers, "why_not_kind", lambda: "the `kind` CLI is not on PATH")
    choice = providers.choose()
    assert choice.provider is None and "kind" in choice.describe() and "not on PATH" in choice.why


def test_the_harness_kubelet_sets_every_field_the_kubelet_checks_read(tmp_path: Path) -> None:
    config = localnode.kubelet_configuration(tmp_path)
    for path in (
        "authentication.anonymous.enabled",
        "authorization.mode",
        "authentication.x509.clientCAFile",
        "readOnlyPort",
        "seccompDefault",
        "streamingConnectionIdleTimeout",
        "podPidsLimit",
        "rotateCertificates",
        "serverTLSBootstrap",
    ):
        value: object = config
        for part in path.split("."):
            assert isinstance(value, dict) and part in value, path
            value = value[part]
