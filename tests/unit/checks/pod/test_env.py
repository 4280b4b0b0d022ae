"""Credentials and Secrets in env (k8saudit/checks/pod/env.py): named, never printed."""

from __future__ import annotations

import json

from k8saudit.model.findings import Severity, Status
from tests.unit.support.workload_helpers import ctr, fails, hardened, run, summary, workload

# --- credentials and Secrets in env --------------------------------------------------------


CANARY = "sk_live_" + "Zq8x" * 6  # a Stripe-shaped value


def test_env_credentials_names_the_variable_never_the_value() -> None:
    env = [
        {"name": "STRIPE_KEY", "value": CANARY},
        {"name": "DB_PASSWORD", "value": "hunter2hunter2"},
        {"name": "PASSWORD_FILE", "value": "/run/secrets/db"},
        {"name": "LOG_LEVEL", "value": "debug"},
        {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
    ]
    docs = [workload("leaky", ctr(env=env), init=[ctr("setup", env=[{"name": "TOKEN", "value": "abcd1234"}])])]
    docs.append(workload("clean", ctr(env=[{"name": "MODE", "value": "prod"}])))
    report = run(docs, "pod.env-credentials")
    got = fails(report)
    assert set(got) == {("leaky", "app"), ("leaky", "setup")}
    message = got[("leaky", "app")].message
    assert "STRIPE_KEY" in message and "DB_PASSWORD" in message
    assert "PASSWORD_FILE" not in message and "API_TOKEN" not in message
    assert [e.value for e in got[("leaky", "app")].evidence] == ["STRIPE_KEY", "DB_PASSWORD"]
    text = report.model_dump_json()
    assert CANARY not in text and "hunter2" not in text and "abcd1234" not in text
    assert summary(report).passed == 1


def test_env_credentials_issue_15_shapes() -> None:
    """Issue 15, items 4-7, at the check: what a workload's verdict is for each shape."""
    pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0YvFsBCAC6\n-----END PGP PRIVATE KEY BLOCK-----"
    docs = [
        workload("pgp", ctr(env=[{"name": "SIGNING_MATERIAL", "value": pgp}])),
        workload("bearer", ctr(env=[{"name": "UPSTREAM_HEADER", "value": "Bearer 9f8e7d6c5b4a3f2e"}])),
        workload("batch", ctr(env=[{"name": "AZURE_BATCH_KEY", "value": "c2VjcmV0LWJhdGNo"}])),
        workload("oci", ctr(env=[{"name": "OCI_CLI_KEY_CONTENT", "value": "MIIEowIBAAKCAQEAq"}])),
        workload("gcp", ctr(env=[{"name": "GOOGLE_APPLICATION_CREDENTIALS", "value": "/var/secrets/google/key.json"}])),
        workload("public", ctr(env=[{"name": "JWT_PUBLIC_KEY", "value": "MIIBIjANBgkqhkiG9w0B"}])),
        workload("ids", ctr(env=[{"name": "AZURE_CLIENT_ID", "value": "0f6c2a4e-1b2d-4c3e"}])),
    ]
    report = run(docs, "pod.env-credentials")
    got = fails(report)
    assert set(got) == {("pgp", "app"), ("bearer", "app"), ("batch", "app"), ("oci", "app")}
    assert "private key" in got[("pgp", "app")].message
    assert "Authorization" in got[("bearer", "app")].message
    assert "AZURE_BATCH_KEY" in got[("batch", "app")].message
    assert summary(report).passed == 3  # the file path, the public key and the id
    text = report.model_dump_json()
    assert "lQOYBF0Y" not in text and "9f8e7d6c" not in text and "c2VjcmV0" not in text


def test_env_credentials_passes_without_literals() -> None:
    assert summary(run([hardened("clean")], "pod.env-credentials")).status is Status.PASS


def test_secrets_in_env() -> None:
    docs = [
        workload(
            "env",
            ctr(
                env=[{"name": "DB_PASS", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
                envFrom=[{"secretRef": {"name": "api-keys"}}, {"configMapRef": {"name": "settings"}}],
            ),
        ),
        workload(
            "files",
            ctr(volumeMounts=[{"name": "db", "mountPath": "/secrets"}]),
            volumes=[{"name": "db", "secret": {"secretName": "db"}}],
        ),
        workload("configmap", ctr(env=[{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "x"}}}])),
    ]
    report = run(docs, "pod.secrets-in-env")
    got = fails(report)
    assert set(got) == {("env", "app")}
    assert "DB_PASS (Secret db key password)" in got[("env", "app")].message
    assert "every key of Secret api-keys" in got[("env", "app")].message
    assert "settings" not in got[("env", "app")].message
    assert got[("env", "app")].severity is Severity.LOW
    assert summary(report).passed == 2


def test_no_secret_value_reaches_any_report() -> None:
    doc = workload("leaky", ctr(env=[{"name": "STRIPE_KEY", "value": CANARY}]))
    for check in ("pod.env-credentials", "pod.secrets-in-env", "pss.restricted"):
        assert CANARY not in json.dumps(run([doc], check).model_dump(mode="json"))
