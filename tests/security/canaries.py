"""Objects carrying canary values everywhere a secret can hide in what k8saudit reads.

Each canary is a distinctive string; a test plants them, runs every command and output format,
and asserts none of them appears in anything written (base64 forms included, for Secret data).
Values are built to trip the detection they exercise: a `ghp_` token, an AWS key id, a JWT,
a URL with a password; or a plain value whose *place* (an env value, ConfigMap data) is secret.
"""

from __future__ import annotations

import base64
import json
from typing import Any

#: name -> the canary text that must never be written anywhere.
CANARIES: dict[str, str] = {
    "env-by-name": "hunter2-CNRY-env-name-a1",
    "env-plain": "CNRY-env-plain-b2",
    "env-jwt": "CNRYenvjwtc3",
    "env-init": "CNRY-env-init-d4",
    "env-ephemeral": "CNRY-env-ephemeral-e5",
    "env-cronjob": "CNRY-env-cronjob-f6",
    "configmap-by-name": "CNRY-cm-password-g7",
    "configmap-plain": "CNRY-cm-plain-h8",
    "configmap-binary": "CNRY-cm-binary-i9",
    "configmap-aws-auth": "CNRY-awsauth-j10",
    "last-applied": "CNRY-last-applied-k11",
    "annotation-by-name": "CNRY-annotation-name-l12",
    "annotation-token": "CNRYannotationtokenm13xxxxxxxxxxx",
    "annotation-object": "CNRY-annotation-object-n14",
    "annotation-url": "CNRY-annotation-url-o15",
    "arg-equals": "CNRY-arg-equals-p16",
    "arg-next-word": "CNRY-arg-next-q17",
    "arg-across-command-and-args": "CNRY-arg-split-r18",
    "arg-shell-line": "CNRY-arg-shell-s19",
    "arg-shell-env": "CNRY-arg-shellenv-t20",
    "arg-bearer": "CNRY-arg-bearer-u21",
    "arg-url": "CNRY-arg-url-v22",
    "label-github-token": "CNRYlabelghtokenw23xxxxxxxxxxxxxxxxx",
    "label-aws-key": "CNRYLABELAWSX24Z",
    "secret-data": "CNRY-secret-data-y25",
    "secret-string-data": "CNRY-secret-string-z26",
    "secret-in-list": "CNRY-secret-list-a27",
    "probe-header": "CNRY-probe-header-b28",
    "webhook-url": "CNRY-webhook-url-c29",
    "volume-option": "CNRY-volume-option-d30",
    "exec-probe": "CNRY-exec-probe-e31",
    "lifecycle-exec": "CNRY-lifecycle-f32",
    "ingress-annotation": "CNRY-ingress-auth-g33",
    # issue 15: credential shapes the first detection missed, where values are kept unless classified
    "annotation-bearer": "CNRYannotationbearerh34",
    "annotation-pgp-key": "CNRY-annotation-pgp-i35",
    "annotation-ssh2-key": "CNRY-annotation-ssh2-j36",
    "annotation-key-name": "CNRY-annotation-batchkey-k37",
    "arg-key-flag": "CNRY-arg-batchkey-l38",
    "arg-putty-key": "CNRY-arg-putty-m39",
    "arg-auth-assignment": "CNRYargauthassignn40",
    "configmap-nginx-other": "CNRY-nginx-other-o41",
    "configmap-nginx-snippet": "CNRY-nginx-snippet-p42",
    "ingress-snippet-auth": "CNRYingresssnippetq43",
}
C = CANARIES


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def jwt(marker: str) -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps({"sub": marker}).encode()).decode().rstrip("=")
    return f"{header}.{body}.c2lnbmF0dXJl{marker}"


def forbidden_strings() -> list[str]:
    """Every canary and the base64 of each (a Secret's `data` holds them so)."""
    out: list[str] = []
    for value in CANARIES.values():
        out += [value, b64(value)]
    return out


