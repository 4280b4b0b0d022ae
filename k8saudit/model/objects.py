"""Slim models of the Kubernetes objects the checks read: slotted pydantic dataclasses.

Field names mirror the Kubernetes JSON (camelCase) so a list page validates straight from API
bytes (`ObjectList[...].model_validate_json`) and an object dumps back to a valid, smaller
Kubernetes object for a snapshot. Everything a check does not read is ignored at parse time:
that is what makes a 20,000-pod list cheap (see docs/kubernetes-facts.md: the client's typed models are ~10x
slower). Objects and their nested values are `Leaf` dataclasses (see there why not BaseModels);
list pages are `Slim` models.

Secret-bearing fields are classified and dropped *while validating*: env `value`, ConfigMap
`data`/`binaryData`, the `last-applied-configuration` annotation and credential-looking
command-line values never reach an instance of these models. Annotation values that look like a
credential (by name or by value) or embed a whole object (JSON, as kubectl and kapp store them),
and label values that look like a credential, are replaced by `<redacted>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic.dataclasses import dataclass
from pydantic_core import from_json

from k8saudit.runtime import redact

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

T_valid = TypeVar("T_valid")


def _annotation_value(key: str, value: Any) -> Any:
    """An annotation value, or `<redacted>` when it may hold a secret: it looks like a credential
    (a token, a key, a URL with a password), its name says it is one (`.../db-password`, booleans
    aside), or it embeds a JSON object or list (a copy of an object with its env values, as
    `last-applied-configuration` and kapp's `kapp.k14s.io/original` are)."""
    if not isinstance(value, str) or not value:
        return value
    if value.lstrip()[:1] in ("{", "[") or redact.value_reason(value):
        return redact.REDACTED
    name = key.rsplit("/", 1)[-1]
    if redact.name_looks_secret(name) and value.strip().lower() not in ("true", "false"):
        return redact.REDACTED
    return value


def _redact_annotations(value: Any) -> Any:
    if not isinstance(value, dict) or _nothing_to_redact(value):
        return value
    return {k: _annotation_value(str(k), v) for k, v in value.items() if k != LAST_APPLIED}


#: A value that starts (after whitespace) with `{` or `[`, in values joined by NUL.
_JSON_START = re.compile(r"(?:^|\x00)\s*[{\[]")


def _nothing_to_redact(annotations: dict[Any, Any]) -> bool:
    """True when `_annotation_value` would keep every value and there is no last-applied copy:
    decided for the whole map at once (no value can start a JSON document or look like a
    credential, no key names a secret), since annotations are read for every object of a large
    cluster. False means: decide value by value."""
    if LAST_APPLIED in annotations:
        return False
    try:
        joined = "\x00".join(annotations.values())
        secret_names = _names_look_secret(tuple(annotations))
    except TypeError:  # a non-string key or value: the careful path handles it
        return False
    return not secret_names and _JSON_START.search(joined) is None and not redact.any_may_look_secret((joined,))


@lru_cache(maxsize=2048)
def _names_look_secret(keys: tuple[str, ...]) -> bool:
    """Whether any annotation key's name part looks like a credential's. Cached: the same sets of
    keys repeat on every replica."""
    return any(not isinstance(key, str) or redact.name_looks_secret(key.rsplit("/", 1)[-1]) for key in keys)


def _redact_labels(value: Any) -> Any:
    """Label values are identifiers, not secrets (selectors match them, so they are kept), but a
    token pasted into one (`ghp_...`, `AKIA...`) is replaced like any credential-looking value.
    Selectors get the same treatment, so a redacted label still matches its selector."""
    if not isinstance(value, dict) or not redact.any_may_look_secret(value.values()):
        return value
    if any(isinstance(v, str) and redact.value_reason(v) for v in value.values()):
        return {k: redact.REDACTED if isinstance(v, str) and redact.value_reason(v) else v for k, v in value.items()}
    return value


def _redact_label_values(value: Any) -> Any:
    if not isinstance(value, list) or not redact.any_may_look_secret(value):
        return value
    if any(isinstance(v, str) and redact.value_reason(v) for v in value):
        return [redact.REDACTED if isinstance(v, str) and redact.value_reason(v) else v for v in value]
    return value


#: A label map (`metadata.labels`, `matchLabels`, a Service selector, a nodeSelector).
Labels = Annotated[dict[str, str], BeforeValidator(_redact_labels)]
#: Key under which a slim object records what classification found, in place of values.
CREDENTIAL_MARK = "x-k8saudit-credential"


# --- null means absent ------------------------------------------------------------------------
#
# The API server decodes JSON into Go structs, where `null` in an optional field leaves it unset:
# `annotations:`, `resources:`, `volumeMounts:` with no value (Helm renders them all the time) are
# the same as leaving the key out. pydantic refuses a null where a field expects a dict or a
# list, so validation is tried as is first, and only when it fails are the nulls it refused
# removed and the object validated once more: a valid object (every object of a live cluster,
# every page of a 20,000-pod list) pays nothing for this, and a null is read as its field's
# default wherever the models are fed from (manifests, snapshots, live pages).


def without_refused_nulls(data: Any, exc: ValidationError) -> Any:
    """`data` without the nulls `exc` refused, as if those keys had not been sent; `data` itself
    (the same object) when no error was about a null, so the caller knows a retry is pointless.

    Only mapping keys are removed (a struct field or a map entry whose value is null). A null
    list item (`containers: [null]`) stays an error: it is a zero-valued element to the API
    server, which then refuses it (a container needs a name), not an absent one. Containers on
    the way are copied, never changed: the caller's dicts stay as they were.
    """
    for error in exc.errors(include_url=False, include_context=False):
        if error.get("input", ...) is None:
            data = _without_null_at(data, error["loc"])
    return data


def _without_null_at(node: Any, loc: tuple[int | str, ...]) -> Any:
    """`node` with the null at `loc` removed. The path is followed as far as the data goes: a
    union's error adds the member type's name after the value (`...limits.cpu.str`)."""
    if not loc:
        return node
    key, rest = loc[0], loc[1:]
    if isinstance(node, dict) and key in node:
        child = node[key]
        if child is None:
            return {k: v for k, v in node.items() if k != key}
        changed = _without_null_at(child, rest)
        return node if changed is child else {**node, key: changed}
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node) and node[key] is not None:
        changed = _without_null_at(node[key], rest)
        if changed is node[key]:
            return node
        copy = list(node)
        copy[key] = changed
        return copy
    return node


