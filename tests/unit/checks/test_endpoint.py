"""The API endpoint checks (public address, serving certificate) from facts, and the minimal DER
reader the collector uses for a certificate's expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from k8saudit.checks.endpoint import public_addresses
from k8saudit.model.facts import ApiEndpoint
from k8saudit.model.findings import Report, Severity, Status
from k8saudit.sources.live import der_not_after
from tests.unit.support.cluster_builders import live_facts
from tests.unit.support.helpers import deployment, failing, run, summary

SERVER = "https://k8s.example.com:6443"


def endpoint(**fields: object) -> ApiEndpoint:
    base: dict[str, object] = {
        "server": SERVER,
        "host": "k8s.example.com",
        "port": 6443,
        "addresses": ["10.0.0.10"],
        "certNotAfter": "2027-06-01T00:00:00+00:00",
        "verified": True,
        "verifiedAgainst": "the kubeconfig's certificate-authority",
    }
    return ApiEndpoint.model_validate({**base, **fields})


def check(check_id: str, ep: ApiEndpoint | None, platform: str | None = None) -> Report:
    facts = live_facts(apiEndpoint=ep, platform=platform) if ep else live_facts(platform=platform)
    return run([deployment("web")], check_id, facts)


# --- endpoint.public-address --------------------------------------------------------------------------


def test_private_addresses_pass() -> None:
    report = check("endpoint.public-address", endpoint(addresses=["10.0.0.10", "fd00::1"]))
    assert summary(report).status is Status.PASS


def test_public_address_fails_naming_what_to_review() -> None:
    report = check("endpoint.public-address", endpoint(addresses=["10.0.0.10", "52.95.110.1"]), platform="eks")
    finding = failing(report)["cluster"]
    assert finding.severity is Severity.MEDIUM
    assert "52.95.110.1" in finding.message and "publicAccessCidrs" in finding.message


@pytest.mark.parametrize(
    ("ep", "words"),
    [
        (endpoint(inCluster=True, server="https://10.96.0.1:443"), "in-cluster"),
        (endpoint(addresses=[], resolveError="cannot resolve"), "did not resolve"),
        (None, "only a live scan"),
    ],
)
def test_public_address_not_assessable(ep: ApiEndpoint | None, words: str) -> None:
    report = check("endpoint.public-address", ep)
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert words in (summary(report).reason or "")


def test_public_addresses() -> None:
    assert public_addresses(["8.8.8.8", "10.1.2.3", "127.0.0.1", "192.168.1.1", "2001:4860::8888", "fe80::1%eth0"]) == [
        "8.8.8.8",
        "2001:4860::8888",
    ]


# --- endpoint.certificate -------------------------------------------------------------------------------


def test_verified_certificate_far_from_expiry_passes() -> None:
    assert summary(check("endpoint.certificate", endpoint())).status is Status.PASS


def test_certificate_expiring_within_30_days_is_medium() -> None:
    report = check("endpoint.certificate", endpoint(certNotAfter="2026-12-10T12:00:00+00:00"))  # scan: 2026-11-26
    finding = failing(report)["cluster"]
    assert finding.severity is Severity.MEDIUM and "2026-12-10 (14 days)" in finding.message


def test_expired_or_untrusted_certificate_is_high() -> None:
    finding = failing(check("endpoint.certificate", endpoint(certNotAfter="2026-11-01T00:00:00+00:00")))["cluster"]
    assert finding.severity is Severity.HIGH and "expired on 2026-11-01" in finding.message
    insecure = endpoint(tlsVerifyDisabled=True, verified=False, verifiedAgainst="the system trust store")
    finding = failing(check("endpoint.certificate", insecure))["cluster"]
    assert finding.severity is Severity.HIGH and "insecure-skip-tls-verify" in finding.message
    wrong = endpoint(verified=False, verifyError="certificate verify failed: unable to get local issuer certificate")
    assert (
        "not signed by the CA the kubeconfig trusts" in failing(check("endpoint.certificate", wrong))["cluster"].message
    )


def test_unreadable_certificate_is_not_assessable() -> None:
    report = check("endpoint.certificate", endpoint(certNotAfter=None, tlsError="connection refused"))
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "connection refused" in (summary(report).reason or "")


# --- der_not_after --------------------------------------------------------------------------------------


def certificate(not_after: dt.datetime) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize(
    "when",
    [dt.datetime(2027, 3, 4, 5, 6, 7, tzinfo=dt.UTC), dt.datetime(2061, 1, 2, 3, 4, 5, tzinfo=dt.UTC)],
    ids=["UTCTime", "GeneralizedTime"],  # X.509 switches to GeneralizedTime from 2050
)
def test_der_not_after_reads_both_time_encodings(when: dt.datetime) -> None:
    assert der_not_after(certificate(when)) == when


def test_der_not_after_refuses_garbage() -> None:
    assert der_not_after(b"") is None
    assert der_not_after(b"\x30\x03\x02\x01\x00") is None
