"""Offline sources: a snapshot file, or manifests (files and folders of YAML/JSON).

Both end in the same Inventory a live scan builds. A snapshot is a Kubernetes `List` (what
`kubectl get ... -o json` prints, or what `k8saudit collect` writes) whose items may include
one `ClusterFacts`; a plain kubectl dump is valid and simply knows less.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from k8saudit.model.facts import (
    FACTS_API_VERSION,
    FACTS_KIND,
    ApiResource,
    ClusterFacts,
    ClusterFactsSpec,
    SkippedObject,
)
from k8saudit.model.inventory import Inventory
from k8saudit.model.kinds import BY_KIND, KindInfo
from k8saudit.model.objects import K8sObject, Leaf, validate_null_tolerant
from k8saudit.runtime import gcpause
from k8saudit.runtime.errors import InputError
from k8saudit.runtime.files import DEFAULT_MAX_INPUT_BYTES, read_bounded, write_atomic
from k8saudit.runtime.yamlguard import GuardedLoader, alias_problem
from k8saudit.sources.discovery import CRD_KIND, crd_resources

log = logging.getLogger(__name__)

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
#: Refuse inputs larger than this rather than exhausting memory (see `fileio.max_input_bytes`:
#: the environment variable K8SAUDIT_MAX_INPUT_BYTES overrides it).
MAX_INPUT_BYTES = DEFAULT_MAX_INPUT_BYTES


def _read_text(path: Path) -> str:
    try:
        return read_bounded(path).decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; use --manifests for folders") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); is it a binary file?") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


_LEADING_SPACE = re.compile(r"\s*")


def _documents(path: Path) -> Iterator[tuple[Any, int]]:
    """(document, first line) for every YAML/JSON document in a file.

    A file that is one JSON document (a snapshot, `kubectl get -o json`) is read by the JSON
    parser: the pure-Python YAML loader takes minutes on a large cluster's snapshot, json.loads
    a second. Anything else, invalid JSON included, goes to the YAML loader, which also
    reports the errors.
    """
    text = _read_text(path)
    start = _LEADING_SPACE.match(text)
    first = start.end() if start else 0
    if text[first : first + 1] in ("{", "["):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            pass
        else:
            line = text.count("\n", 0, first) + 1
            del text  # the document is all that is needed now (46 MB of text at 20,000 pods)
            yield doc, line
            return
    loader: GuardedLoader | None = None
    try:
        loader = GuardedLoader(text)  # refuses control characters here, before any document
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            problem = alias_problem(node) if loader.aliases else None
            if problem:
                raise InputError(f"{path}:{node.start_mark.line + 1}: {problem}")
            try:
                document = loader.construct_document(node)
            except (ValueError, OverflowError) as exc:  # `2024-02-30T00:00:00Z`, an int of 5,000 digits
                reason = str(exc).split(";")[0].splitlines()[0] if str(exc) else type(exc).__name__
                raise InputError(f"{path}:{node.start_mark.line + 1}: a value cannot be read ({reason})") from None
            yield document, node.start_mark.line + 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        if isinstance(exc, yaml.reader.ReaderError):
            where = f" line {text.count(chr(10), 0, exc.position) + 1}"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}:{where}: not valid YAML or JSON ({problem})") from None
    except RecursionError:
        raise InputError(f"{path}: nesting too deep to be a Kubernetes object") from None
    finally:
        if loader is not None:
            loader.dispose()


Parsed = K8sObject | ClusterFacts | SkippedObject | ApiResource


def _objects(doc: Any, origin: str, default_namespace: str | None) -> Iterator[Parsed]:
    """Typed objects from one document; `List` kinds are flattened, unknown kinds skipped (a
    CustomResourceDefinition gives the resources it declares: `discovery.crd_resources`).

    What stays an input error (exit 2): a document that is not a Kubernetes object at all (not a
    mapping, no kind, a `List` without items: the path is not what was meant) and a malformed
    `ClusterFacts` (the snapshot's own record of what was readable). An object of a kind we
    audit that is malformed even with its nulls read as absent is skipped with one warning line
    and recorded (`SkippedObject`), and the rest of the file is audited.
    """
    if doc is None:
        return
    if not isinstance(doc, dict):
        raise InputError(
            f"{origin}: not a Kubernetes object but {_what(doc)}; expected JSON or YAML with apiVersion and kind "
            "(what `k8saudit collect` or `kubectl get ... -o json` writes, or manifests)"
        )
    kind = doc.get("kind")
    if not isinstance(kind, str) or not kind:
        raise InputError(f"{origin}: object has no kind")
    if kind == "List" or (kind.endswith("List") and isinstance(doc.get("items"), list)):
        item_kind = kind[: -len("List")] if kind != "List" else None
        items = doc.get("items")
        if not isinstance(items, list):
            raise InputError(f"{origin}: {kind} has no items list")
        for i, item in enumerate(items):
            if isinstance(item, dict) and item_kind and "kind" not in item:
                item = {**item, "kind": item_kind}
            yield from _objects(item, f"{origin} item {i}", default_namespace)
        return
    if kind == FACTS_KIND and doc.get("apiVersion") == FACTS_API_VERSION:
        try:
            yield ClusterFacts.model_validate(doc)
        except ValidationError as exc:
            raise InputError(f"{origin}: malformed ClusterFacts: {_first_error(exc)}") from None
        return
    if kind == CRD_KIND:
        yield from crd_resources(doc)
        return
    info = BY_KIND.get(kind)
    if info is None:
        return  # kinds we do not audit (and Secrets, which we never read) are skipped
    try:
        obj = info.model.model_validate(doc)
    except ValidationError as exc:
        yield _skipped(doc, info, origin, default_namespace, exc)
        return
    yield _placed(obj, info, origin, default_namespace, doc)


def _what(doc: object) -> str:
    """What a document that is not an object is, in words a person recognises (`found str` said
    nothing to whoever passed a text file): never its content, which may be anything."""
    if isinstance(doc, str):
        return "plain text"
    if isinstance(doc, list):
        return "a list (of objects? wrap them in `kind: List` with `items:`)"
    if isinstance(doc, bool):
        return "true or false"
    if isinstance(doc, int | float):
        return "a number"
    return f"a {type(doc).__name__}"  # pragma: no cover - YAML dates and the like


def _skipped(
    doc: dict[str, Any], info: KindInfo, origin: str, default_namespace: str | None, exc: ValidationError
) -> SkippedObject:
    """The record of an object that could not be read, and its one warning line."""
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    if not isinstance(namespace, str) or not namespace:
        namespace = default_namespace if info.namespaced else None
    skipped = SkippedObject(
        origin=origin,
        kind=info.kind,
        namespace=namespace if info.namespaced else None,
        name=name if isinstance(name, str) and name else None,
        problem=_first_error(exc),
    )
    where = "/".join(part for part in (skipped.namespace, skipped.name) if part)
    log.warning(
        "%s: skipped a malformed %s%s, the rest is audited: %s",
        origin,
        info.kind,
        f" {where}" if where else "",
        skipped.problem,
    )
    return skipped


def _placed(
    obj: K8sObject, info: KindInfo, origin: str, default_namespace: str | None, raw: dict[str, Any]
) -> K8sObject:
    """A validated object given its kind, apiVersion (the kind's when unset), namespace, origin
    and, when it has only a `metadata.generateName` (`raw` is the document it was read from),
    the name that stands for it: `generateName*` (`_number_generated` tells two apart)."""
    obj.set_kind(info.kind, obj.apiVersion or info.api_version)
    if info.namespaced and not obj.metadata.namespace and default_namespace:
        obj.metadata.namespace = default_namespace
    if not info.namespaced:
        obj.metadata.namespace = None
    if not obj.metadata.name:
        meta = raw.get("metadata")
        prefix = meta.get("generateName") if isinstance(meta, dict) else None
        if isinstance(prefix, str) and prefix:
            obj.metadata.name = prefix + GENERATED
    obj.origin = origin
    return obj


#: Ends the name of an object that has only `metadata.generateName`: `migrate-*` is "the object the
#: API server will name migrate-xxxxx". The names of the kinds that run pods (DNS subdomains) and
#: of most others cannot hold it; RBAC names are path segments and can, so a Role really named
#: `migrate-*` beside a generated one of the same namespace is numbered with it (`location` tells
#: them apart), never merged.
GENERATED = "*"


def _number_generated(objects: list[K8sObject]) -> None:
    """Give objects that share a generated name an identity each, in input order: the first keeps
    `migrate-*`, the next of the same kind and namespace is `migrate-*#2`, then `#3`.

    A manifest that creates with `generateName` (`kubectl create -f`) makes a new object each
    time: two such Jobs are two workloads and two sets of findings, not one. The ordinal is
    stable while those objects keep their order (a fix to one does not rename it, unlike a
    content hash would; the finding's `location` says which document it is).
    """
    seen: dict[tuple[str, str | None, str], int] = {}
    for obj in objects:
        name = obj.metadata.name
        if not name.endswith(GENERATED):
            continue
        key = (obj.kind, obj.metadata.namespace, name)
        seen[key] = count = seen.get(key, 0) + 1
        if count > 1:
            obj.metadata.name = f"{name}#{count}"


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}"


def _split(
    parsed: Iterable[Parsed],
) -> tuple[list[K8sObject], ClusterFacts | None, list[SkippedObject], list[ApiResource]]:
    """Objects, the ClusterFacts (if any), the objects skipped as malformed and the resources CRDs declare."""
    objects: list[K8sObject] = []
    facts: ClusterFacts | None = None
    skipped: list[SkippedObject] = []
    custom: list[ApiResource] = []
    for obj in parsed:
        if isinstance(obj, ClusterFacts):
            facts = obj
        elif isinstance(obj, SkippedObject):
            skipped.append(obj)
        elif isinstance(obj, ApiResource):
            custom.append(obj)
        else:
            objects.append(obj)
    return objects, facts, skipped, custom


_LIST_VALIDATORS: dict[str, TypeAdapter[list[Any]]] = {}


def _list_validator(kind: str, model: type[Leaf]) -> TypeAdapter[list[Any]]:
    """A validator of a list of `model` items (built once per kind)."""
    adapter = _LIST_VALIDATORS.get(kind)
    if adapter is None:
        adapter = _LIST_VALIDATORS[kind] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter


def _snapshot_items(doc: Any, origin: str) -> list[Parsed] | None:
    """The objects of a `List` whose items are all of kinds we audit (what `collect` writes), or
    None for anything else: `_objects` then reads it the slow way. The items are taken out of
    `doc` as they are validated; a malformed one raises `_Consumed` (the caller reads the
    document again, and `_objects` names the item at fault).

    The same objects as `_objects`, ~2x cheaper: items are validated in one call per kind,
    instead of one Python call per item (51,778 at L).
    """
    if type(doc) is not dict or doc.get("kind") != "List" or type(items := doc.get("items")) is not list:
        return None
    groups: dict[str, list[dict[str, Any]]] = {}
    positions: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        kind = item.get("kind") if type(item) is dict else None
        if not (type(kind) is str and kind in BY_KIND) and (
            kind != FACTS_KIND or item.get("apiVersion") != FACTS_API_VERSION
        ):
            return None  # skipped kinds, nested lists, no kind: the general path
        groups.setdefault(kind, []).append(item)
        positions.setdefault(kind, []).append(i)
    parsed: list[Any] = [None] * len(items)
    # From here the items are held by their groups only, and each group is dropped once it is
    # validated: the parsed document shrinks while the objects grow (the peak is not their sum).
    items.clear()
    for kind in list(groups):
        model: type[Leaf] = ClusterFacts if kind == FACTS_KIND else BY_KIND[kind].model
        group = groups.pop(kind)
        try:
            validated = validate_null_tolerant(_list_validator(kind, model).validate_python, group)
        except ValidationError:
            raise _Consumed() from None
        if kind == FACTS_KIND:
            for i, facts in zip(positions[kind], validated, strict=True):
                parsed[i] = facts
            continue
        info = BY_KIND[kind]
        for i, obj, raw in zip(positions[kind], validated, group, strict=True):
            parsed[i] = _placed(obj, info, f"{origin} item {i}", None, raw)
        del group  # the group's dicts go once its objects are placed
    return parsed


class _Consumed(Exception):
    """`_snapshot_items` gave up after it had released the document's items."""


def load_snapshot(path: Path) -> Inventory:
    """An Inventory from a snapshot file (k8saudit collect, or kubectl get -o json/yaml)."""
    parsed: list[Parsed] = []
    for index, (doc, line) in enumerate(_documents(path)):
        origin = f"{path}:{line}" if index else str(path)
        try:
            items = _snapshot_items(doc, origin)
        except _Consumed:  # a malformed item: read the document again for `_objects` to name it
            doc, items = next(islice(_documents(path), index, None))[0], None
        parsed.extend(_objects(doc, origin, None) if items is None else items)
    objects, facts, skipped, custom = _split(parsed)
    _number_generated(objects)
    spec = facts.spec if facts else ClusterFactsSpec()
    spec.source = "snapshot"
    spec.skipped.extend(skipped)
    if custom:
        spec.customResources = [*spec.customResources, *custom]
    return Inventory(objects, spec)


#: The file that makes a folder a Helm chart: its templates are Go templates, not manifests.
HELM_CHART_FILES = ("Chart.yaml", "Chart.yml")


def _manifest_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in MANIFEST_SUFFIXES)
            for file in files:
                _refuse_helm_chart(file)
            yield from files
        elif path.exists():
            _refuse_helm_chart(path)
            yield path
        else:
            raise InputError(f"{path}: no such file or folder")


def _refuse_helm_chart(file: Path) -> None:
    """A Helm chart is not manifests until Helm renders it (its templates do not even parse as
    YAML, and Chart.yaml has no kind): say so, and how, instead of `Chart.yaml: object has no kind`."""
    if file.name in HELM_CHART_FILES:
        chart = file.parent
        raise InputError(
            f"{chart} is a Helm chart ({file.name}), not rendered manifests: render it first, "
            f"e.g. `helm template {chart} > rendered.yaml` (with the -f values files you deploy with), "
            "then `k8saudit scan --manifests rendered.yaml`"
        )


def load_manifests(paths: Iterable[Path]) -> Inventory:
    """An Inventory from manifest files and folders; no namespace means `default`."""
    parsed: list[Parsed] = []
    files = list(_manifest_files(paths))
    if not files:
        raise InputError("no .yaml, .yml or .json files found in the given --manifests paths")
    for path in files:
        for doc, line in _documents(path):
            parsed.extend(_objects(doc, f"{path}:{line}", "default"))
    objects, _, skipped, custom = _split(parsed)
    _number_generated(objects)
    return Inventory(objects, ClusterFactsSpec(source="manifests", skipped=skipped, customResources=custom))


def _item(obj: K8sObject) -> dict[str, Any]:
    data = obj.dump()
    data["apiVersion"] = obj.apiVersion or BY_KIND[obj.kind].api_version
    data["kind"] = obj.kind
    return data


def snapshot_document(inv: Inventory) -> dict[str, Any]:
    """The snapshot as a Kubernetes `List`: ClusterFacts first, then every object slimmed."""
    items: list[dict[str, Any]] = [ClusterFacts(spec=inv.facts).dump()]
    items.extend(_item(obj) for obj in inv.all_objects())
    return {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items}


#: `json.dumps(snapshot_document(inv), separators=(",", ":"))` up to the first item.
_HEAD = b'{"apiVersion":"v1","kind":"List","metadata":{},"items":['
#: Where pydantic-core's JSON may differ from `json.dumps`: DEL (escaped by `json.dumps` only)
#: and a float below 1e-4 (`1e-05` vs `0.00001`, `1.5e-07` vs `1.5e-7`). Checked with substring
#: searches first (digits mapped to 0: `0e-0` is in every exponent, and in many uids), a regex
#: only then: the regex alone costs a third of the encoding.
_MAY_DIFFER = (b"\x7f", b"0.0000")
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_NEGATIVE_EXPONENT = re.compile(rb"[:,\[]-?[0-9.]+e-")


def _may_differ(data: bytes) -> bool:
    if any(mark in data for mark in _MAY_DIFFER):
        return True
    return b"0e-0" in data.translate(_DIGITS) and _NEGATIVE_EXPONENT.search(data) is not None


def _item_json(obj: K8sObject) -> bytes:
    """One item of the snapshot as compact JSON: exactly the bytes `json.dumps(_item(obj))` gives.

    pydantic-core encodes the object straight to JSON bytes, ~3x cheaper than building a dict
    per object and encoding that (51,778 objects at L). When the bytes could differ from the
    `json.dumps` encoding (`_may_differ`; a kind or apiVersion the dump leaves out, so
    `_item` appends it; a kind with its own `dump`; a string pydantic cannot encode, such as a
    lone surrogate), the item is encoded the old way.
    """
    if obj.apiVersion and obj.kind and type(obj).dump is Leaf.dump:
        serializer = type(obj).__pydantic_serializer__  # type: ignore[attr-defined]
        try:
            data: bytes = serializer.to_json(obj, by_alias=True, exclude_defaults=True, ensure_ascii=True)
        except PydanticSerializationError:
            pass
        else:
            if not _may_differ(data):
                return data
    return json.dumps(_item(obj), separators=(",", ":")).encode()


def _write_document(inv: Inventory, handle: BinaryIO) -> None:
    """The snapshot, streamed item by item: the same bytes as `dumps_snapshot`, without holding
    the whole document (a dict per object, then one 46 MB string at L) in memory."""
    handle.write(_HEAD)
    handle.write(json.dumps(ClusterFacts(spec=inv.facts).dump(), separators=(",", ":")).encode())
    batch: list[bytes] = []
    for obj in inv.all_objects():
        batch.append(_item_json(obj))
        if len(batch) >= 1024:
            handle.write(b"," + b",".join(batch))
            batch.clear()
    if batch:
        handle.write(b"," + b",".join(batch))
    handle.write(b"]}")


def write_snapshot(inv: Inventory, path: Path) -> None:
    # Encoding allocates no containers, but the dumps' default values (`exclude_defaults` builds
    # an empty ObjectMeta to compare with) do: no collections over the inventory meanwhile.
    with gcpause.paused():
        write_atomic(path, partial(_write_document, inv))


def dumps_snapshot(inv: Inventory) -> str:
    buffer = io.BytesIO()
    _write_document(inv, buffer)
    return buffer.getvalue().decode()
