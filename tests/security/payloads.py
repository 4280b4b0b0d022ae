"""Objects whose names, labels, annotations, images, commands and RBAC subjects carry HTML, script,
template, Markdown and terminal payloads, for the report-rendering tests.

Every payload that could make a request points at `beacon` (a local HTTP listener the test runs),
so "no request leaves the page" is checked by a real server that must see nothing.
"""

from __future__ import annotations

from typing import Any


def payloads(beacon: str) -> dict[str, str]:
    """name -> payload text; `beacon` is `http://127.0.0.1:PORT`."""
    return {
        "script": f'<script>fetch("{beacon}/script");window.__pwned=1</script>',
        "img": f'"><img src={beacon}/img onerror="fetch(\'{beacon}/onerror\');window.__pwned=1">',
        "svg": f'\'><svg onload="window.__pwned=1"><image href={beacon}/svg /></svg>',
        "js-url": f"javascript:fetch('{beacon}/js-url')",
        "style": f"</style><style>body{{background:url({beacon}/css)}}</style>",
        "close-script": f'</script><script>fetch("{beacon}/script2")</script>',
        "iframe": f"<iframe src={beacon}/iframe></iframe>",
        "meta": f'<meta http-equiv="refresh" content="0;url={beacon}/refresh">',
        "base-link": f"<base href={beacon}/><link rel=stylesheet href={beacon}/link.css>",
        "jinja": "{{ 7*7 }}{% if true %}X{% endif %}{# c #}${7*7}",
        "markdown-link": f"[click me](javascript:alert(1)) ![x]({beacon}/md-img) <{beacon}/autolink>",
        "markdown-table": "a | b | c || d \\| e",
        "backticks": "`code` ``` fence ``` ~~~",
        "html-comment": "<!-- --> <![CDATA[ ]]>",
        "entity": "&lt;script&gt; &amp;",
        "terminal": "\x1b]0;pwned\x07\x1b[31mred\x1b[0m\x1b]8;;http://evil/\x1b\\link",
        "rich-markup": "[bold red]loud[/] [link=http://evil/]x[/link]",
    }


#: Every character HTML or Markdown gives a meaning to, each swapped for a letter of its own.
_SPECIAL = str.maketrans({c: chr(ord("A") + i) for i, c in enumerate("<>&\"'`*_{}[]()#+!|~\\")})


def innocent(texts: dict[str, str]) -> dict[str, str]:
    """The same payloads with every HTML and Markdown metacharacter replaced by a letter: objects
    built from them are the payload objects' clean twin, judged the same way (same lengths, same
    slashes, colons and spaces), so their reports must have exactly the same structure."""
    return {name: text.translate(_SPECIAL) for name, text in texts.items()}


def payload_objects(p: dict[str, str]) -> list[dict[str, Any]]:
    """A namespace, workloads, RBAC and a Service, each field that reaches a report carrying payloads."""
    ns = p["script"]
    labels = {"app": "web", "tier": p["img"]}
    annotations = {
        "k8saudit.io/exempt": "pod.read-only-root-fs",
        "k8saudit.io/exempt-reason": p["svg"] + p["markdown-link"],
        "description": p["iframe"],
    }
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels}},
    ]
    for i, (name, text) in enumerate(p.items()):
        container = {
            "name": f"c-{name}-{text}",
            "image": f"registry.example.com/{name}:{text}",
            "command": ["sh", "-c", text],
            "args": [f"--flag={text}", text],
            "securityContext": {"privileged": True, "capabilities": {"add": ["SYS_ADMIN", text]}},
            "ports": [{"containerPort": 80, "hostPort": 8000 + i, "name": "http"}],
        }
        objects.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": f"{name} {text}", "namespace": ns, "labels": labels, "annotations": annotations},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels, "annotations": annotations},
                        "spec": {
                            "containers": [container],
                            "hostNetwork": True,
                            "serviceAccountName": f"sa-{text}",
                            "volumes": [{"name": "root", "hostPath": {"path": f"/{text}"}}],
                        },
                    },
                },
            }
        )
    objects += [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": f"admins {p['meta']} {p['markdown-table']}"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [
                {"kind": "User", "name": f"{text}", "apiGroup": "rbac.authorization.k8s.io"} for text in p.values()
            ]
            + [{"kind": "ServiceAccount", "name": p["close-script"], "namespace": ns}],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": f"role {p['style']}"},
            "rules": [{"apiGroups": ["*"], "resources": ["*", p["base-link"]], "verbs": ["*", p["jinja"]]}],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": f"rb {p['backticks']}", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": f"role {p['style']}"},
            "subjects": [{"kind": "Group", "name": p["terminal"], "apiGroup": "rbac.authorization.k8s.io"}],
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"svc {p['entity']}", "namespace": ns},
            "spec": {"type": "LoadBalancer", "ports": [{"port": 80}], "selector": labels},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": f"ing {p['html-comment']}", "namespace": ns},
            "spec": {"rules": [{"host": p["rich-markup"]}]},
        },
    ]
    return objects


def payload_config(p: dict[str, str]) -> dict[str, Any]:
    """An audit config whose exemption reason and owner are payloads (they are printed in reports)."""
    return {
        "apiVersion": "k8saudit.io/v1alpha1",
        "kind": "AuditConfig",
        "exemptions": [
            {
                "checks": ["pod.host-namespaces"],
                "namespaces": ["*"],
                "reason": p["script"] + p["markdown-table"] + p["jinja"],
                "owner": p["img"] + p["terminal"],
            }
        ],
    }
