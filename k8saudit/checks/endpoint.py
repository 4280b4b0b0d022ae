"""The API endpoint (NSA/CISA: Network separation; Authentication), live scans only.

The collector resolves the kubeconfig's `server` host and opens one TLS connection to it
(facts: `ClusterFactsSpec.apiEndpoint`); these checks judge what it recorded. Source
allow-lists (authorized networks, security groups, firewalls) are invisible from the API, so
a public address is reported with what to review, not as proof of exposure.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator

from k8saudit.checks.cluster import scan_date
from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity

EXPIRY_WARNING_DAYS = 30

REVIEW = {
    "eks": "EKS: endpointPublicAccess and publicAccessCidrs (`aws eks describe-cluster`), or a private endpoint only",
    "gke": "GKE: master authorized networks and the private endpoint (`gcloud container clusters describe`)",
    "aks": "AKS: api-server-authorized-ip-ranges or a private cluster (`az aks show`)",
}
REVIEW_DEFAULT = "the firewall, security groups or load balancer in front of the API server, or a private endpoint"


def public_addresses(addresses: list[str]) -> list[str]:
    """The addresses that are globally routable (ipaddress.is_global)."""
    public = []
    for address in addresses:
        try:
            if ipaddress.ip_address(address.split("%", 1)[0]).is_global:
                public.append(address)
        except ValueError:
            continue
    return public


@check(
    id="endpoint.public-address",
    title="The API server endpoint is not on a public address",
    problem="API server endpoint on a public address",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=("api-endpoint",),
    rationale="""
An API server on a globally routable address can be reached by anyone on the internet who
finds it (scanners index them within hours): every authentication weakness, anonymous
binding or API server vulnerability is then exploitable from anywhere. Judged from the
addresses the kubeconfig's `server` host resolves to where the scan ran (a public address is
one `ipaddress.is_global` accepts). A public address may still be limited by an allow-list
this scan cannot see, so the finding names what to review. An in-cluster scan sees the
`kubernetes` Service address, not the cluster's external endpoint: not-assessable there.
""",
    remediation="Make the endpoint private (EKS private endpoint, GKE private cluster, AKS private cluster, or an "
    "internal load balancer), or restrict it to known source ranges (authorized networks).",
    references={"kubescape": ["C-0256"]},
)
def api_endpoint_exposure(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    endpoint = inv.facts.apiEndpoint
    if endpoint is None:  # reads=("api-endpoint",) makes this unreachable
        yield not_assessable("the API endpoint was not examined")
        return
    if endpoint.inCluster:
        yield not_assessable(
            "an in-cluster scan reaches the API through the kubernetes Service, not the cluster's external endpoint: "
            "review that endpoint's exposure by hand"
        )
        return
    if not endpoint.addresses:
        yield not_assessable(f"the API server host {endpoint.host} did not resolve ({endpoint.resolveError})")
        return
    public = public_addresses(endpoint.addresses)
    review = REVIEW.get(inv.facts.platform or "", REVIEW_DEFAULT)
    evidence = [("server", endpoint.server), ("resolved addresses", endpoint.addresses), ("public", public or None)]
    yield result(
        None,
        failed=bool(public),
        message=f"The API server {endpoint.host} resolves to public address {', '.join(public)}: review {review}"
        if public
        else f"The API server {endpoint.host} resolves only to private addresses ({', '.join(endpoint.addresses)})",
        evidence=evidence,
    )


@check(
    id="endpoint.certificate",
    title="The API server's certificate is trusted by the kubeconfig and not about to expire",
    problem="Untrusted or expiring API server certificate",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=("api-endpoint",),
    rationale="""
Clients trust the API server because its serving certificate chains to the CA in their
kubeconfig. A kubeconfig that skips verification (`insecure-skip-tls-verify`), or a server
whose certificate that CA did not sign, lets anything on the path impersonate the API server
and collect every token sent to it. A certificate that expires takes the whole control plane
offline for every client at once; within 30 days it is a finding (medium severity) so the
renewal is planned, not an outage.
""",
    remediation="Put the cluster CA in the kubeconfig (certificate-authority-data) and remove "
    "insecure-skip-tls-verify; renew the API server certificate before it expires (`kubeadm certs renew "
    "apiserver`, or the provider's rotation).",
    references={},
)
def api_certificate(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    endpoint = inv.facts.apiEndpoint
    if endpoint is None:  # reads=("api-endpoint",) makes this unreachable
        yield not_assessable("the API endpoint was not examined")
        return
    if endpoint.certNotAfter is None:
        yield not_assessable(f"the API server's certificate could not be read ({endpoint.tlsError or 'no TLS'})")
        return
    today = scan_date(inv.facts)
    expires = dt.datetime.fromisoformat(endpoint.certNotAfter).date()
    days = (expires - today).days
    evidence = [
        ("server", endpoint.server),
        ("certificate notAfter", endpoint.certNotAfter),
        ("verified against", endpoint.verifiedAgainst),
        ("verification", "ok" if endpoint.verified else endpoint.verifyError),
        ("kubeconfig insecure-skip-tls-verify", endpoint.tlsVerifyDisabled or None),
    ]
    problems: list[str] = []
    severity: Severity | None = None
    if endpoint.tlsVerifyDisabled:
        problems.append(
            "the kubeconfig skips TLS verification (insecure-skip-tls-verify)"
            + (
                ""
                if endpoint.verified is None
                else "; the certificate "
                + (
                    "does chain to the system trust store"
                    if endpoint.verified
                    else "is not trusted by the system store"
                )
            )
        )
    elif endpoint.verified is False:
        problems.append(f"the certificate is not signed by the CA the kubeconfig trusts ({endpoint.verifyError})")
    if days < 0:
        problems.append(f"the certificate expired on {expires.isoformat()}")
    elif days <= EXPIRY_WARNING_DAYS:
        problems.append(f"the certificate expires on {expires.isoformat()} ({days} days)")
        if not problems[:-1]:
            severity = Severity.MEDIUM
    yield result(
        None,
        failed=bool(problems),
        message="API server certificate: " + "; ".join(problems)
        if problems
        else f"The API server's certificate is verified by the kubeconfig's CA and valid until {expires.isoformat()} "
        f"({days} days)",
        evidence=evidence,
        severity=severity,
    )
