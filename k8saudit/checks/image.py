"""Container images (NSA/CISA: Kubernetes Pod security, immutable and trusted images).

Image references are read as the container runtime reads them (the Docker reference rules of
`distribution/reference`): `nginx` is `docker.io/library/nginx`, `bitnami/kubectl` is
`docker.io/bitnami/kubectl`, and the first path component is a registry only when it has a
`.` or a `:` (port), is `localhost`, or has an upper-case letter (`localhost:5000/app`,
`ghcr.io/acme/app`). `index.docker.io` is `docker.io`. A tag follows the last `:` after the
last `/`; a digest follows `@`, and when both are given the runtime pulls by digest.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Inventory
from k8saudit.semantics.containers import ContainerView, containers

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_REPO_PREFIX = "library/"
NO_ALLOW_LIST = "no allow-list configured (images.allowedRegistries in --config)"


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference. `domain` is the registry, `path` the repository within it."""

    domain: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        """`docker.io/library/nginx`: the fully qualified name without tag or digest."""
        return f"{self.domain}/{self.path}"

    @property
    def mutable(self) -> bool:
        """Not pinned by digest: what the reference names can change."""
        return self.digest is None

    @property
    def latest(self) -> bool:
        """Untagged or `:latest`, and not pinned by digest."""
        return self.digest is None and self.tag in (None, "latest")


def parse_image(image: str) -> ImageRef:
    """Split an image reference into registry, repository, tag and digest (Docker's rules)."""
    name, _, digest = image.strip().partition("@")
    tag: str | None = None
    colon, slash = name.rfind(":"), name.rfind("/")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    first, sep, rest = name.partition("/")
    if not sep or (not any(c in first for c in ".:") and first != "localhost" and first.lower() == first):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = first, rest
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_REPO_PREFIX + remainder
    return ImageRef(domain, remainder, tag or None, digest or None)


def normalize_allowed(entry: str) -> str:
    """An allow-list entry as a repository prefix: `index.docker.io/` → `docker.io`, domain lower-cased."""
    entry = entry.strip().removeprefix("https://").removeprefix("http://").strip("/")
    domain, sep, rest = entry.partition("/")
    domain = domain.lower()
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    return f"{domain}{sep}{rest}"


def allowed_by(ref: ImageRef, allowed: tuple[str, ...]) -> str | None:
    """The allow-list entry that covers the image (on whole path components), or None."""
    repository = f"{ref.domain.lower()}/{ref.path}"
    for entry in allowed:
        prefix = normalize_allowed(entry)
        if prefix and (repository == prefix or repository.startswith(prefix + "/")):
            return entry
    return None


#: Each distinct image reference of an inventory, parsed once for the four image checks.
_PARSED: weakref.WeakKeyDictionary[Inventory, dict[str, ImageRef]] = weakref.WeakKeyDictionary()


def _images(inv: Inventory) -> Iterator[tuple[ContainerView, ImageRef | None]]:
    parsed = _PARSED.setdefault(inv, {})
    for workload in inv.workloads:
        for view in containers(workload):
            image = view.container.image
            if not image or not image.strip():
                yield view, None
                continue
            ref = parsed.get(image)
            if ref is None:
                ref = parsed[image] = parse_image(image)
            yield view, ref


def _no_image(view: ContainerView) -> Result:
    return not_assessable(f"container {view.label} names no image", view.workload)


