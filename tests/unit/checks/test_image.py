"""Image reference parsing (Docker's rules) and the image checks."""

from __future__ import annotations

import pytest

from k8saudit.model.findings import Severity, Status
from k8saudit.model.inventory import AuditSettings
from k8saudit.semantics.images import ImageRef, allowed_by, parse_image
from tests.unit.support.workload_helpers import ctr, fails, run, summary, unjudged, workload

DIGEST = "sha256:" + "b" * 64


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("nginx", ImageRef("docker.io", "library/nginx", None, None)),
        ("nginx:1.27", ImageRef("docker.io", "library/nginx", "1.27", None)),
        ("bitnami/kubectl:latest", ImageRef("docker.io", "bitnami/kubectl", "latest", None)),
        ("docker.io/nginx", ImageRef("docker.io", "library/nginx", None, None)),
        ("index.docker.io/library/nginx:1", ImageRef("docker.io", "library/nginx", "1", None)),
        ("localhost/app", ImageRef("localhost", "app", None, None)),
        ("localhost:5000/team/app:2", ImageRef("localhost:5000", "team/app", "2", None)),
        ("registry:5000/app", ImageRef("registry:5000", "app", None, None)),  # a port makes it a registry
        ("Registry/app", ImageRef("Registry", "app", None, None)),  # so does an upper-case letter
        ("ghcr.io/acme/api:v1@" + DIGEST, ImageRef("ghcr.io", "acme/api", "v1", DIGEST)),
        ("quay.io/org/app@" + DIGEST, ImageRef("quay.io", "org/app", None, DIGEST)),
    ],
)
def test_parse_image_follows_docker_reference_rules(image: str, expected: ImageRef) -> None:
    assert parse_image(image) == expected


def test_allow_list_matches_whole_components_after_normalisation() -> None:
    allowed = ("registry.example.com", "ghcr.io/acme", "index.docker.io/library/")
    assert allowed_by(parse_image("registry.example.com/team/app:1"), allowed) == "registry.example.com"
    assert allowed_by(parse_image("REGISTRY.example.com/team/app:1"), allowed) == "registry.example.com"
    assert allowed_by(parse_image("ghcr.io/acme/api"), allowed) == "ghcr.io/acme"
    assert allowed_by(parse_image("ghcr.io/acme2/api"), allowed) is None
    assert allowed_by(parse_image("nginx:1.27"), allowed) == "index.docker.io/library/"
    assert allowed_by(parse_image("bitnami/kubectl"), allowed) is None
    assert allowed_by(parse_image("registry.example.com.evil.io/app"), allowed) is None


def test_latest_tag() -> None:
    docs = [
        workload("untagged", ctr(image="nginx")),
        workload("latest", ctr(image="registry.example.com/app:latest")),
        workload("pinned-latest", ctr(image=f"registry.example.com/app:latest@{DIGEST}")),
        workload("versioned", ctr(image="localhost:5000/app:1.2"), init=[ctr("setup", image="busybox")]),
    ]
    report = run(docs, "image.latest-tag")
    got = fails(report)
    assert set(got) == {("untagged", "app"), ("latest", "app"), ("versioned", "setup")}
    assert "has no tag" in got[("untagged", "app")].message
    assert got[("latest", "app")].evidence[0].value == "registry.example.com/app:latest"
    assert summary(report).passed == 2


def test_image_missing_is_not_assessable_for_that_workload() -> None:
    report = run([workload("noimage", ctr(image=None)), workload("ok", ctr(image="nginx:1"))], "image.latest-tag")
    assert set(unjudged(report)) == {"noimage"}
    assert summary(report).status is Status.PASS


def test_digest() -> None:
    docs = [workload("tag", ctr(image="nginx:1.27")), workload("digest", ctr(image=f"nginx@{DIGEST}"))]
    report = run(docs, "image.digest")
    assert set(fails(report)) == {("tag", "app")}
    assert fails(report)[("tag", "app")].severity is Severity.LOW
    assert summary(run([workload("digest", ctr(image=f"nginx@{DIGEST}"))], "image.digest")).status is Status.PASS


def test_allowed_registry_not_assessable_without_allow_list() -> None:
    report = run([workload("w", ctr(image="nginx"))], "image.allowed-registry")
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert summary(report).reason == "no allow-list configured (images.allowedRegistries in --config)"


def test_allowed_registry_judges_every_container() -> None:
    settings = AuditSettings(allowed_registries=("registry.example.com",))
    docs = [
        workload("mixed", ctr(image="registry.example.com/app:1"), ctr("sidecar", image="envoyproxy/envoy:v1")),
        workload("ok", ctr(image="registry.example.com/other@" + DIGEST)),
    ]
    report = run(docs, "image.allowed-registry", settings=settings)
    got = fails(report)
    assert set(got) == {("mixed", "sidecar")}
    assert "docker.io" in got[("mixed", "sidecar")].message
    assert summary(report).passed == 2


def test_pull_policy_defaults_and_severity() -> None:
    docs = [
        workload("latest-default", ctr(image="nginx")),  # defaults to Always
        workload("latest-ifnp", ctr(image="nginx:latest", imagePullPolicy="IfNotPresent")),
        workload("tag-default", ctr(image="nginx:1.27")),  # defaults to IfNotPresent
        workload("tag-always", ctr(image="nginx:1.27", imagePullPolicy="Always")),
        workload("digest-never", ctr(image=f"nginx@{DIGEST}", imagePullPolicy="Never")),
    ]
    report = run(docs, "image.pull-policy")
    got = fails(report)
    assert set(got) == {("latest-ifnp", "app"), ("tag-default", "app")}
    assert got[("latest-ifnp", "app")].severity is Severity.LOW
    assert got[("tag-default", "app")].severity is Severity.INFO
    assert "IfNotPresent (defaulted)" in got[("tag-default", "app")].message
    assert summary(report).passed == 3
