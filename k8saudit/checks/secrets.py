"""Secrets (NSA/CISA: Secrets): credentials where they do not belong, and long-lived tokens.

No check here ever sees a secret value. ConfigMap values are classified at parse time
(`objects.ConfigMap`: key names and the reason a key looked like a credential survive, the
value does not); Secrets are never read, and listed only with `--secret-metadata`, as
metadata (`PartialObjectMetadataList`), to find legacy service-account token Secrets.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.objects import AWS_AUTH, ConfigMap, K8sObject, ObjectMeta


@check(
    id="secrets.configmap-credentials",
    title="ConfigMaps hold no credentials",
    problem="Credentials in ConfigMaps",
    section=Section.SECRETS,
    severity=Severity.HIGH,
    reads=("ConfigMap",),
    rationale="""
ConfigMaps are meant to be read widely: `view`-style roles, dashboards, CI tooling and
`kubectl describe` show their values, they are never encrypted at rest and they end up in
Git. A password, token, private key or URL with an embedded password in a ConfigMap is a
credential handed to everyone who can read configuration. Each key is classified from its
name and value while the ConfigMap is parsed; the finding names the key and why it looked
like a credential, never the value.
""",
    remediation="Move the value into a Secret (or an external secret store synced by an operator), reference it "
    "with secretKeyRef or a Secret volume, rotate the credential, and remove the key from the ConfigMap.",
    references={"kubescape": ["C-0012"], "polaris": ["sensitiveConfigmapContent"]},
)
def configmap_credentials(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for configmap in inv.of("ConfigMap", ConfigMap):
        found = configmap.credentialKeys
        yield result(
            configmap,
            failed=bool(found),
            message="Credential-looking keys: " + "; ".join(f"{c.key} ({c.reason})" for c in found)
            if found
            else "No key looks like a credential",
            evidence=[(f"data.{c.key}", f"<{c.reason}>") for c in found],
        )


LEGACY_TOKEN_TYPE = "kubernetes.io/service-account-token"


@check(
    id="secrets.legacy-sa-tokens",
    title="No long-lived service-account token Secrets",
    problem="Long-lived service-account token Secrets",
    section=Section.SECRETS,
    severity=Severity.MEDIUM,
    reads=("secret-metadata",),
    rationale="""
A Secret of type `kubernetes.io/service-account-token` holds a service-account token that
never expires and is readable by anyone who can read Secrets in its namespace. Since 1.24
pods get short-lived, audience-bound tokens from the TokenRequest API instead; the legacy
Secrets that remain are leftovers or hand-made for external systems. Kubernetes 1.29+ labels
unused ones `kubernetes.io/legacy-token-invalid-since` and stops accepting them: those pass.

Listing Secrets at all needs `list secrets`, a permission that would also allow reading their
values, so it is opt-in: with `--secret-metadata` the collector asks only for metadata
(`PartialObjectMetadataList`, filtered with `fieldSelector=type=kubernetes.io/service-account-token`)
and keeps namespace, name, the service account and the legacy-token labels. Without it this
check is not-assessable.
""",
    remediation="Give external systems tokens from `kubectl create token` (TokenRequest) with an expiry, or a "
    "workload identity; delete the token Secrets (`kubectl delete secret -n NS NAME`) once nothing uses them.",
    references={},
)
def legacy_sa_tokens(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    meta = inv.facts.secretMetadata
    if meta is None:  # reads=("secret-metadata",) makes this unreachable
        yield not_assessable("Secret metadata was not collected")
        return
    if not meta.tokenSecrets:
        yield result(None, failed=False, message="No legacy service-account token Secret exists")
        return
    for token in meta.tokenSecrets:
        target = K8sObject(
            apiVersion="v1", kind="Secret", metadata=ObjectMeta(name=token.name, namespace=token.namespace)
        )
        evidence = [
            ("type", LEGACY_TOKEN_TYPE),
            ("metadata.annotations[kubernetes.io/service-account.name]", token.serviceAccount),
            ("metadata.creationTimestamp", token.created),
            ("metadata.labels[kubernetes.io/legacy-token-last-used]", token.lastUsed),
            ("metadata.labels[kubernetes.io/legacy-token-invalid-since]", token.invalidSince),
        ]
        if token.invalidSince:
            yield result(
                target,
                failed=False,
                message=f"Token of {token.serviceAccount} invalidated since {token.invalidSince}: delete the Secret",
                evidence=evidence,
            )
            continue
        used = f"last used {token.lastUsed}" if token.lastUsed else "no recorded use"
        yield result(
            target,
            failed=True,
            message=f"A token that never expires for service account {token.serviceAccount} ({used})",
            evidence=evidence,
        )


@check(
    id="secrets.aws-auth-iam-users",
    title="EKS aws-auth maps IAM roles, not IAM users or whole accounts",
    problem="IAM users or whole accounts in EKS aws-auth",
    section=Section.AUTH,
    severity=Severity.INFO,
    reads=("ConfigMap",),
    rationale="""
On EKS, `kube-system/aws-auth` maps AWS identities to Kubernetes users and groups.
Mapping IAM users (`mapUsers`) ties cluster access to long-lived access keys of individual
users, which are harder to rotate, audit and revoke than assumed roles (`mapRoles`) with
short-lived credentials. `mapAccounts` maps every IAM user and role of an account. The
ConfigMap's values never leave the parser: only the number of entries of each list is kept.
EKS access entries are the successor of aws-auth altogether.
""",
    remediation="Replace mapUsers (and mapAccounts) entries by IAM roles that people assume through SSO, or migrate "
    "to EKS access entries (authenticationMode API) and remove aws-auth.",
    references={},
)
def aws_auth_iam_users(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    namespace, name = AWS_AUTH
    found = [c for c in inv.in_namespace("ConfigMap", namespace, ConfigMap) if c.name == name]
    if not found:
        yield result(None, failed=False, message="No kube-system/aws-auth ConfigMap (not EKS, or EKS access entries)")
        return
    configmap = found[0]
    summary = configmap.awsAuth
    if summary is None:
        yield not_assessable("the aws-auth ConfigMap was read without its data (key names only)", configmap)
        return
    evidence = [
        ("data.mapRoles entries", summary.mapRoles),
        ("data.mapUsers entries", summary.mapUsers),
        ("data.mapAccounts entries", summary.mapAccounts),
    ]
    if summary.error:
        yield not_assessable(f"aws-auth could not be read: {summary.error}", configmap)
        return
    problems = []
    if summary.mapUsers:
        problems.append(f"{summary.mapUsers} IAM user mapping(s)")
    if summary.mapAccounts:
        problems.append(f"{summary.mapAccounts} whole-account mapping(s)")
    yield result(
        configmap,
        failed=bool(problems),
        message="aws-auth maps " + " and ".join(problems)
        if problems
        else f"aws-auth maps only IAM roles ({summary.mapRoles})",
        evidence=evidence,
    )
