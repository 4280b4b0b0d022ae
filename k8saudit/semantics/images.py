"""Image references as the container runtime reads them, and the pull policy the API server gives them.

Image references are read as the container runtime reads them (the Docker reference rules of
`distribution/reference`): `nginx` is `docker.io/library/nginx`, `bitnami/kubectl` is
`docker.io/bitnami/kubectl`, and the first path component is a registry only when it has a
`.` or a `:` (port), is `localhost`, or has an upper-case letter (`localhost:5000/app`,
`ghcr.io/acme/app`). `index.docker.io` is `docker.io`. A tag follows the last `:` after the
last `/`; a digest follows `@`, and when both are given the runtime pulls by digest.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_REPO_PREFIX = "library/"


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


def effective_pull_policy(policy: str | None, ref: ImageRef) -> tuple[str, bool]:
    """The pull policy the API server gives the container, and whether it was defaulted.

    Unset: `Always` for an untagged or `:latest` reference without digest, else `IfNotPresent`.
    """
    if policy:
        return policy, False
    return ("Always" if ref.latest else "IfNotPresent"), True
