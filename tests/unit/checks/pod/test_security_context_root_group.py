"""The root group check, pod.root-group (k8saudit/checks/pod/security_context.py)."""

from __future__ import annotations

from k8saudit.model.findings import Status
from tests.unit.support.workload_helpers import ctr, fails, run, summary, workload

# --- root group --------------------------------------------------------------------------------


def test_root_group_explicit_zero_fails_and_unset_passes() -> None:
    docs = [
        workload("gid0", ctr(securityContext={"runAsGroup": 0})),
        workload("pod-gid0", ctr(), securityContext={"runAsGroup": 0}),
        workload("override", ctr(securityContext={"runAsGroup": 1000}), securityContext={"runAsGroup": 0}),
        workload("unset", ctr()),
        workload("gid", ctr(), securityContext={"runAsGroup": 3000}),
    ]
    report = run(docs, "pod.root-group")
    got = fails(report)
    assert set(got) == {("gid0", "app"), ("pod-gid0", "app")}
    assert "runAsGroup is 0" in got[("gid0", "app")].message
    assert got[("pod-gid0", "app")].evidence[0].path == "spec.securityContext.runAsGroup"
    assert summary(report).passed == 3  # unset is the image's group, not root (unlike Kubescape C-0013)


def test_root_group_supplemental_and_fs_group_fail_every_container() -> None:
    docs = [
        workload("supp", ctr("a"), ctr("b"), securityContext={"supplementalGroups": [1000, 0]}),
        workload("fs", ctr(), init=[ctr("setup")], securityContext={"fsGroup": 0}),
    ]
    got = fails(run(docs, "pod.root-group"))
    assert set(got) == {("supp", "a"), ("supp", "b"), ("fs", "app"), ("fs", "setup")}
    assert "supplementalGroups include 0" in got[("supp", "a")].message
    assert "fsGroup is 0" in got[("fs", "setup")].message
    assert "(initContainer)" in got[("fs", "setup")].message


def test_root_group_in_user_namespace_passes() -> None:
    docs = [workload("userns", ctr(securityContext={"runAsGroup": 0}), hostUsers=False)]
    report = run(docs, "pod.root-group")
    assert summary(report).status is Status.PASS
