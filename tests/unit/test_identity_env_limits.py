"""Service-account token and identity, credentials and Secrets in env, requests and limits."""

from __future__ import annotations

import json
from typing import Any

from k8saudit.model.facts import Availability, ClusterFactsSpec
from k8saudit.model.findings import Severity, Status
from tests.unit.workload_helpers import ctr, fails, hardened, run, summary, unjudged, workload


def service_account(name: str, automount: bool | None = None, namespace: str = "shop") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": name, "namespace": namespace},
    }
    if automount is not None:
        doc["automountServiceAccountToken"] = automount
    return doc


def static_pod(name: str) -> dict[str, Any]:
    doc = workload(name, ctr(), kind="Pod", namespace="kube-system")
    doc["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": "cp1", "controller": True}]
    return doc


# --- service-account token -----------------------------------------------------------------


def test_token_pod_setting_wins_then_service_account_then_default() -> None:
    docs = [
        service_account("opted-out", automount=False),
        service_account("plain"),
        workload("pod-false", serviceAccountName="plain", automountServiceAccountToken=False),
        workload("pod-true", serviceAccountName="opted-out", automountServiceAccountToken=True),
        workload("sa-false", serviceAccountName="opted-out"),
        workload("sa-unset", serviceAccountName="plain"),
        workload("default-missing"),  # `default` is not in the manifests: assumed as Kubernetes creates it
        static_pod("etcd-cp1"),
    ]
    report = run(docs, "pod.service-account-token")
    got = fails(report)
    assert set(got) == {("pod-true", None), ("sa-unset", None), ("default-missing", None)}
    assert "on the pod" in got[("pod-true", None)].message
    assert "assumed" in got[("default-missing", None)].message
    assert got[("sa-unset", None)].evidence[1].path == "serviceaccounts/shop/plain.automountServiceAccountToken"
    assert summary(report).passed == 3  # pod-false, sa-false, the static pod


def test_token_named_service_account_absent_is_not_assessable() -> None:
    report = run([workload("named", serviceAccountName="builder")], "pod.service-account-token")
    na = unjudged(report)
    assert set(na) == {"named"}
    assert "builder is not in the set of manifests" in (na["named"].reason or "")
    assert summary(report).status is Status.NOT_ASSESSABLE


def test_token_service_accounts_unreadable_is_not_assessable_unless_pod_decides() -> None:
    facts = ClusterFactsSpec(
        source="live",
        kinds={"ServiceAccount": Availability(status="forbidden", reason="list serviceaccounts: forbidden")},
    )
    docs = [workload("unset"), workload("decided", automountServiceAccountToken=False)]
    report = run(docs, "pod.service-account-token", facts)
    assert set(unjudged(report)) == {"unset"}
    assert "forbidden" in (unjudged(report)["unset"].reason or "")
    assert summary(report).status is Status.PASS and summary(report).passed == 1


# --- default service account ---------------------------------------------------------------


def test_default_service_account() -> None:
    docs = [
        service_account("default", automount=False),
        workload("implicit"),
        workload("explicit", serviceAccountName="default", automountServiceAccountToken=True),
        workload("own", serviceAccountName="web"),
        static_pod("kube-apiserver-cp1"),
    ]
    report = run(docs, "pod.default-service-account")
    got = fails(report)
    assert set(got) == {("implicit", None), ("explicit", None)}
    assert got[("implicit", None)].severity is Severity.INFO  # the default SA opts out of the token
    assert got[("explicit", None)].severity is Severity.LOW
    assert summary(report).passed == 2


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


# --- requests and limits -------------------------------------------------------------------


def limit_range(name: str, **item: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"limits": [{"type": "Container", **item}]},
    }


def test_memory_limits_own_value_limit_range_and_ephemeral_skipped() -> None:
    docs = [
        workload("own", ctr(resources={"limits": {"memory": "256Mi"}})),
        workload("none", ctr(resources={"requests": {"memory": "256Mi"}}), init=[ctr("setup")]),
        workload("debug", ctr(resources={"limits": {"memory": "1Gi"}}), ephemeral=[ctr("debugger")]),
    ]
    report = run(docs, "pod.memory-limits")
    got = fails(report)
    assert set(got) == {("none", "app"), ("none", "setup")}
    assert "no memory limit" in got[("none", "app")].message
    assert summary(report).passed == 2  # the ephemeral container is not judged

    defaulted = run([*docs, limit_range("defaults", default={"memory": "512Mi"})], "pod.memory-limits")
    assert summary(defaulted).status is Status.PASS and summary(defaulted).passed == 4


def test_cpu_limits_pod_level_resources_count() -> None:
    docs = [workload("pod-level", ctr("a"), ctr("b"), resources={"limits": {"cpu": "2"}}), workload("none", ctr())]
    got = fails(run(docs, "pod.cpu-limits"))
    assert set(got) == {("none", "app")}
    assert got[("none", "app")].severity is Severity.LOW


def test_requests_default_to_limits_and_limit_range_default_request() -> None:
    docs = [
        workload("from-limit", ctr(resources={"limits": {"cpu": "1", "memory": "1Gi"}})),
        workload("own", ctr(resources={"requests": {"cpu": "100m", "memory": "64Mi"}})),
        workload("none", ctr()),
    ]
    for check in ("pod.cpu-requests", "pod.memory-requests"):
        report = run(docs, check)
        assert set(fails(report)) == {("none", "app")}, check
        assert summary(report).passed == 2
    with_range = [*docs, limit_range("defaults", defaultRequest={"cpu": "50m"})]
    assert summary(run(with_range, "pod.cpu-requests")).status is Status.PASS
    assert set(fails(run(with_range, "pod.memory-requests"))) == {("none", "app")}


def test_limits_not_assessable_when_limit_ranges_unreadable() -> None:
    facts = ClusterFactsSpec(
        source="live", kinds={"LimitRange": Availability(status="forbidden", reason="list limitranges: forbidden")}
    )
    docs = [workload("none", ctr()), workload("own", ctr(resources={"limits": {"memory": "1Gi"}}))]
    report = run(docs, "pod.memory-limits", facts)
    assert set(unjudged(report)) == {"none"}
    assert "could not be read" in (unjudged(report)["none"].reason or "")
    assert summary(report).status is Status.PASS and summary(report).passed == 1
    only_unknown = run([workload("none", ctr())], "pod.memory-limits", facts)
    assert summary(only_unknown).status is Status.NOT_ASSESSABLE


def test_no_secret_value_reaches_any_report() -> None:
    doc = workload("leaky", ctr(env=[{"name": "STRIPE_KEY", "value": CANARY}]))
    for check in ("pod.env-credentials", "pod.secrets-in-env", "pss.restricted"):
        assert CANARY not in json.dumps(run([doc], check).model_dump(mode="json"))