def _container(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": "registry.example.com/app:1.0", **extra}


def canary_objects(namespace: str = "vault") -> list[dict[str, Any]]:
    """Every kind k8saudit reads that can carry a secret, with canaries planted."""
    labels = {"app": "leaky", "build-token": f"ghp_{C['label-github-token']}", "key": f"AKIA{C['label-aws-key']}"}
    selector = {"app": "leaky"}
    last_applied = json.dumps(
        {
            "kind": "Deployment",
            "spec": {"template": {"spec": {"containers": [{"env": [{"value": C["last-applied"]}]}]}}},
        }
    )
    annotations = {
        "kubectl.kubernetes.io/last-applied-configuration": last_applied,
        "example.com/db-password": C["annotation-by-name"],
        "example.com/notes": f"ci token ghp_{C['annotation-token']}",
        "kapp.k14s.io/original": json.dumps({"env": [{"name": "X", "value": C["annotation-object"]}]}),
        "example.com/backend": f"https://admin:{C['annotation-url']}@db.internal/",
        "example.com/upstream-auth": f"Bearer {C['annotation-bearer']}",
        "example.com/signing": (
            f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{C['annotation-pgp-key']}\n-----END PGP PRIVATE KEY BLOCK-----"
        ),
        "example.com/sftp": (
            f"---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n{C['annotation-ssh2-key']}\n"
            "---- END SSH2 ENCRYPTED PRIVATE KEY ----"
        ),
        "example.com/batch-key": C["annotation-key-name"],
    }
    main = _container(
        "app",
        command=["/app", "--listen=:8080", "--client-secret"],
        args=[
            C["arg-across-command-and-args"],
            f"--db-password={C['arg-equals']}",
            "--token",
            C["arg-next-word"],
            f"--upstream=postgres://app:{C['arg-url']}@db:5432/x",
            f"--azure-batch-key={C['arg-key-flag']}",
            f"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\n{C['arg-putty-key']}\n",
        ],
        env=[
            {"name": "DB_PASSWORD", "value": C["env-by-name"]},
            {"name": "GREETING", "value": C["env-plain"]},
            {"name": "SETTINGS", "value": jwt(C["env-jwt"])},
            {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        ],
        livenessProbe={
            "httpGet": {
                "path": "/healthz",
                "port": 8080,
                "httpHeaders": [{"name": "Authorization", "value": C["probe-header"]}],
            }
        },
        readinessProbe={"exec": {"command": ["check", "--password", C["exec-probe"]]}},
        lifecycle={"postStart": {"exec": {"command": ["sh", "-c", f"echo {C['lifecycle-exec']} > /tmp/x"]}}},
    )
    shell = _container(
        "migrate",
        command=["sh", "-c"],
        args=[
            f"PGPASSWORD={C['arg-shell-env']} psql -h db && mysql --password {C['arg-shell-line']} && "
            f"curl -H 'Authorization: Bearer {C['arg-bearer']}' http://api && "
            f"AUTH=Bearer {C['arg-auth-assignment']} ./notify"
        ],
    )
    pod_spec = {
        "containers": [main, shell],
        "initContainers": [_container("init", env=[{"name": "INIT_TOKEN", "value": C["env-init"]}])],
        "ephemeralContainers": [_container("debug", env=[{"name": "X", "value": C["env-ephemeral"]}])],
        "nodeSelector": {"pool": "general"},
        "volumes": [
            {"name": "flex", "flexVolume": {"driver": "x/y", "options": {"password": C["volume-option"]}}},
            {"name": "creds", "secret": {"secretName": "db"}},
        ],
    }
    meta = {"name": "leaky", "namespace": namespace, "labels": labels, "annotations": annotations}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": labels}},
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {**selector, "build-token": labels["build-token"]}},
                "template": {"metadata": {"labels": labels, "annotations": annotations}, "spec": pod_spec},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {**meta, "name": "leaky-bare"},
            "spec": pod_spec,
        },
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "nightly", "namespace": namespace, "annotations": annotations},
            "spec": {
                "schedule": "0 3 * * *",
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {
                                "restartPolicy": "Never",
                                "containers": [_container("job", env=[{"name": "API_KEY", "value": C["env-cronjob"]}])],
                            }
                        }
                    }
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": namespace, "annotations": annotations},
            "data": {"password": C["configmap-by-name"], "app.conf": f"greeting = {C['configmap-plain']}\n"},
            "binaryData": {"blob": b64(C["configmap-binary"])},
        },
        {
            # an ingress-nginx controller reading the ConfigMap below (its verdicts quote the switch)
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "ingress-nginx-controller", "namespace": "ingress-nginx"},
            "spec": {
                "template": {
                    "metadata": {"labels": {"app.kubernetes.io/name": "ingress-nginx"}},
                    "spec": {
                        "containers": [
                            _container(
                                "controller",
                                image="registry.k8s.io/ingress-nginx/controller:v1.11.3",
                                args=[
                                    "/nginx-ingress-controller",
                                    "--configmap=$(POD_NAMESPACE)/ingress-nginx-controller",
                                ],
                            )
                        ]
                    },
                }
            },
        },
        {
            # ingress-nginx's ConfigMap: the one value kept is allow-snippet-annotations, as a boolean
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "ingress-nginx-controller", "namespace": "ingress-nginx"},
            "data": {
                "allow-snippet-annotations": "true",
                "http-snippet": f"map $x $y {{ default {C['configmap-nginx-snippet']}; }}",
                "proxy-set-headers": f"ingress-nginx/{C['configmap-nginx-other']}",
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "ingress-nginx-odd", "namespace": "ingress-nginx"},
            "data": {"allow-snippet-annotations": C["configmap-nginx-other"]},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "aws-auth", "namespace": "kube-system"},
            "data": {"mapRoles": f"- rolearn: arn:aws:iam::1:role/{C['configmap-aws-auth']}\n  username: x\n"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db", "namespace": namespace, "annotations": annotations},
            "type": "Opaque",
            "data": {"password": b64(C["secret-data"])},
            "stringData": {"token": C["secret-string-data"]},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "leaky", "namespace": namespace, "annotations": annotations, "labels": labels},
            "spec": {"type": "ClusterIP", "selector": {**selector, "key": labels["key"]}, "ports": [{"port": 80}]},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {
                "name": "leaky",
                "namespace": namespace,
                "annotations": {
                    "nginx.ingress.kubernetes.io/auth-url": f"https://u:{C['ingress-annotation']}@auth/",
                    "nginx.ingress.kubernetes.io/configuration-snippet": (
                        f'proxy_set_header Authorization "Basic {C["ingress-snippet-auth"]}";'
                    ),
                },
            },
            "spec": {"rules": [{"host": "leaky.example.com"}]},
        },
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "leaky-hook"},
            "webhooks": [
                {
                    "name": "leaky.example.com",
                    "clientConfig": {"url": f"https://hook:{C['webhook-url']}@hooks.example.com/validate"},
                    "admissionReviewVersions": ["v1"],
                    "sideEffects": "None",
                }
            ],
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "leaky", "namespace": namespace},
            "spec": {
                "podSelector": {"matchLabels": {"build-token": labels["build-token"]}},
                "policyTypes": ["Ingress"],
            },
        },
    ]


def secret_list() -> dict[str, Any]:
    """A `SecretList` and a `List` holding a Secret: both must be skipped, item and all."""
    return {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {"k": b64(C["secret-in-list"])}},
            {
                "apiVersion": "v1",
                "kind": "SecretList",
                "items": [{"metadata": {"name": "y"}, "stringData": {"k": C["secret-in-list"]}}],
            },
        ],
    }
