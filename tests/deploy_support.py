"""deploy/ as the tests see it: the kustomize subset it uses, rendered without kustomize, and the
RBAC permissions a ClusterRole grants or a k8saudit command needs.

`render()` supports exactly what deploy/ uses (resources, images, inline JSON6902 patches);
tests/test_deploy.py checks it against `kubectl kustomize` where kubectl exists, and it fails
loudly on any other kustomize field so it cannot silently diverge.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from k8saudit.model.kinds import KINDS
from k8saudit.sources.live import API_PERMISSIONS, NEVER_LISTED, LiveOptions

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
BASE = DEPLOY / "base"
OVERLAYS = sorted(p.parent for p in (DEPLOY / "overlays").glob("*/kustomization.yaml"))
#: The overlay that pushes metrics to a Pushgateway: arguments and an egress policy, no permission.
METRICS_OVERLAY = DEPLOY / "overlays" / "pushgateway"
#: The overlays that turn on a collector opt-in and grant the permission it needs.
PERMISSION_OVERLAYS = [o for o in OVERLAYS if o != METRICS_OVERLAY]
#: The ClusterRole users apply (the real-API-server tier and the README use this one).
CLUSTER_ROLE_FILE = BASE / "clusterrole.yaml"
KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "resources", "images", "patches"}

Permission = tuple[str, str, str]  # (apiGroup, resource, verb)


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


# --- a kustomize subset ----------------------------------------------------------------------------


def render(folder: Path) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize folder` prints (deploy/'s subset of kustomize)."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KUSTOMIZATION_FIELDS
    assert not unknown, f"{folder}/kustomization.yaml uses {unknown}: teach tests/deploy_support.py render()"
    objects: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        path = (folder / entry).resolve()
        objects += render(path) if path.is_dir() else load_yaml_documents(path)
    for image in kustomization.get("images", []):
        for obj in objects:
            for container in _containers(obj):
                container["image"] = _set_image(container["image"], image)
    for patch in kustomization.get("patches", []):
        target = patch["target"]
        matched = [o for o in objects if _matches(o, target)]
        assert matched, f"{folder}: patch target {target} matches nothing"
        for obj in matched:
            for op in yaml.safe_load(patch["patch"]):
                _apply_op(obj, op)
    return objects


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "CronJob":
        spec = spec["jobTemplate"]["spec"]["template"]["spec"]
    elif "template" in spec:
        spec = spec["template"]["spec"]
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def _set_image(ref: str, entry: dict[str, str]) -> str:
    name = ref.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: name.rindex(":")]
    if name != entry["name"]:
        return ref
    new = entry.get("newName", name)
    if entry.get("digest"):
        return f"{new}@{entry['digest']}"
    if entry.get("newTag"):
        return f"{new}:{entry['newTag']}"
    return new + ref[len(name) :]


def _matches(obj: dict[str, Any], target: dict[str, str]) -> bool:
    group = obj["apiVersion"].rpartition("/")[0]
    return (
        obj["kind"] == target.get("kind", obj["kind"])
        and obj["metadata"]["name"] == target.get("name", obj["metadata"]["name"])
        and group == target.get("group", group)
    )


def _apply_op(obj: dict[str, Any], op: dict[str, Any]) -> None:
    *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].lstrip("/").split("/")]
    node: Any = obj
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    value = copy.deepcopy(op.get("value"))
    if op["op"] == "add":
        if isinstance(node, list):
            node.insert(len(node) if last == "-" else int(last), value)
        else:
            node[last] = value
    elif op["op"] == "replace":
        node[int(last) if isinstance(node, list) else last] = value
    else:
        raise AssertionError(f"JSON6902 op {op['op']!r}: teach tests/deploy_support.py _apply_op()")


def kubectl_kustomize(folder: Path) -> list[dict[str, Any]] | None:
    """`kubectl kustomize folder`, or None without kubectl."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    proc = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] == kind]
    return found


# --- permissions -----------------------------------------------------------------------------------


def granted(role: dict[str, Any]) -> set[Permission]:
    """Every (apiGroup, resource, verb) a ClusterRole's rules grant (no wildcards expected)."""
    perms: set[Permission] = set()
    for rule in role["rules"]:
        assert not rule.get("resourceNames") and not rule.get("nonResourceURLs"), rule
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for verb in rule["verbs"]:
                    assert "*" not in (group, resource, verb), f"wildcard in {rule}"
                    perms.add((group, resource, verb))
    return perms


def opt_ins(args: list[str]) -> set[str]:
    """The LiveOptions fields a command line turns on (`--kubelet-config` -> kubelet_config)."""
    fields = set(LiveOptions.__dataclass_fields__)
    return {a[2:].replace("-", "_") for a in args if a.startswith("--") and a[2:].replace("-", "_") in fields}


def required(options: set[str]) -> set[Permission]:
    """What a scan with these LiveOptions needs: get and list on every listed kind, plus the
    collector's other requests (`API_PERMISSIONS` in k8saudit/sources/live.py) it turns on."""
    perms = {(k.group, k.resource, verb) for k in KINDS if k.kind not in NEVER_LISTED for verb in ("get", "list")}
    perms |= {perm for perm, option in API_PERMISSIONS.items() if option is None or option in options}
    return perms


@dataclass(frozen=True)
class Scanner:
    """The scanner pod of one rendered deploy/ folder: its command line and its ClusterRole."""

    folder: Path
    args: list[str]
    role: dict[str, Any]


def scanner(folder: Path) -> Scanner:
    objects = render(folder)
    cron = one(objects, "CronJob")
    (container,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert "command" not in container, "the image's ENTRYPOINT is k8saudit: give args only"
    return Scanner(folder, list(container["args"]), one(objects, "ClusterRole"))
