"""A hostile cluster: names, annotations, images and exemption reasons full of HTML, Markdown and
pipes, run through the checks; every format must print its markup as text."""

from __future__ import annotations

from typing import Any

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report
from tests.unit.support.workload_helpers import ctr, hardened, inventory, namespace, psa, workload

HOSTILE = '<img src=x onerror="alert(1)">|`x`*_'


def hostile_report() -> Report:
    docs: list[dict[str, Any]] = [
        namespace("shop", labels=psa("baseline")),
        workload(
            HOSTILE,
            ctr(name=f"c{HOSTILE}", image=f"evil.example/{HOSTILE}:latest", securityContext={"privileged": True}),
            template_annotations={"k8saudit.io/exempt": "pod.seccomp", "k8saudit.io/exempt-reason": HOSTILE},
        ),
        hardened("fine"),
    ]
    return run_checks(inventory(docs))
