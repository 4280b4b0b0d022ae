"""The redaction rules, one by one (the canary tests check them end to end): what is dropped,
what becomes `<redacted>`, and what is kept because checks need it."""

from __future__ import annotations

import pytest

from k8saudit.model.objects import Container, Deployment, LabelSelector, ObjectMeta, Service
from k8saudit.runtime import redact

GITHUB = "ghp_" + "A1b2C3d4" * 5
AWS = "AKIAIOSFODNN7EXAMPLE"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["sh", "-c", "mysql --password hunter2 -h db"], ["sh", "-c", "mysql --password <redacted> -h db"]),
        (["sh", "-c", "PGPASSWORD='x y' psql"], ["sh", "-c", "PGPASSWORD=<redacted> <redacted> psql"]),
        (
            ["sh", "-c", 'run --password "a b c" --x'],
            ["sh", "-c", "run --password <redacted> <redacted> <redacted> --x"],
        ),
        (["sh", "-c", "run --token='a b'; next"], ["sh", "-c", "run --token=<redacted> <redacted> next"]),
        (["sh", "-c", "export API_TOKEN=abc; run"], ["sh", "-c", "export API_TOKEN=<redacted> run"]),
        (
            ["sh", "-c", "curl -H 'Authorization: Bearer tok' http://x"],
            ["sh", "-c", "curl -H 'Authorization: Bearer <redacted> http://x"],
        ),
        (["sh", "-c", "curl -H 'X-Api-Key: k1' http://x"], ["sh", "-c", "curl -H 'X-Api-Key: <redacted> http://x"]),
        (["env", "DB_PASSWORD=abc", "LOG_LEVEL=debug"], ["env", "DB_PASSWORD=<redacted>", "LOG_LEVEL=debug"]),
        (["sh", "-c", "echo hello  world\tand more"], ["sh", "-c", "echo hello  world\tand more"]),  # spacing kept
        (["sh", "-c", "run --verbose=true --token"], ["sh", "-c", "run --verbose=true --token"]),
        (
            ["sh", "-c", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"],
            ["sh", "-c", "<redacted>"],
        ),
        (  # issue 15: the key's first word is itself a credential's mark; the block goes whole
            ["sh", "-c", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nAAAA"],
            ["sh", "-c", "<redacted>"],
        ),
        (
            [
                "gpg",
                "--import",
                "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0Y\n-----END PGP PRIVATE KEY BLOCK-----",
            ],
            ["gpg", "--import", "<redacted>"],
        ),
        (
            ["run", "--azure-batch-key=c2VjcmV0", "--key-file=/etc/k.pem"],
            ["run", "--azure-batch-key=<redacted>", "--key-file=/etc/k.pem"],
        ),
        (
            ["--enable-bootstrap-token-auth=true", "--password", "false"],
            ["--enable-bootstrap-token-auth=true", "--password", "false"],
        ),
    ],
)
def test_command_lines(args: list[str], expected: list[str]) -> None:
    assert redact.redact_args(args) == expected


def test_a_secret_flag_split_between_command_and_args() -> None:
    container = Container.model_validate({"name": "c", "command": ["app", "--client-secret"], "args": ["s3cr3t", "-v"]})
    assert container.command == ["app", "--client-secret"]
    assert container.args == ["<redacted>", "-v"]


def test_annotations() -> None:
    meta = ObjectMeta.model_validate(
        {
            "name": "x",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": '{"spec": {}}',
                "example.com/db-password": "hunter2",
                "vault.hashicorp.com/agent-inject-token": "true",  # a switch, not a secret
                "example.com/ci": f"token {GITHUB}",
                "kapp.k14s.io/original": '{"env": [{"value": "x"}]}',
                "k8s.v1.cni.cncf.io/networks": '[{"name": "macvlan"}]',
                "example.com/db": "postgres://app:pw@db:5432/x",
                "k8saudit.io/exempt": "pod.privileged",
                "k8saudit.io/exempt-reason": "the CNI agent needs it",
                "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
                "service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8",
            },
        }
    )
    assert meta.annotations == {
        "example.com/db-password": "<redacted>",
        "vault.hashicorp.com/agent-inject-token": "true",
        "example.com/ci": "<redacted>",
        "kapp.k14s.io/original": "<redacted>",
        "k8s.v1.cni.cncf.io/networks": "<redacted>",
        "example.com/db": "<redacted>",
        "k8saudit.io/exempt": "pod.privileged",
        "k8saudit.io/exempt-reason": "the CNI agent needs it",
        "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
        "service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8",
    }


def test_labels_keep_matching_their_selectors_when_redacted() -> None:
    labels = {"app": "web", "build": GITHUB, "key": AWS, "password": "plain-value"}
    meta = ObjectMeta.model_validate({"name": "x", "labels": labels})
    assert meta.labels == {"app": "web", "build": "<redacted>", "key": "<redacted>", "password": "plain-value"}
    selector = LabelSelector.model_validate(
        {"matchLabels": {"build": GITHUB}, "matchExpressions": [{"key": "key", "operator": "In", "values": [AWS]}]}
    )
    assert selector.matches(meta.labels)
    assert not selector.matches({"build": "<redacted>"})  # the expression still has to hold
    service = Service.model_validate({"metadata": {"name": "s"}, "spec": {"selector": {"build": GITHUB}}})
    assert service.spec.selector == {"build": "<redacted>"}
    deployment = Deployment.model_validate(
        {
            "metadata": {"name": "d"},
            "spec": {"template": {"metadata": {"labels": labels}, "spec": {"nodeSelector": {"pool": AWS}}}},
        }
    )
    assert deployment.spec.template.metadata.labels["build"] == "<redacted>"
    assert deployment.spec.template.spec.nodeSelector == {"pool": "<redacted>"}
