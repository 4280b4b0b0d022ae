from __future__ import annotations

import json

import pytest

from k8saudit.model.objects import ConfigMap, Container, EnvVar
from k8saudit.runtime import redact

JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXZhbHVl"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"
URL_WITH_PASSWORD = "postgres://app:s3cr3t-pw@db.internal:5432/shop"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (JWT, "JWT"),
        (f"Bearer {JWT}", "JWT"),
        (AWS_KEY, "AWS access key"),
        (PRIVATE_KEY, "private key"),
        (URL_WITH_PASSWORD, "URL with an embedded password"),
    ],
)
def test_values_that_look_like_credentials(value: str, reason: str) -> None:
    found = redact.value_reason(value)
    assert found is not None and reason in found
    assert value not in found
    assert redact.classify("HARMLESS_NAME", value) == found


@pytest.mark.parametrize(
    "value", ["info", "https://example.com/path", "postgres://db.internal:5432/shop", "eyJ-not-a-jwt", "AKIA-short"]
)
def test_ordinary_values_are_not_credentials(value: str) -> None:
    assert redact.value_reason(value) is None
    assert redact.classify("LOG_LEVEL", value) is None


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("api-key", True),
        ("GITHUB_TOKEN", True),
        ("client_secret", True),
        ("PASSWORD_FILE", False),  # a path to a secret, not the secret
        ("TOKEN_PATH", False),
        ("SECRET_NAME", False),
        ("LOG_LEVEL", False),
    ],
)
def test_secret_looking_names(name: str, secret: bool) -> None:
    assert redact.name_looks_secret(name) is secret


def test_an_empty_value_is_never_a_credential() -> None:
    assert redact.classify("PASSWORD", "") is None
    assert redact.classify("PASSWORD", "hunter2") is not None


def test_env_var_value_is_dropped_and_classified_by_name_and_value() -> None:
    by_name = EnvVar.model_validate({"name": "DB_PASSWORD", "value": "hunter2-canary"})
    by_value = EnvVar.model_validate({"name": "SETTINGS", "value": JWT})
    plain = EnvVar.model_validate({"name": "LOG_LEVEL", "value": "debug"})
    empty = EnvVar.model_validate({"name": "PASSWORD", "value": ""})
    assert by_name.hasValue and by_name.credential is not None and "DB_PASSWORD" in by_name.credential
    assert by_value.credential is not None and "JWT" in by_value.credential
    assert plain.hasValue and plain.credential is None
    assert not empty.hasValue and empty.credential is None
    dumped = json.dumps([e.dump() for e in (by_name, by_value, plain)])
    for secret in ("hunter2-canary", JWT, "debug"):
        assert secret not in dumped
    assert "value" not in by_name.dump()


def test_env_from_secret_ref_is_kept_as_a_reference() -> None:
    env = EnvVar.model_validate({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}})
    assert env.credential is None and not env.hasValue
    assert env.valueFrom is not None and env.valueFrom.secretKeyRef is not None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--password=x"], ["--password=<redacted>"]),
        (["--password", "x"], ["--password", "<redacted>"]),
        (["--db-password=hunter2", "--port=5432"], ["--db-password=<redacted>", "--port=5432"]),
        (["--api-key", "abc", "--verbose"], ["--api-key", "<redacted>", "--verbose"]),
        (
            ["--tls-private-key-file=/etc/kubernetes/pki/apiserver.key"],
            ["--tls-private-key-file=/etc/kubernetes/pki/apiserver.key"],
        ),
        (["--service-account-key-file=/etc/sa.pub"], ["--service-account-key-file=/etc/sa.pub"]),
        (["--token-auth-file=/etc/tokens.csv"], ["--token-auth-file=/etc/tokens.csv"]),
        (["--enable-bootstrap-token-auth=true"], ["--enable-bootstrap-token-auth=true"]),
        (["--database-url=" + URL_WITH_PASSWORD], ["--database-url=<redacted>"]),
        (["run", JWT], ["run", "<redacted>"]),
        (
            ["--anonymous-auth=false", "--authorization-mode", "Node,RBAC"],
            ["--anonymous-auth=false", "--authorization-mode", "Node,RBAC"],
        ),
        (["--token", "--next"], ["--token", "--next"]),
    ],
)
def test_redact_args(args: list[str], expected: list[str]) -> None:
    assert redact.redact_args(args) == expected


def test_container_command_line_is_redacted_when_parsed() -> None:
    container = Container.model_validate(
        {"name": "app", "command": ["/app", "--password", "canary-pw-1"], "args": ["--secret=canary-pw-2", "-v"]}
    )
    assert container.command == ["/app", "--password", "<redacted>"]
    assert container.args == ["--secret=<redacted>", "-v"]
    assert "canary-pw" not in json.dumps(container.dump())


def test_configmap_data_is_reduced_to_keys_with_credentials_classified() -> None:
    cm = ConfigMap.model_validate(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "app", "namespace": "shop"},
            "data": {"db_password": "canary-cm-1", "app.yaml": f"aws: {AWS_KEY}", "log_level": "info"},
            "binaryData": {"blob": "AAAA"},
        }
    )
    assert cm.keys == ["app.yaml", "blob", "db_password", "log_level"]
    assert {(c.key, "AWS" in c.reason or "name" in c.reason) for c in cm.credentialKeys} == {
        ("db_password", True),
        ("app.yaml", True),
    }
    dumped = json.dumps(cm.dump())
    assert "canary-cm-1" not in dumped and AWS_KEY not in dumped and "info" not in dumped
