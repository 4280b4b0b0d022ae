"""kube-scheduler flags (NSA/CISA: control plane hardening).

Read from its static pods in kube-system (label `component=kube-scheduler`), one result per
replica; as for the controller-manager (`k8saudit/checks/controller_manager.py`), an unset flag
means the binary's default and a missing pod makes the checks not-assessable.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks._flags import (
    BIND_RATIONALE,
    PROFILING_RATIONALE,
    SCHEDULER,
    bind_address_result,
    profiling_results,
    replicas,
)
from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check
from k8saudit.model.findings import Section, Severity


@check(
    id="scheduler.bind-address",
    title="The scheduler serves only on loopback",
    problem="Scheduler serving beyond loopback",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=(SCHEDULER,),
    rationale=BIND_RATIONALE.format(name="kube-scheduler"),
    remediation="Set --bind-address=127.0.0.1 on every kube-scheduler.",
    references={"cis": ["1.4.2"], "kubescape": ["C-0152"]},
)
def scheduler_bind_address(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, SCHEDULER):
        yield bind_address_result(replica)


@check(
    id="scheduler.profiling",
    title="The scheduler does not expose profiling",
    problem="Scheduler profiling exposed",
    section=Section.AUTH,
    severity=Severity.LOW,
    reads=(SCHEDULER,),
    rationale=PROFILING_RATIONALE.format(name="kube-scheduler"),
    remediation="Set --profiling=false on every kube-scheduler.",
    references={"cis": ["1.4.1"], "kubescape": ["C-0151"]},
)
def scheduler_profiling(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, SCHEDULER):
        yield from profiling_results(replica, config_field="enableProfiling")
