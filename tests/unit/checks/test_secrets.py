"""Secrets checks: credentials in ConfigMaps, legacy token Secrets (metadata only) and EKS aws-auth.
Values planted here must never reach a finding."""

from __future__ import annotations

import json

from k8saudit.model.facts import SecretMetadata, TokenSecret
from k8saudit.model.findings import Severity, Status
from k8saudit.model.objects import ConfigMap
from k8saudit.output.render import render
from tests.conftest import make_inventory
from tests.unit.support.cluster_builders import configmap, live_facts
from tests.unit.support.helpers import by_status, deployment, failing, run, summary

CANARY = "CANARY-9f2e-hunter2"
ARN = "arn:aws:iam::111122223333:user/CANARY-alice"


def test_configmap_credentials_name_the_key_never_the_value() -> None:
    docs = [
        configmap("app", "shop", {"LOG_LEVEL": "info", "DB_PASSWORD": CANARY}),
        configmap("plain", "shop", {"greeting": "hello"}),
    ]
    report = run(docs, "secrets.configmap-credentials")
    got = failing(report)
    assert set(got) == {"app"} and got["app"].severity is Severity.HIGH
    assert "DB_PASSWORD" in got["app"].message
    assert summary(report).passed == 1
    for fmt in ("json", "md", "html"):
        assert CANARY not in render(report, fmt)


def test_configmap_credentials_issue_15_shapes() -> None:
    """Issue 15, items 4-7: the key names and values a ConfigMap is judged by."""
    docs = [
        configmap("ssh", "shop", {"id_ed25519": "---BEGIN OPENSSH PRIVATE KEY---\nb3BlbnNzaC1r\n"}),
        configmap("nginx", "shop", {"auth.conf": 'proxy_set_header Authorization "Basic dXNlcjpodW50ZXIy";'}),
        configmap("batch", "shop", {"AZURE_BATCH_KEY": "c2VjcmV0LWJhdGNo"}),
        configmap("gcp", "shop", {"GOOGLE_APPLICATION_CREDENTIALS": "/var/secrets/google/key.json"}),
        configmap("keys", "shop", {"PUBLIC_KEY": "MIIBIjANBgkqhkiG9w0B", "SORT_KEY": "created_at"}),
    ]
    report = run(docs, "secrets.configmap-credentials")
    got = failing(report)
    assert set(got) == {"ssh", "nginx", "batch"}
    assert "id_ed25519 (value contains a private key)" in got["ssh"].message
    assert "Authorization" in got["nginx"].message
    assert summary(report).passed == 2
    assert "dXNlcjpo" not in report.model_dump_json()


def test_configmap_credentials_not_assessable_without_configmaps() -> None:
    assert summary(run([deployment("web")], "secrets.configmap-credentials")).status is Status.NOT_ASSESSABLE


# --- legacy service-account token Secrets ---------------------------------------------------------


def tokens(*items: TokenSecret) -> SecretMetadata:
    return SecretMetadata(status="ok", tokenSecrets=list(items))


def test_legacy_tokens_fail_unless_invalidated() -> None:
    meta = tokens(
        TokenSecret(namespace="ci", name="deployer-token", serviceAccount="deployer", lastUsed="2026-11-01"),
        TokenSecret(namespace="ci", name="old-token", serviceAccount="old", invalidSince="2026-01-10"),
    )
    report = run([deployment("web")], "secrets.legacy-sa-tokens", live_facts(secretMetadata=meta))
    got = failing(report)
    assert set(got) == {"deployer-token"}
    finding = got["deployer-token"]
    assert finding.resource is not None and (finding.resource.kind, finding.resource.namespace) == ("Secret", "ci")
    assert "deployer" in finding.message and "2026-11-01" in finding.message
    assert summary(report).passed == 1


def test_no_legacy_tokens_passes() -> None:
    report = run([deployment("web")], "secrets.legacy-sa-tokens", live_facts(secretMetadata=tokens()))
    assert summary(report).status is Status.PASS


def test_legacy_tokens_need_the_opt_in() -> None:
    report = run([deployment("web")], "secrets.legacy-sa-tokens", live_facts())
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "--secret-metadata" in (summary(report).reason or "")
    forbidden = SecretMetadata(status="forbidden", reason="forbidden: --secret-metadata needs list secrets (403)")
    report = run([deployment("web")], "secrets.legacy-sa-tokens", live_facts(secretMetadata=forbidden))
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "needs list secrets" in (summary(report).reason or "")


# --- EKS aws-auth ----------------------------------------------------------------------------------


MAP_ROLES = "- rolearn: arn:aws:iam::111122223333:role/nodes\n  username: system:node:{{EC2PrivateDNSName}}\n"
MAP_USERS = f"- userarn: {ARN}\n  username: alice\n  groups: [system:masters]\n"


def test_aws_auth_counts_mappings_and_keeps_no_arn() -> None:
    doc = configmap("aws-auth", "kube-system", {"mapRoles": MAP_ROLES, "mapUsers": MAP_USERS})
    inv = make_inventory([doc])
    (cm,) = inv.of("ConfigMap", ConfigMap)
    assert cm.awsAuth is not None and (cm.awsAuth.mapRoles, cm.awsAuth.mapUsers) == (1, 1)
    assert "CANARY" not in json.dumps(cm.dump())
    report = run([doc], "secrets.aws-auth-iam-users")
    finding = failing(report)["aws-auth"]
    assert finding.severity is Severity.INFO and "1 IAM user mapping" in finding.message
    assert "CANARY" not in render(report, "json")


def test_aws_auth_with_roles_only_passes_and_survives_a_snapshot_round_trip() -> None:
    doc = configmap("aws-auth", "kube-system", {"mapRoles": MAP_ROLES})
    (cm,) = make_inventory([doc]).of("ConfigMap", ConfigMap)
    reparsed = make_inventory([cm.dump()])  # what a snapshot holds: no data, the summary kept
    assert reparsed.of("ConfigMap", ConfigMap)[0].awsAuth == cm.awsAuth
    assert summary(run([cm.dump()], "secrets.aws-auth-iam-users")).status is Status.PASS


def test_aws_auth_whole_account_mapping_fails_and_garbage_is_not_assessable() -> None:
    doc = configmap("aws-auth", "kube-system", {"mapRoles": MAP_ROLES, "mapAccounts": "- '111122223333'\n"})
    assert "whole-account" in failing(run([doc], "secrets.aws-auth-iam-users"))["aws-auth"].message
    bad = configmap("aws-auth", "kube-system", {"mapUsers": "userarn: [unclosed"})
    report = run([bad], "secrets.aws-auth-iam-users")
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "mapUsers is not a YAML list" in (by_status(report, Status.NOT_ASSESSABLE)[0].reason or "")


def test_other_configmaps_named_aws_auth_are_not_parsed() -> None:
    doc = configmap("aws-auth", "default", {"mapUsers": MAP_USERS})
    (cm,) = make_inventory([doc]).of("ConfigMap", ConfigMap)
    assert cm.awsAuth is None


def test_without_aws_auth_it_passes() -> None:
    report = run([configmap("x", "kube-system", {"a": "b"})], "secrets.aws-auth-iam-users")
    assert summary(report).status is Status.PASS
