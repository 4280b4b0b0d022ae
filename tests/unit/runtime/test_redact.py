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


# --- issue 15, items 4-7: credentials as they appear in the wild ----------------------------------

#: Private keys in every armour seen in manifests: PEM of each algorithm, PKCS#8 (encrypted or not),
#: OpenSSH, PGP blocks, SSH.com's four-dash header, PuTTY's own format.
PRIVATE_KEYS = {
    "pkcs8": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
    "encrypted": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0w\n-----END ENCRYPTED PRIVATE KEY-----",
    "ec": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBYr\n-----END EC PRIVATE KEY-----",
    "openssh": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
    "pgp": "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0YvFsBCAC6\n-----END PGP PRIVATE KEY BLOCK-----",
    "ssh2-four-dashes": (
        "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nP2/56wAAAi4AAAA3aWYtbW9k\n---- END SSH2 ENCRYPTED PRIVATE KEY ----"
    ),
    "odd-dashes": "---BEGIN RSA PRIVATE KEY---\nMIIEpAIBAAKCAQEA\n---END RSA PRIVATE KEY---",
    "no-newlines": "-----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEA -----END RSA PRIVATE KEY-----",
    "putty": "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: ci\nPublic-Lines: 2\nAAAAC3Nz\n",
}


@pytest.mark.parametrize("kind", sorted(PRIVATE_KEYS))
def test_private_keys_are_caught_whatever_their_armour(kind: str) -> None:
    key = PRIVATE_KEYS[kind]
    reason = redact.value_reason(key)
    assert reason is not None and "private key" in reason
    assert redact.classify("SETTINGS", key) == reason
    assert redact.any_may_look_secret(["web", key])  # the cheap pre-check lets it through
    env = EnvVar.model_validate({"name": "SSH_MATERIAL", "value": key})
    assert env.credential == reason and key not in json.dumps(env.dump())


@pytest.mark.parametrize(
    "value",
    [
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",  # a certificate is public
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB ci@example.com",  # an authorized_keys line
        "Use a private key of your own",  # prose, no armour
    ],
)
def test_public_material_is_not_a_private_key(value: str) -> None:
    assert redact.value_reason(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "Bearer abcdef0123456789",
        "bearer abcdef0123456789",
        "Basic dXNlcjpodW50ZXIy",
        "Token 0123456789abcdef",
        "token 0123456789abcdef",
        'Digest username="ci", realm="api", nonce="dcd98b7102dd2f0e", response="6629fae49393a053"',
        "Authorization: Bearer abcdef0123456789",
        "  Basic dXNlcjpodW50ZXIy  ",
        "curl -H 'Authorization: Bearer abcdef0123456789' https://api.example.com",
        'proxy_set_header Authorization "Basic dXNlcjpodW50ZXIy";',
    ],
)
def test_http_authorization_values_are_credentials(value: str) -> None:
    reason = redact.value_reason(value)
    assert reason is not None and "Authorization" in reason
    assert redact.classify("UPSTREAM_HEADER", value) == reason
    assert value.strip() not in reason


