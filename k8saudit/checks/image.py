"""Container images (NSA/CISA: Kubernetes Pod security, immutable and trusted images).

Each check reads a container's image as the container runtime does (`k8saudit.semantics.images`:
Docker's reference rules; a digest pins the image whatever its tag) and each distinct reference
is parsed once per scan (`ScanContext.image`).
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.semantics.containers import ContainerView
from k8saudit.semantics.images import ImageRef, allowed_by, effective_pull_policy

NO_ALLOW_LIST = "no allow-list configured (images.allowedRegistries in --config)"


def _images(ctx: ScanContext) -> Iterator[tuple[ContainerView, ImageRef | None]]:
    """Every container with its image parsed (each distinct reference once per scan), or None
    when it names no image."""
    for workload in ctx.inventory.workloads:
        for view in ctx.containers(workload):
            image = view.container.image
            if not image or not image.strip():
                yield view, None
                continue
            yield view, ctx.image(image)


def _no_image(view: ContainerView) -> Result:
    return not_assessable(f"container {view.label} names no image", view.workload)


@check(
    id="image.latest-tag",
    title="Images name a version: no missing tag, no `:latest`",
    problem="Images without a version (no tag, or `:latest`)",
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
def latest_tag(ctx: ScanContext) -> Iterator[Result]:
    for view, ref in _images(ctx):
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
    problem="Images not pinned by digest",
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
def digest(ctx: ScanContext) -> Iterator[Result]:
    for view, ref in _images(ctx):
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
    problem="Images from registries outside the allow-list",
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
def allowed_registry(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    allowed = inv.settings.allowed_registries
    if not allowed:
        yield not_assessable(NO_ALLOW_LIST)
        return
    for view, ref in _images(ctx):
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


@check(
    id="image.pull-policy",
    title="Images not pinned by digest are pulled on every start (imagePullPolicy Always)",
    problem="Mutable images not pulled on every start",
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
def pull_policy(ctx: ScanContext) -> Iterator[Result]:
    for view, ref in _images(ctx):
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
