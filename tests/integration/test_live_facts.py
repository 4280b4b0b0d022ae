"""The collector's cluster facts beyond objects, against the fake API server over real HTTP and TLS:
the authorizer probe (a SubjectAccessReview), Secret metadata (opt-in, metadata only) and the API
endpoint (address and serving certificate)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.findings import Report, Severity, Status
from k8saudit.model.inventory import Inventory
from k8saudit.output.render import render
from k8saudit.sources.files import dumps_snapshot
from k8saudit.sources.live import METADATA_ONLY, SAR_PATH, SECRETS_PATH
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI
from tests.integration.runcli import invoke, scan_json
from tests.integration.test_live_collector import collect

SECRET_CANARY = "CANARY-sa-token-7b1c"


def one(inv: Inventory, check: str) -> Report:
    report = run_checks(inv, ScanOptions(checks=(check,)))
    assert [c.id for c in report.checks] == [check]
    return report


def token_secret(namespace: str, name: str, account: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {
                "kubernetes.io/service-account.name": account,
                "kubernetes.io/service-account.uid": f"uid-{account}",
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps({"data": {"token": SECRET_CANARY}}),
            },
            "labels": labels,
        },
        "type": "kubernetes.io/service-account-token",
        "data": {"token": SECRET_CANARY, "ca.crt": SECRET_CANARY, "namespace": "cHJvZA=="},
    }


# --- the authorizer probe ------------------------------------------------------------------------------


def test_authorizer_probe_asks_about_a_made_up_user_with_no_groups(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    inv = collect(kubeconfig)

    (review,) = fake_api.reviews
    spec = review["spec"]
    assert spec["user"].endswith("@k8saudit.invalid") and "groups" not in spec
    assert spec["resourceAttributes"] == {"verb": "list", "version": "v1", "resource": "secrets"}  # no namespace
    (post,) = [s for s in fake_api.seen if s.method == "POST"]
    assert (post.path, post.identity, post.status) == (SAR_PATH, "user", 201)
    probe = inv.facts.authorizerProbe
    assert probe is not None and probe.allowed is False and probe.user == spec["user"]
    assert one(inv, "cp.authorizer-probe").checks[0].status is Status.PASS


def test_an_always_allow_authorizer_is_critical(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    fake_api.authorize = lambda spec: {"allowed": True, "reason": ""}
    report = one(collect(kubeconfig), "cp.authorizer-probe")
    (finding,) = report.findings
    assert finding.status is Status.FAIL and finding.severity is Severity.CRITICAL


def test_authorizer_probe_without_permission_is_a_gap_not_an_error(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    fake_api.fail(SAR_PATH, 403, times=None, method="POST", message="subjectaccessreviews is forbidden")
    inv = collect(kubeconfig)
    probe = inv.facts.authorizerProbe
    assert probe is not None and probe.allowed is None and probe.httpStatus == 403
    assert probe.error == "403: needs create subjectaccessreviews"
    summary = one(inv, "cp.authorizer-probe").checks[0]
    assert summary.status is Status.NOT_ASSESSABLE and "needs create subjectaccessreviews" in (summary.reason or "")
    assert inv.availability("authorizer-probe").status == "forbidden"


# --- Secret metadata -----------------------------------------------------------------------------------


def add_secrets(fake_api: FakeKubeAPI) -> None:
    fake_api.add(
        token_secret("ci", "deployer-token", "deployer", **{"kubernetes.io/legacy-token-last-used": "2026-11-02"}),
        token_secret("ci", "old-token", "old", **{"kubernetes.io/legacy-token-invalid-since": "2026-01-10"}),
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "tls", "namespace": "ci"},
            "type": "kubernetes.io/tls",
            "data": {"tls.key": SECRET_CANARY},
        },
    )


def test_secret_metadata_lists_token_secrets_as_metadata_only(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    add_secrets(fake_api)

    inv = collect(kubeconfig, secret_metadata=True)

    (listed,) = fake_api.requests_to(SECRETS_PATH)
    assert listed.params["fieldSelector"] == "type=kubernetes.io/service-account-token"
    meta = inv.facts.secretMetadata
    assert meta is not None and meta.status == "ok"
    assert sorted((t.namespace, t.name, t.serviceAccount) for t in meta.tokenSecrets) == [
        ("ci", "deployer-token", "deployer"),
        ("ci", "old-token", "old"),
    ]
    report = one(inv, "secrets.legacy-sa-tokens")
    assert [f.resource.name for f in report.findings if f.resource and f.status is Status.FAIL] == ["deployer-token"]
    for text in (dumps_snapshot(inv), render(report, "json"), render(report, "html")):
        assert SECRET_CANARY not in text and "last-applied" not in text


def test_secret_metadata_sends_the_metadata_only_accept_header(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    fake_api.metadata_lists = False  # a server (or proxy) that ignores `as=` and sends whole Secrets
    add_secrets(fake_api)

    inv = collect(kubeconfig, secret_metadata=True)

    meta = inv.facts.secretMetadata
    assert meta is not None and meta.status == "error" and not meta.tokenSecrets
    assert "Secret data was refused" in (meta.reason or "")
    assert SECRET_CANARY not in dumps_snapshot(inv)
    assert METADATA_ONLY.startswith("application/json;as=PartialObjectMetadataList")


def test_secret_metadata_forbidden_and_not_asked(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    inv = collect(kubeconfig)
    assert inv.facts.secretMetadata is None and not fake_api.requests_to(SECRETS_PATH)
    assert one(inv, "secrets.legacy-sa-tokens").checks[0].status is Status.NOT_ASSESSABLE

    fake_api.forbid(SECRETS_PATH)
    inv = collect(kubeconfig, secret_metadata=True)
    meta = inv.facts.secretMetadata
    assert meta is not None and meta.status == "forbidden" and "needs list secrets" in (meta.reason or "")
    summary = one(inv, "secrets.legacy-sa-tokens").checks[0]
    assert summary.status is Status.NOT_ASSESSABLE and "needs list secrets" in (summary.reason or "")


def test_secret_metadata_is_paged(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    fake_api.add(*(token_secret("ci", f"t{i:02}", f"sa{i}") for i in range(7)))
    inv = collect(kubeconfig, secret_metadata=True, page_size=3)
    assert inv.facts.secretMetadata is not None and len(inv.facts.secretMetadata.tokenSecrets) == 7
    assert len(fake_api.requests_to(SECRETS_PATH)) == 3


# --- the API endpoint ----------------------------------------------------------------------------------


def test_endpoint_facts_from_one_tls_handshake(fake: FakeCluster, kubeconfig: Path) -> None:
    inv = collect(kubeconfig)

    endpoint = inv.facts.apiEndpoint
    assert endpoint is not None
    assert endpoint.server == fake.url and endpoint.host == "127.0.0.1" and endpoint.addresses == ["127.0.0.1"]
    assert endpoint.verified is True and endpoint.verifiedAgainst == "the kubeconfig's certificate-authority"
    assert endpoint.certNotAfter is not None
    expires = dt.datetime.fromisoformat(endpoint.certNotAfter)
    assert dt.timedelta(days=1) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=2)  # the fake's cert
    assert one(inv, "endpoint.public-address").checks[0].status is Status.PASS
    (finding,) = one(inv, "endpoint.certificate").findings
    assert finding.severity is Severity.MEDIUM and "expires on" in finding.message


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_endpoint_with_verification_disabled(fake: FakeCluster, tmp_path: Path) -> None:
    config = tmp_path / "insecure"
    fake.write_kubeconfig(config, server=fake.url.replace("127.0.0.1", "localhost"))
    doc = yaml.safe_load(config.read_text())
    cluster = doc["clusters"][0]["cluster"]
    cluster.pop("certificate-authority")
    cluster["insecure-skip-tls-verify"] = True
    config.write_text(yaml.safe_dump(doc))

    inv = collect(config)

    endpoint = inv.facts.apiEndpoint
    assert endpoint is not None and endpoint.host == "localhost" and "127.0.0.1" in endpoint.addresses
    assert endpoint.tlsVerifyDisabled and endpoint.verified is False  # the throwaway CA is in no trust store
    assert endpoint.certNotAfter is not None  # read without verification
    (finding,) = one(inv, "endpoint.certificate").findings
    assert finding.severity is Severity.HIGH and "insecure-skip-tls-verify" in finding.message


# --- through the CLI -------------------------------------------------------------------------------


def test_secret_metadata_flag_on_collect_and_scan(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    add_secrets(fake_api)
    snapshot = kubeconfig.parent / "snap.json"

    collected = invoke("collect", "--kubeconfig", kubeconfig, "--secret-metadata", "-o", snapshot)

    assert collected.exit_code == 0, (collected.stderr, collected.exception)
    text = snapshot.read_text()
    assert SECRET_CANARY not in text and "deployer-token" in text
    offline = json.loads(invoke("scan", "--snapshot", snapshot, "-f", "json", "-o", "-").stdout)
    live = scan_json(kubeconfig, "--secret-metadata")
    for report in (offline, live):
        failed = {
            f["resource"]["name"]
            for f in report["findings"]
            if f["check"] == "secrets.legacy-sa-tokens" and f["status"] == "fail"
        }
        assert failed == {"deployer-token"}
    without = scan_json(kubeconfig)
    (summary,) = [c for c in without["checks"] if c["id"] == "secrets.legacy-sa-tokens"]
    assert summary["status"] == "not-assessable" and "--secret-metadata" in summary["reason"]