def validate_null_tolerant(validate: Callable[[Any], T_valid], data: Any) -> T_valid:
    """`validate(data)`, and when that fails on nulls, `validate` of `data` without them.

    The second failure (an object still malformed once its nulls are gone) is what is raised:
    it names the field that is wrong, not the null that was forgiven.
    """
    try:
        return validate(data)
    except ValidationError as exc:
        cleaned = without_refused_nulls(data, exc)
        if cleaned is data:
            raise
    return validate(cleaned)


class Slim(BaseModel):
    """Base of every top-level slim model (an object, a list): unknown fields are ignored, not kept.

    Validation reads `null` as absent (`validate_null_tolerant`), from Python data and from JSON.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Self:
        return validate_null_tolerant(partial(super().model_validate, **options), obj)

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **options: Any) -> Self:
        """From JSON text: straight from the bytes; only when that fails is the text parsed into
        Python data, to drop the refused nulls and validate that."""
        try:
            return super().model_validate_json(json_data, **options)
        except ValidationError as exc:
            failure = exc
        try:
            data = from_json(json_data)
        except ValueError:
            raise failure from None
        cleaned = without_refused_nulls(data, failure)
        if cleaned is data:
            raise failure
        return super().model_validate(cleaned, **options)

    def dump(self) -> dict[str, Any]:
        """Kubernetes-shaped dict without empty fields (what a snapshot stores)."""
        return self.model_dump(by_alias=True, exclude_defaults=True, mode="json")


#: The parse rules of every nested type: the same as `Slim`'s.
LEAF_CONFIG = ConfigDict(extra="ignore", populate_by_name=True)


class Leaf:
    """Base of every nested slim type (metadata, specs, containers, env vars, rules...).

    Why not `Slim`: a pod has about 50 nested values, and a `BaseModel` instance carries its own
    `__dict__` and `__pydantic_fields_set__` (~500 bytes even for two fields), two thirds of a
    parsed pod's memory. Nested types are slotted pydantic dataclasses instead (`@dataclass(
    slots=True, config=LEAF_CONFIG)`): validated by pydantic-core from the same JSON, with the
    same validators, aliases and defaults, about 7x smaller and faster to build
    (benchmarks/README.md). The top-level objects stay `Slim` models.
    """

    __slots__ = ()

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        """Parse `data` (API-shaped dicts) into this type: the same call as for a `Slim` model,
        reading `null` as absent in the same way (`validate_null_tolerant`)."""
        validated: Self = validate_null_tolerant(cls.__pydantic_validator__.validate_python, data)  # type: ignore[attr-defined]
        return validated

    def dump(self) -> dict[str, Any]:
        """Kubernetes-shaped dict without empty fields, as `Slim.dump`."""
        serializer = type(self).__pydantic_serializer__  # type: ignore[attr-defined]
        dumped: dict[str, Any] = serializer.to_python(self, by_alias=True, exclude_defaults=True, mode="json")
        return dumped


# --- metadata -------------------------------------------------------------------------


@dataclass(slots=True, config=LEAF_CONFIG)
class OwnerReference(Leaf):
    apiVersion: str = ""
    kind: str = ""
    name: str = ""
    uid: str = ""
    controller: bool | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class ObjectMeta(Leaf):
    name: str = ""
    namespace: str | None = None
    uid: str | None = None
    labels: Labels = Field(default_factory=dict)
    annotations: Annotated[dict[str, str], BeforeValidator(_redact_annotations)] = Field(default_factory=dict)
    ownerReferences: list[OwnerReference] = Field(default_factory=list)
    creationTimestamp: str | None = None

    # `last-applied-configuration` repeats the whole object, env values included: it is dropped
    # (the `annotations` validator), and other annotations that may hold a secret are redacted.


@dataclass(slots=True, config=LEAF_CONFIG)
class LabelSelectorRequirement(Leaf):
    key: str
    operator: str
    values: Annotated[list[str], BeforeValidator(_redact_label_values)] = Field(default_factory=list)


@dataclass(slots=True, config=LEAF_CONFIG)
class LabelSelector(Leaf):
    matchLabels: Labels = Field(default_factory=dict)
    matchExpressions: list[LabelSelectorRequirement] = Field(default_factory=list)

    def is_empty(self) -> bool:
        """An empty selector selects every object (pods in a NetworkPolicy, for one)."""
        return not self.matchLabels and not self.matchExpressions

    def matches(self, labels: dict[str, str]) -> bool:
        if any(labels.get(k) != v for k, v in self.matchLabels.items()):
            return False
        for req in self.matchExpressions:
            present = req.key in labels
            if req.operator == "In" and not (present and labels[req.key] in req.values):
                return False
            if req.operator == "NotIn" and present and labels[req.key] in req.values:
                return False
            if req.operator == "Exists" and not present:
                return False
            if req.operator == "DoesNotExist" and present:
                return False
        return True


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class K8sObject(Leaf):
    """Any top-level object: apiVersion, kind, metadata."""

    apiVersion: str = ""
    kind: str = ""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    #: Where the object came from (file and line, set by the manifests loader); never dumped.
    #: A field, not a `PrivateAttr`: a model with private attributes runs a Python hook after
    #: every validation (~5% of parsing 50,000 objects).
    origin: str | None = Field(default=None, exclude=True, alias="x-k8saudit-origin")

    @property
    def _origin(self) -> str | None:
        return self.origin

    def set_kind(self, kind: str, api_version: str) -> None:
        """Set what the list an item came from says it is (items of a list carry no kind).

        Written to the instance's dict: pydantic's `__setattr__` would also add both names to the
        object's fields-set, growing it from 216 to 728 bytes on each of 50,000 objects at L
        (nothing reads the fields-set of an object: dumps drop defaults, not unset fields).
        """
        self.kind = kind
        self.apiVersion = api_version

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str | None:
        return self.metadata.namespace


# --- pods and containers ------------------------------------------------------------------


@dataclass(slots=True, config=LEAF_CONFIG)
class Capabilities(Leaf):
    add: list[str] = Field(default_factory=list)
    drop: list[str] = Field(default_factory=list)


@dataclass(slots=True, config=LEAF_CONFIG)
class SeccompProfile(Leaf):
    type: str | None = None
    localhostProfile: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class SELinuxOptions(Leaf):
    user: str | None = None
    role: str | None = None
    type: str | None = None
    level: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class WindowsOptions(Leaf):
    hostProcess: bool | None = None
    runAsUserName: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class SecurityContext(Leaf):
    """Container-level securityContext; unset fields fall back to the pod's."""

    runAsNonRoot: bool | None = None
    runAsUser: int | None = None
    runAsGroup: int | None = None
    privileged: bool | None = None
    allowPrivilegeEscalation: bool | None = None
    readOnlyRootFilesystem: bool | None = None
    capabilities: Capabilities | None = None
    seccompProfile: SeccompProfile | None = None
    appArmorProfile: SeccompProfile | None = None
    seLinuxOptions: SELinuxOptions | None = None
    procMount: str | None = None
    windowsOptions: WindowsOptions | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class Sysctl(Leaf):
    name: str
    value: str = ""


@dataclass(slots=True, config=LEAF_CONFIG)
class PodSecurityContext(Leaf):
    runAsNonRoot: bool | None = None
    runAsUser: int | None = None
    runAsGroup: int | None = None
    fsGroup: int | None = None
    supplementalGroups: list[int] = Field(default_factory=list)
    seccompProfile: SeccompProfile | None = None
    appArmorProfile: SeccompProfile | None = None
    seLinuxOptions: SELinuxOptions | None = None
    sysctls: list[Sysctl] = Field(default_factory=list)
    windowsOptions: WindowsOptions | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class KeyRef(Leaf):
    name: str | None = None
    key: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class EnvVarSource(Leaf):
    secretKeyRef: KeyRef | None = None
    configMapKeyRef: KeyRef | None = None
    fieldRef: dict[str, Any] | None = None
    resourceFieldRef: dict[str, Any] | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class EnvVar(Leaf):
    """An env var with its literal value classified and removed.

    `hasValue` says a literal was set; `credential` says why it looked like a secret.
    """

    name: str
    valueFrom: EnvVarSource | None = None
    hasValue: bool = Field(default=False, alias="x-k8saudit-has-value")
    credential: str | None = Field(default=None, alias="x-k8saudit-credential")  # CREDENTIAL_MARK

    @model_validator(mode="before")
    @classmethod
    def _classify_value(cls, data: Any) -> Any:
        if isinstance(data, dict) and "value" in data:
            value = data["value"]
            data = {k: v for k, v in data.items() if k != "value"}
            if isinstance(value, str) and value != "":
                data["x-k8saudit-has-value"] = True
                reason = redact.classify(str(data.get("name", "")), value)
                if reason:
                    data[CREDENTIAL_MARK] = reason
        return data


@dataclass(slots=True, config=LEAF_CONFIG)
class EnvFromSource(Leaf):
    prefix: str | None = None
    secretRef: KeyRef | None = None
    configMapRef: KeyRef | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class ContainerPort(Leaf):
    containerPort: int | None = None
    hostPort: int | None = None
    protocol: str | None = None
    name: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class ResourceRequirements(Leaf):
    limits: dict[str, str | int | float] = Field(default_factory=dict)
    requests: dict[str, str | int | float] = Field(default_factory=dict)


@dataclass(slots=True, config=LEAF_CONFIG)
class VolumeMount(Leaf):
    name: str
    mountPath: str = ""
    readOnly: bool | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class HandlerTarget(Leaf):
    """`httpGet` / `tcpSocket` of a probe or lifecycle handler: only the target host is kept.

    (HTTP headers, which may carry credentials, are never read.)
    """

    host: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class Handler(Leaf):
    """A probe or lifecycle handler, reduced to the actions that can name a host."""

    httpGet: HandlerTarget | None = None
    tcpSocket: HandlerTarget | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class Lifecycle(Leaf):
    postStart: Handler | None = None
    preStop: Handler | None = None


def _redacted_words(value: Any) -> Any:
    return redact.redact_args([str(v) for v in value]) if isinstance(value, list) else value


@dataclass(slots=True, config=LEAF_CONFIG)
class Container(Leaf):
    name: str = ""
    image: str | None = None
    imagePullPolicy: str | None = None
    command: list[str] = Field(default_factory=list)
    args: list[str] = Field(default_factory=list)
    env: list[EnvVar] = Field(default_factory=list)
    envFrom: list[EnvFromSource] = Field(default_factory=list)
    ports: list[ContainerPort] = Field(default_factory=list)
    securityContext: SecurityContext | None = None
    resources: ResourceRequirements = Field(default_factory=ResourceRequirements)
    volumeMounts: list[VolumeMount] = Field(default_factory=list)
    livenessProbe: Handler | None = None
    readinessProbe: Handler | None = None
    startupProbe: Handler | None = None
    lifecycle: Lifecycle | None = None

    @model_validator(mode="before")
    @classmethod
    def _redact_command_line(cls, data: Any) -> Any:
        """`--password=...` in args is as secret as an env value. The container runs `args` after
        `command`, so they are redacted as one line (`command: [app, --token]`, `args: [x]`)."""
        if isinstance(data, dict) and ("command" in data or "args" in data):
            data = dict(data)
            command, args = data.get("command"), data.get("args")
            if isinstance(command, list) and isinstance(args, list):
                words = _redacted_words([*command, *args])
                data["command"], data["args"] = words[: len(command)], words[len(command) :]
            else:
                for key in ("command", "args"):
                    if key in data:
                        data[key] = _redacted_words(data[key])
        return data


@dataclass(slots=True, config=LEAF_CONFIG)
class HostPathVolumeSource(Leaf):
    path: str = ""
    type: str | None = None


#: Key under which a slim Volume records the names of the sources it set (typed or not).
VOLUME_SOURCES = "x-k8saudit-sources"


@dataclass(slots=True, config=LEAF_CONFIG)
class Volume(Leaf):
    name: str
    hostPath: HostPathVolumeSource | None = None
    secret: dict[str, Any] | None = None
    configMap: dict[str, Any] | None = None
    projected: dict[str, Any] | None = None
    emptyDir: dict[str, Any] | None = None
    persistentVolumeClaim: dict[str, Any] | None = None
    #: Every volume source key set (`nfs`, `csi`, `image`, ...), including those not modelled.
    sources: list[str] = Field(default_factory=list, alias="x-k8saudit-sources")  # VOLUME_SOURCES

    @model_validator(mode="before")
    @classmethod
    def _record_sources(cls, data: Any) -> Any:
        """A Volume is `name` plus exactly one source: remember which, whatever its kind."""
        if isinstance(data, dict):
            found = {str(k) for k, v in data.items() if k not in ("name", "sources", VOLUME_SOURCES) and v is not None}
            recorded = data.get(VOLUME_SOURCES, data.get("sources"))
            if isinstance(recorded, list):
                found.update(str(k) for k in recorded)
            data = {k: v for k, v in data.items() if k != "sources"} | {VOLUME_SOURCES: sorted(found)}
        return data


@dataclass(slots=True, config=LEAF_CONFIG)
class Toleration(Leaf):
    key: str | None = None
    operator: str | None = None
    value: str | None = None
    effect: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class PodOS(Leaf):
    name: str = ""


@dataclass(slots=True, config=LEAF_CONFIG)
class PodSpec(Leaf):
    containers: list[Container] = Field(default_factory=list)
    initContainers: list[Container] = Field(default_factory=list)
    ephemeralContainers: list[Container] = Field(default_factory=list)
    hostPID: bool | None = None
    hostIPC: bool | None = None
    hostNetwork: bool | None = None
    hostUsers: bool | None = None
    os: PodOS | None = None
    securityContext: PodSecurityContext | None = None
    serviceAccountName: str | None = None
    automountServiceAccountToken: bool | None = None
    volumes: list[Volume] = Field(default_factory=list)
    nodeName: str | None = None
    nodeSelector: Labels = Field(default_factory=dict)
    tolerations: list[Toleration] = Field(default_factory=list)
    priorityClassName: str | None = None
    #: Pod-level requests and limits (PodLevelResources, beta in 1.34): shared by the containers.
    resources: ResourceRequirements | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class PodTemplateSpec(Leaf):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: PodSpec = Field(default_factory=PodSpec)


@dataclass(slots=True, config=LEAF_CONFIG)
class PodStatus(Leaf):
    phase: str | None = None


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class Pod(K8sObject):
    spec: PodSpec = Field(default_factory=PodSpec)
    status: PodStatus = Field(default_factory=PodStatus)


@dataclass(slots=True, config=LEAF_CONFIG)
class WorkloadSpec(Leaf):
    """The shared shape of Deployment, ReplicaSet, StatefulSet, DaemonSet and Job specs."""

    replicas: int | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class Deployment(K8sObject):
    spec: WorkloadSpec = Field(default_factory=WorkloadSpec)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class ReplicaSet(K8sObject):
    spec: WorkloadSpec = Field(default_factory=WorkloadSpec)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class StatefulSet(K8sObject):
    spec: WorkloadSpec = Field(default_factory=WorkloadSpec)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class DaemonSet(K8sObject):
    spec: WorkloadSpec = Field(default_factory=WorkloadSpec)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class Job(K8sObject):
    spec: WorkloadSpec = Field(default_factory=WorkloadSpec)


@dataclass(slots=True, config=LEAF_CONFIG)
class ReplicationControllerSpec(Leaf):
    """A ReplicationController's spec: a ReplicaSet's, except that its selector is a plain label
    map (equality only: the shape from before `LabelSelector`), defaulted to the template's labels."""

    replicas: int | None = None
    selector: Labels = Field(default_factory=dict)
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class ReplicationController(K8sObject):
    """The core/v1 controller ReplicaSet replaced; still served, and still in many examples
    (kubernetes/examples holds 34). Its pods are owned by it directly."""

    spec: ReplicationControllerSpec = Field(default_factory=ReplicationControllerSpec)


@dataclass(slots=True, config=LEAF_CONFIG)
class JobTemplateSpec(Leaf):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: WorkloadSpec = Field(default_factory=WorkloadSpec)


@dataclass(slots=True, config=LEAF_CONFIG)
class CronJobSpec(Leaf):
    schedule: str = ""
    jobTemplate: JobTemplateSpec = Field(default_factory=JobTemplateSpec)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class CronJob(K8sObject):
    spec: CronJobSpec = Field(default_factory=CronJobSpec)


# --- identity and RBAC ---------------------------------------------------------------------


@dataclass(slots=True, config=LEAF_CONFIG)
class ObjectReference(Leaf):
    name: str | None = None


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class ServiceAccount(K8sObject):
    automountServiceAccountToken: bool | None = None
    secrets: list[ObjectReference] = Field(default_factory=list)


T_item = TypeVar("T_item")


def _null_as_empty(value: Any) -> Any:
    return [] if value is None else value


#: A list the API server may send as `null` (an aggregated ClusterRole's `rules` before the
#: aggregation controller fills them in) or a manifest may leave empty (`subjects:`).
NullableList = Annotated[list[T_item], BeforeValidator(_null_as_empty)]


@dataclass(slots=True, config=LEAF_CONFIG)
class PolicyRule(Leaf):
    apiGroups: NullableList[str] = Field(default_factory=list)
    resources: NullableList[str] = Field(default_factory=list)
    verbs: NullableList[str] = Field(default_factory=list)
    resourceNames: NullableList[str] = Field(default_factory=list)
    nonResourceURLs: NullableList[str] = Field(default_factory=list)


@dataclass(slots=True, config=LEAF_CONFIG)
class AggregationRule(Leaf):
    clusterRoleSelectors: NullableList[LabelSelector] = Field(default_factory=list)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class Role(K8sObject):
    rules: NullableList[PolicyRule] = Field(default_factory=list)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class ClusterRole(K8sObject):
    rules: NullableList[PolicyRule] = Field(default_factory=list)
    aggregationRule: AggregationRule | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class Subject(Leaf):
    kind: str
    name: str
    namespace: str | None = None
    apiGroup: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class RoleRef(Leaf):
    kind: str
    name: str
    apiGroup: str | None = None


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class RoleBinding(K8sObject):
    subjects: NullableList[Subject] = Field(default_factory=list)
    roleRef: RoleRef


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class ClusterRoleBinding(K8sObject):
    subjects: NullableList[Subject] = Field(default_factory=list)
    roleRef: RoleRef


# --- network -------------------------------------------------------------------------------


@dataclass(slots=True, config=LEAF_CONFIG)
class NetworkPolicyRule(Leaf):
    """An ingress or egress rule; peers are kept loosely typed (selectors, ipBlock)."""

    from_: list[dict[str, Any]] = Field(default_factory=list, alias="from")
    to: list[dict[str, Any]] = Field(default_factory=list)
    ports: list[dict[str, Any]] = Field(default_factory=list)


@dataclass(slots=True, config=LEAF_CONFIG)
class NetworkPolicySpec(Leaf):
    podSelector: LabelSelector = Field(default_factory=LabelSelector)
    policyTypes: list[str] = Field(default_factory=list)
    ingress: list[NetworkPolicyRule] = Field(default_factory=list)
    egress: list[NetworkPolicyRule] = Field(default_factory=list)

    def types(self) -> set[str]:
        """policyTypes as the API server defaults them when unset."""
        if self.policyTypes:
            return set(self.policyTypes)
        return {"Ingress", "Egress"} if self.egress else {"Ingress"}


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class NetworkPolicy(K8sObject):
    spec: NetworkPolicySpec = Field(default_factory=NetworkPolicySpec)


@dataclass(slots=True, config=LEAF_CONFIG)
class ServicePort(Leaf):
    port: int | None = None
    nodePort: int | None = None
    protocol: str | None = None
    name: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class ServiceSpec(Leaf):
    type: str | None = None
    ports: list[ServicePort] = Field(default_factory=list)
    selector: Labels = Field(default_factory=dict)
    loadBalancerSourceRanges: list[str] = Field(default_factory=list)
    externalIPs: list[str] = Field(default_factory=list)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class Service(K8sObject):
    spec: ServiceSpec = Field(default_factory=ServiceSpec)


@dataclass(slots=True, config=LEAF_CONFIG)
class IngressTLS(Leaf):
    hosts: list[str] = Field(default_factory=list)
    secretName: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class IngressRule(Leaf):
    host: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class IngressSpec(Leaf):
    ingressClassName: str | None = None
    tls: list[IngressTLS] = Field(default_factory=list)
    rules: list[IngressRule] = Field(default_factory=list)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class Ingress(K8sObject):
    spec: IngressSpec = Field(default_factory=IngressSpec)


# --- cluster -------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class Namespace(K8sObject):
    pass


@dataclass(slots=True, config=LEAF_CONFIG)
class Taint(Leaf):
    key: str = ""
    value: str | None = None
    effect: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class NodeSpec(Leaf):
    providerID: str | None = None
    taints: list[Taint] = Field(default_factory=list)
    unschedulable: bool | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class NodeSystemInfo(Leaf):
    kubeletVersion: str | None = None
    containerRuntimeVersion: str | None = None
    osImage: str | None = None
    kernelVersion: str | None = None
    operatingSystem: str | None = None
    architecture: str | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class NodeStatus(Leaf):
    nodeInfo: NodeSystemInfo = Field(default_factory=NodeSystemInfo)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class Node(K8sObject):
    spec: NodeSpec = Field(default_factory=NodeSpec)
    status: NodeStatus = Field(default_factory=NodeStatus)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class ResourceQuota(K8sObject):
    spec: dict[str, Any] = Field(default_factory=dict)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class LimitRange(K8sObject):
    spec: dict[str, Any] = Field(default_factory=dict)


@dataclass(slots=True, config=LEAF_CONFIG)
class CredentialKey(Leaf):
    key: str
    reason: str


@dataclass(slots=True, config=LEAF_CONFIG)
class AwsAuthSummary(Leaf):
    """Counts of the mappings in EKS's `kube-system/aws-auth` (never an ARN or a user name).

    `error` says a value could not be read as the YAML list EKS expects.
    """

    mapRoles: int = 0
    mapUsers: int = 0
    mapAccounts: int = 0
    error: str | None = None


AWS_AUTH = ("kube-system", "aws-auth")
AWS_AUTH_MARK = "x-k8saudit-aws-auth"


def _count_entries(raw: Any) -> int:
    """Entries of one aws-auth value: a YAML list (mapRoles, mapUsers, mapAccounts)."""
    import yaml

    if raw is None or raw == "":
        return 0
    loaded = yaml.safe_load(raw) if isinstance(raw, str) else raw
    if loaded is None:
        return 0
    if not isinstance(loaded, list):
        raise ValueError("not a list")
    return len(loaded)


def _aws_auth_summary(values: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    problems: list[str] = []
    for key in ("mapRoles", "mapUsers", "mapAccounts"):
        try:
            summary[key] = _count_entries(values.get(key))
        except Exception:  # yaml errors and non-lists alike; the value itself is never echoed
            problems.append(f"{key} is not a YAML list")
    if problems:
        summary["error"] = "; ".join(problems)
    return summary


#: ingress-nginx's switch for snippet annotations (checks/ingress_nginx.py): a boolean, never a
#: secret, so the one ConfigMap value kept, and only as `true`, `false` or `unrecognized`.
ALLOW_SNIPPETS_KEY = "allow-snippet-annotations"
ALLOW_SNIPPETS_MARK = "x-k8saudit-allow-snippet-annotations"
#: What Go's strconv.ParseBool accepts, which is how the controller reads the setting.
_GO_BOOLS = {
    **dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), "true"),
    **dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), "false"),
}


def _switch(value: Any) -> str:
    """A boolean setting as `true`/`false`, or `unrecognized`: the raw value is never kept."""
    return _GO_BOOLS.get(value, "unrecognized") if isinstance(value, str) else "unrecognized"


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class ConfigMap(K8sObject):
    """A ConfigMap reduced to its key names and which keys looked like credentials.

    For the one well-known ConfigMap `kube-system/aws-auth` (EKS), the number of role, user and
    account mappings is recorded as well (`awsAuth`), counted from the values before they are
    dropped. Of every other value only ingress-nginx's `allow-snippet-annotations` switch is kept
    (`allowSnippetAnnotations`: `true`, `false` or `unrecognized`, never the text itself).
    """

    keys: list[str] = Field(default_factory=list, alias="x-k8saudit-keys")
    credentialKeys: list[CredentialKey] = Field(default_factory=list, alias="x-k8saudit-credential")  # CREDENTIAL_MARK
    awsAuth: AwsAuthSummary | None = Field(default=None, alias="x-k8saudit-aws-auth")  # AWS_AUTH_MARK
    allowSnippetAnnotations: str | None = Field(
        default=None, alias="x-k8saudit-allow-snippet-annotations"
    )  # ALLOW_SNIPPETS_MARK

    @model_validator(mode="before")
    @classmethod
    def _classify_data(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not ("data" in data or "binaryData" in data):
            return data
        values = data.get("data") or {}
        binary = data.get("binaryData") or {}
        data = {k: v for k, v in data.items() if k not in ("data", "binaryData")}
        meta = data.get("metadata")
        if (
            isinstance(meta, dict)
            and (meta.get("namespace"), meta.get("name")) == AWS_AUTH
            and isinstance(values, dict)
        ):
            data[AWS_AUTH_MARK] = _aws_auth_summary(values)
        keys: list[str] = []
        found: list[dict[str, str]] = []
        if isinstance(values, dict):
            for key, value in values.items():
                keys.append(str(key))
                reason = redact.classify(str(key), value if isinstance(value, str) else str(value))
                if reason:
                    found.append({"key": str(key), "reason": reason})
            if ALLOW_SNIPPETS_KEY in values:
                data[ALLOW_SNIPPETS_MARK] = _switch(values[ALLOW_SNIPPETS_KEY])
        if isinstance(binary, dict):
            keys.extend(str(k) for k in binary)
        data["x-k8saudit-keys"] = sorted(keys)
        data[CREDENTIAL_MARK] = found
        return data


# --- admission -----------------------------------------------------------------------------


@dataclass(slots=True, config=LEAF_CONFIG)
class ServiceReference(Leaf):
    namespace: str | None = None
    name: str | None = None
    path: str | None = None
    port: int | None = None


@dataclass(slots=True, config=LEAF_CONFIG)
class WebhookClientConfig(Leaf):
    """Where a webhook is served: a Service reference, or whether a URL is used (not the URL:
    it may carry credentials). The CA bundle is not kept."""

    service: ServiceReference | None = None
    hasURL: bool = Field(default=False, alias="x-k8saudit-has-url")

    @model_validator(mode="before")
    @classmethod
    def _drop_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and "url" in data:
            data = {k: v for k, v in data.items() if k != "url"}
            data["x-k8saudit-has-url"] = True
        return data


@dataclass(slots=True, config=LEAF_CONFIG)
class Webhook(Leaf):
    """One webhook of a (Validating|Mutating)WebhookConfiguration: its name and where it is served."""

    name: str = ""
    clientConfig: WebhookClientConfig = Field(default_factory=WebhookClientConfig)
    failurePolicy: str | None = None


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class ValidatingWebhookConfiguration(K8sObject):
    webhooks: list[Webhook] = Field(default_factory=list)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class MutatingWebhookConfiguration(K8sObject):
    webhooks: list[Webhook] = Field(default_factory=list)


@dataclass(slots=True, config=LEAF_CONFIG)
class ValidatingAdmissionPolicySpec(Leaf):
    failurePolicy: str | None = None


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class ValidatingAdmissionPolicy(K8sObject):
    """A CEL admission policy (admissionregistration.k8s.io/v1, GA in 1.30); its rules are not kept."""

    spec: ValidatingAdmissionPolicySpec = Field(default_factory=ValidatingAdmissionPolicySpec)


@dataclass(slots=True, config=LEAF_CONFIG)
class ValidatingAdmissionPolicyBindingSpec(Leaf):
    policyName: str = ""
    validationActions: list[str] = Field(default_factory=list)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class ValidatingAdmissionPolicyBinding(K8sObject):
    spec: ValidatingAdmissionPolicyBindingSpec = Field(default_factory=ValidatingAdmissionPolicyBindingSpec)


# --- lists ---------------------------------------------------------------------------------

T = TypeVar("T", bound=K8sObject)


class ListMeta(Slim):
    resourceVersion: str | None = None
    continue_: str | None = Field(default=None, alias="continue")


class ObjectList(Slim, Generic[T]):
    """A `...List` response: `items` parse straight into slim models of one kind.

    `kind` and whether `items` was sent at all (`model_fields_set`) let the collector refuse a
    200 answer that is not a list instead of reading it as an empty one."""

    kind: str | None = None
    metadata: ListMeta = Field(default_factory=ListMeta)
    items: list[T] = Field(default_factory=list)