@pytest.mark.parametrize(
    "value",
    [
        "Bearer short",  # fewer than 8 characters after the scheme
        "Basic",
        "Token refresh interval in seconds",  # prose starting with a scheme's name
        "Bearer ${API_TOKEN}",  # a placeholder filled in later, not a credential
        "Bearer {{ .Values.token }}",
        "Basic <redacted>",
        'proxy_set_header Authorization "Bearer $http_x_token";',
        "basic-auth",
        "Digest",
    ],
)
def test_authorization_lookalikes_are_not_credentials(value: str) -> None:
    assert redact.value_reason(value) is None


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("AZURE_BATCH_KEY", True),
        ("STORAGE_ACCOUNT_KEY", True),
        ("ENCRYPTION_KEY", True),
        ("MASTERKEY", True),
        ("LICENSE_KEY", True),
        ("OCI_CLI_KEY_CONTENT", True),
        ("SSH_KEY_DATA", True),
        ("tls.key", True),
        ("signing-key", True),
        ("PUBLIC_KEY", False),
        ("JWT_PUBLIC_KEY", False),
        ("public.key", False),
        ("PUBKEY", False),
        ("ACCESS_KEY_ID", False),
        ("AZURE_CLIENT_ID", False),
        ("TOKEN_ID", False),
        ("SSH_KEY_FILE", False),
        ("KEY_PATH", False),
        ("KEY_NAME", False),
        ("SORT_KEY", False),
        ("PARTITION_KEY", False),
        ("ROUTING_KEY", False),
        ("CACHE_KEY", False),
        ("KEYCLOAK_URL", False),
        ("KEYSPACE", False),
    ],
)
def test_key_names(name: str, secret: bool) -> None:
    assert redact.name_looks_secret(name) is secret


def test_key_names_reach_env_and_configmaps() -> None:
    env = EnvVar.model_validate({"name": "AZURE_BATCH_KEY", "value": "c2VjcmV0LWJhdGNoLWtleQ"})
    assert env.credential is not None and "AZURE_BATCH_KEY" in env.credential
    public = EnvVar.model_validate({"name": "JWT_PUBLIC_KEY", "value": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8"})
    assert public.credential is None
    cm = ConfigMap.model_validate(
        {
            "metadata": {"name": "oci", "namespace": "shop"},
            "data": {"OCI_CLI_KEY_CONTENT": "MIIEowIBAAKCAQEAq", "OCI_CLI_KEY_FILE": "/etc/oci/key.pem"},
        }
    )
    assert [c.key for c in cm.credentialKeys] == ["OCI_CLI_KEY_CONTENT"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GOOGLE_APPLICATION_CREDENTIALS", "/var/secrets/google/key.json"),
        ("AWS_SHARED_CREDENTIALS_FILE_LOCATION", "~/.aws/credentials"),
        ("DB_PASSWORD", "/run/secrets/db-password"),
        ("VAULT_TOKEN", "./token"),
        ("SSL_KEY", "../certs/tls.key"),
        ("API_TOKEN", "/var/run/secrets/kubernetes.io/serviceaccount/token"),
        ("CLIENT_SECRET", r"C:\secrets\client.txt"),
    ],
)
def test_a_file_path_is_not_a_credential(name: str, value: str) -> None:
    assert redact.name_looks_secret(name)
    assert redact.classify(name, value) is None
    assert EnvVar.model_validate({"name": name, "value": value}).credential is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DB_PASSWORD", "/hunter2"),  # one segment, no extension: a password that starts with a slash
        ("API_TOKEN", "/Zx8fH2kQ9pLm3Nv7Bc4/Wq1Ra6Ty0Ui5Op9As2Df"),  # base64 with slashes, not a path
        ("API_TOKEN", "/abc/def+ghi=="),  # `+` and `=` are base64, never in these paths
        ("DB_PASSWORD", "/etc/x y"),  # whitespace: not one path
    ],
)
def test_slashes_alone_do_not_make_a_path(name: str, value: str) -> None:
    assert redact.classify(name, value) is not None


def test_file_paths_in_secret_flags_are_kept_but_values_are_not() -> None:
    assert redact.redact_args(["--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key"]) == [
        "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key"
    ]
    assert redact.redact_args(["--azure-batch-key=c2VjcmV0LWJhdGNo"]) == ["--azure-batch-key=<redacted>"]
    assert redact.redact_args(["--key", "/etc/tls/key.pem"]) == ["--key", "/etc/tls/key.pem"]
    assert redact.redact_args(["--key", "c2VjcmV0LWJhdGNo"]) == ["--key", "<redacted>"]
    assert redact.redact_args(["sh", "-c", "AUTH=Bearer abcdef0123456789 run"]) == [
        "sh",
        "-c",
        "AUTH=Bearer <redacted> run",
    ]
