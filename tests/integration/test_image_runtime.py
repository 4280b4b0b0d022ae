"""A live scan, run as the container image runs it, writes only to its report volume and /tmp.

The kubernetes client writes a kubeconfig's inline certificates to temporary files: with HOME and
TMPDIR on the tmpfs (as the Dockerfile sets them) those land there, and nothing else is written
outside the volume, so the image works with a read-only root filesystem.
"""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from tests.integration.fakeapi import FakeCluster, TLSFiles
from tests.test_image import outside, run_recording_writes


def test_a_live_scan_writes_only_to_the_volume_and_tmp(fake: FakeCluster, tls: TLSFiles, tmp_path: Path) -> None:
    volume, tmpfs = tmp_path / "reports", tmp_path / "tmp"
    volume.mkdir()
    (tmpfs / ".kube").mkdir(parents=True)
    kubeconfig = fake.write_kubeconfig(tmpfs / ".kube" / "config")  # as mounted at /tmp/.kube/config
    doc = yaml.safe_load(kubeconfig.read_text())
    cluster = doc["clusters"][0]["cluster"]
    cluster["certificate-authority-data"] = base64.b64encode(
        Path(cluster.pop("certificate-authority")).read_bytes()
    ).decode()
    kubeconfig.write_text(yaml.safe_dump(doc))

    args = ["scan", "--output-dir", str(volume), "--timestamped", "--keep", "3", "--log-format", "json"]
    proc, writes = run_recording_writes(args, volume=volume, tmpfs=tmpfs)  # ~/.kube/config, found through HOME

    assert proc.returncode == 0, proc.stderr
    assert outside(writes, volume, tmpfs) == []
    assert any(str(tmpfs) in w for w in writes), "the client's temporary CA file should be on the tmpfs"
    assert [p.name for p in volume.iterdir() if p.name != "latest"]