@check(
    id="image.latest-tag",
    title="Images name a version: no missing tag, no `:latest`",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
An image without a tag means `:latest`, and `:latest` means "whatever was pushed last": two
replicas can run different code, a rollback returns to nothing known, and a compromised
registry account reaches production on the next pod restart without any change to the cluster.
Pinned by digest, the tag no longer matters and the image passes.
""",
    remediation="Reference a released version (`app:2.14.1`), preferably pinned by digest (`app:2.14.1@sha256:…`).",
    references={"cis": [], "kubescape": ["C-0075"], "polaris": ["tagNotSpecified"]},
    fix="""
image: registry.example.com/app:2.14.1
""",
)
def latest_tag(inv: Inventory) -> Iterator[Result]:
    for view, ref in _images(inv):
        if ref is None:
            yield _no_image(view)
            continue
        if ref.latest:
            what = "has no tag (latest)" if ref.tag is None else "uses the latest tag"
            message = f"Container {view.label} image {view.container.image} {what}"
        else:
            message = f"Container {view.label} image names {'a digest' if ref.digest else 'tag ' + str(ref.tag)}"
        yield result(
            view.workload,
            failed=ref.latest,
            container=view.container.name,
            message=message,
            evidence=[(f"{view.path}.image", view.container.image)],
        )


@check(
    id="image.digest",
    title="Images are pinned by digest",
    section=Section.POD_SECURITY,
    severity=Severity.LOW,
    reads=("workloads",),
    rationale="""
A tag is a movable pointer: whoever can push to the repository can change what `app:2.14.1`
runs, and nodes that pull at different times may run different images. Only a digest
(`@sha256:…`) names exactly one image, so what was reviewed and scanned is what runs.
Low severity: a versioned tag in a registry you control is a reasonable practice; digest
pinning (often automated by Renovate or the CI pipeline) closes the gap.
""",
    remediation="Reference images by digest (`registry/app:2.14.1@sha256:…`), updated by your CI or a dependency bot.",
    references={"cis": [], "kubescape": [], "polaris": []},
    fix="""
image: registry.example.com/app:2.14.1@sha256:<digest>
""",
)
def digest(inv: Inventory) -> Iterator[Result]:
    for view, ref in _images(inv):
        if ref is None:
            yield _no_image(view)
            continue
        yield result(
            view.workload,
            failed=ref.mutable,
            container=view.container.name,
            message=f"Container {view.label} image {view.container.image} is not pinned by digest"
            if ref.mutable
            else f"Container {view.label} image is pinned by digest",
            evidence=[(f"{view.path}.image", view.container.image)],
        )


@check(
    id="image.allowed-registry",
    title="Images come from an allowed registry",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
Images from registries you do not control bypass your scanning, signing and retention and can
change under you (typosquatted or hijacked public repositories). The allow-list is yours: set
`images.allowedRegistries` in the config file to registries (`registry.example.com`) or
repository prefixes (`ghcr.io/acme`), matched on whole path components after Docker's
normalisation (`nginx` is `docker.io/library/nginx`). Without an allow-list the check is
not-assessable. This judges what runs; an admission policy (Kyverno, Gatekeeper,
ValidatingAdmissionPolicy) is what prevents it.
""",
    remediation="Mirror the image into an allowed registry (or add its registry to images.allowedRegistries after "
    "review) and update the reference.",
    references={"cis": [], "kubescape": ["C-0078", "C-0001"], "polaris": []},
)
def allowed_registry(inv: Inventory) -> Iterator[Result]:
    allowed = inv.settings.allowed_registries
    if not allowed:
        yield not_assessable(NO_ALLOW_LIST)
        return
    for view, ref in _images(inv):
        if ref is None:
            yield _no_image(view)
            continue
        entry = allowed_by(ref, allowed)
        yield result(
            view.workload,
            failed=entry is None,
            container=view.container.name,
            message=f"Container {view.label} image {view.container.image} comes from {ref.domain}, "
            "which the allow-list does not cover"
            if entry is None
            else f"Container {view.label} image is from an allowed registry ({entry})",
            evidence=[(f"{view.path}.image", view.container.image), ("registry", ref.repository)],
        )


def effective_pull_policy(policy: str | None, ref: ImageRef) -> tuple[str, bool]:
    """The pull policy the API server gives the container, and whether it was defaulted.

    Unset: `Always` for an untagged or `:latest` reference without digest, else `IfNotPresent`.
    """
    if policy:
        return policy, False
    return ("Always" if ref.latest else "IfNotPresent"), True


@check(
    id="image.pull-policy",
    title="Images not pinned by digest are pulled on every start (imagePullPolicy Always)",
    section=Section.POD_SECURITY,
    severity=Severity.LOW,
    reads=("workloads",),
    rationale="""
With `IfNotPresent` or `Never`, a node runs whatever image it cached under that tag: replicas
drift apart when the tag moves, and a pod on a node that already holds a private image starts
without its pull secret ever being checked (unless the AlwaysPullImages admission plugin or the
kubelet's image credential verification is on). `Always` makes the node check the registry on
every start (a cheap manifest request when the image is unchanged). A digest reference is
immutable and passes with any policy. Fails at low severity for an untagged or `:latest`
image and at info severity for a versioned tag, where only drift and credential reuse remain.
""",
    remediation="Pin the image by digest, or set imagePullPolicy: Always (or enable the AlwaysPullImages admission "
    "plugin).",
    references={"cis": [], "kubescape": ["C-0075"], "polaris": ["pullPolicyNotAlways"]},
    fix="""
imagePullPolicy: Always  # or pin the image by digest
""",
)
def pull_policy(inv: Inventory) -> Iterator[Result]:
    for view, ref in _images(inv):
        if ref is None:
            yield _no_image(view)
            continue
        policy, defaulted = effective_pull_policy(view.container.imagePullPolicy, ref)
        shown = f"{policy} (defaulted)" if defaulted else policy
        failed = ref.mutable and policy != "Always"
        if not ref.mutable:
            message = f"Container {view.label} image is pinned by digest (pull policy {shown})"
        elif failed:
            message = f"Container {view.label} image {view.container.image} is mutable and pulled {shown}"
        else:
            message = f"Container {view.label} image is pulled on every start ({shown})"
        yield result(
            view.workload,
            failed=failed,
            container=view.container.name,
            message=message,
            evidence=[
                (f"{view.path}.imagePullPolicy", view.container.imagePullPolicy),
                (f"{view.path}.image", view.container.image),
            ],
            severity=(Severity.LOW if ref.latest else Severity.INFO) if failed else None,
        )
