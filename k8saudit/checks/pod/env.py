"""Credentials and Secrets in container environments (NSA/CISA: Kubernetes Pod security, Secrets).

Literal env values never reach a check: the slim model drops them at parse time and keeps only
`credential`, the reason classification gave (`k8saudit.runtime.redact`). Findings name the variable,
never its value.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, result
from k8saudit.model.findings import Section, Severity


@check(
    id="pod.env-credentials",
    title="No credentials written literally in container env",
    problem="Credentials written literally in container env",
    section=Section.POD_SECURITY,
    severity=Severity.HIGH,
    reads=("workloads",),
    rationale="""
A credential written as a literal env value lives in the workload's manifest, in every
revision of it, in `kubectl get -o yaml` output and in the object store, readable by anyone
who can read the Deployment (far more people than can read Secrets). A variable is flagged
when its value matches a known credential shape (a private key in any armour, cloud or SaaS
token, JWT, a URL with a password, an HTTP Authorization value such as `Bearer ...`) or its
name says it is one (PASSWORD, TOKEN, API_KEY, a name ending in KEY, ...) and it has a literal
value that is not a file path (`GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json` says where
the key is). Only the variable's name and why it looked secret are reported.
""",
    remediation="Move the value into a Secret (or an external secret store) and reference it, preferably as a "
    "mounted file; rotate the credential, since it has been exposed.",
    references={"cis": [], "kubescape": ["C-0012"], "polaris": ["sensitiveContainerEnvVar"]},
    fix="""
env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef: {name: db, key: password}  # better: a mounted file
""",
)
def env_credentials(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        for view in ctx.containers(workload):
            found = [(i, var.name, var.credential) for i, var in enumerate(view.container.env) if var.credential]
            if found:
                names = ", ".join(name for _, name, _ in found)
                reasons = "; ".join(f"{name}: {reason}" for _, name, reason in found)
                message = f"Container {view.label} sets credentials in env: {names} ({reasons})"
            else:
                message = f"Container {view.label} sets no credential-looking literal in env"
            yield result(
                workload,
                failed=bool(found),
                container=view.container.name,
                message=message,
                evidence=[(f"{view.path}.env[{i}].name", name) for i, name, _ in found],
            )


@check(
    id="pod.secrets-in-env",
    title="Secrets are mounted as files rather than passed as env",
    problem="Secrets passed as environment variables",
    section=Section.POD_SECURITY,
    severity=Severity.LOW,
    reads=("workloads",),
    rationale="""
Environment variables leak more easily than files: they are inherited by every child process,
dumped by crash reporters and debug endpoints, printed by `env` in support sessions, and cannot
be updated without a restart. A Secret mounted as a volume can be read only by the processes
that open it and is refreshed in place. CIS 5.4.1 prefers files; this is low severity because
the value still lives in a Secret.
""",
    remediation="Mount the Secret as a volume (secret or projected) and have the application read the file; "
    "drop valueFrom.secretKeyRef and envFrom.secretRef.",
    references={"cis": ["5.4.1"], "kubescape": ["C-0207"], "polaris": []},
    fix="""
volumeMounts:
  - name: db
    mountPath: /var/run/secrets/db
    readOnly: true
# pod: volumes: [{name: db, secret: {secretName: db}}]
""",
)
def secrets_in_env(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        for view in ctx.containers(workload):
            evidence: list[tuple[str, object]] = []
            named: list[str] = []
            for i, var in enumerate(view.container.env):
                ref = var.valueFrom.secretKeyRef if var.valueFrom else None
                if ref is not None:
                    named.append(f"{var.name} (Secret {ref.name} key {ref.key})")
                    evidence.append((f"{view.path}.env[{i}].valueFrom.secretKeyRef", f"{ref.name}/{ref.key}"))
            for i, source in enumerate(view.container.envFrom):
                if source.secretRef is not None:
                    named.append(f"every key of Secret {source.secretRef.name}")
                    evidence.append((f"{view.path}.envFrom[{i}].secretRef.name", source.secretRef.name))
            yield result(
                workload,
                failed=bool(named),
                container=view.container.name,
                message=f"Container {view.label} receives Secrets as env: {', '.join(named)}"
                if named
                else f"Container {view.label} receives no Secret as env",
                evidence=evidence,
            )
