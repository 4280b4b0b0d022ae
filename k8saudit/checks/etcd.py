"""etcd flags (NSA/CISA: Network separation and hardening, "etcd").

Read from the etcd static pods in kube-system (label `component=etcd`, kubeadm and RKE2),
one result per member. etcd's defaults are insecure: no client certificate authentication,
plain http unless certificates are given. Where etcd is not a pod (managed control planes,
an external etcd cluster, k3s with its embedded datastore) each check is not-assessable with
what to review by hand.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks._flags import APISERVER, ETCD, flag_list, go_bool, replicas
from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import ControlPlaneComponent


def _plain_urls(replica: ControlPlaneComponent, flag: str) -> list[str]:
    return [u for u in flag_list(replica.flag(flag)) if u.lower().startswith("http://")]


def _tls_problems(replica: ControlPlaneComponent, prefix: str) -> tuple[list[str], list[tuple[str, object]]]:
    """Problems of the client (`prefix=""`) or peer (`prefix="peer-"`) side of one member."""
    cert = replica.flag(f"{prefix}cert-file") or None
    key = replica.flag(f"{prefix}key-file") or None
    ca = replica.flag(f"{prefix}trusted-ca-file") or None
    auth_value = replica.flag(f"{prefix}client-cert-auth")
    auto_value = replica.flag(f"{prefix}auto-tls")
    listen = "listen-client-urls" if not prefix else "listen-peer-urls"
    plain = _plain_urls(replica, listen)
    problems: list[str] = []
    if plain:
        problems.append(f"listens without TLS on {', '.join(plain)}")
    if not (cert and key):
        problems.append(f"no --{prefix}cert-file/--{prefix}key-file")
    if go_bool(auth_value) is not True:
        problems.append(
            f"--{prefix}client-cert-auth="
            + (auth_value if auth_value is not None else "false (default)")
            + ": clients are not required to present a certificate"
        )
    elif not ca:
        problems.append(f"no --{prefix}trusted-ca-file to verify client certificates")
    if go_bool(auto_value) is True:
        problems.append(f"--{prefix}auto-tls=true: self-signed certificates nobody verifies")
    evidence: list[tuple[str, object]] = [
        (f"--{prefix}cert-file", cert),
        (f"--{prefix}key-file", key),
        (f"--{prefix}client-cert-auth", auth_value),
        (f"--{prefix}trusted-ca-file", ca),
        (f"--{prefix}auto-tls", auto_value),
        (f"--{listen}", replica.flag(listen)),
    ]
    return problems, evidence


@check(
    id="etcd.client-tls",
    title="etcd serves clients over TLS and requires client certificates",
    problem="etcd clients without TLS and client certificates",
    section=Section.NETWORK,
    severity=Severity.CRITICAL,
    reads=(ETCD,),
    rationale="""
Whoever can talk to etcd's client port can read and rewrite every object of the cluster,
Secrets included, bypassing authentication, RBAC, admission and the audit log. etcd must
serve TLS with real certificates (--cert-file, --key-file; not --auto-tls, which makes
self-signed certificates no client verifies) and accept only clients presenting a
certificate its CA signed (--client-cert-auth=true with --trusted-ca-file). etcd's defaults
are the opposite: plain http and no client authentication.
""",
    remediation="On every etcd member set --cert-file/--key-file, --client-cert-auth=true and --trusted-ca-file to a "
    "CA used only for etcd, remove --auto-tls, and use https:// in --listen-client-urls.",
    references={"cis": ["2.1", "2.2", "2.3"], "kubescape": ["C-0153", "C-0154", "C-0155"]},
)
def client_tls(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, ETCD):
        problems, evidence = _tls_problems(replica, "")
        yield result(
            replica.pod,
            failed=bool(problems),
            message="etcd clients: " + "; ".join(problems)
            if problems
            else "etcd serves clients over TLS and requires certificates signed by its CA",
            evidence=evidence,
        )


@check(
    id="etcd.peer-tls",
    title="etcd members talk to each other over mutually authenticated TLS",
    problem="etcd peers without mutual TLS",
    section=Section.NETWORK,
    severity=Severity.HIGH,
    reads=(ETCD,),
    rationale="""
etcd members replicate every write to each other on the peer port. Without TLS and peer
certificate authentication (--peer-cert-file, --peer-key-file, --peer-client-cert-auth=true,
--peer-trusted-ca-file; not --peer-auto-tls) anyone who reaches that port can read the
replication stream or join the cluster as a member. A single-member etcd still listens on its
peer port, so the same settings apply.
""",
    remediation="On every etcd member set --peer-cert-file/--peer-key-file, --peer-client-cert-auth=true and "
    "--peer-trusted-ca-file, remove --peer-auto-tls, and use https:// in --listen-peer-urls.",
    references={"cis": ["2.4", "2.5", "2.6"], "kubescape": ["C-0156", "C-0157", "C-0158"]},
)
def peer_tls(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, ETCD):
        problems, evidence = _tls_problems(replica, "peer-")
        yield result(
            replica.pod,
            failed=bool(problems),
            message="etcd peers: " + "; ".join(problems)
            if problems
            else "etcd members replicate over TLS and authenticate each other with certificates",
            evidence=evidence,
        )


@check(
    id="etcd.dedicated-ca",
    title="etcd trusts its own CA, not the one that signs Kubernetes clients",
    problem="etcd trusting the CA that signs Kubernetes clients",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=(ETCD, APISERVER),
    rationale="""
etcd admits any client whose certificate its --trusted-ca-file signed. If that is the same CA
the API server trusts for its users (--client-ca-file), every Kubernetes client certificate
(each kubelet's, each administrator's) is also a valid etcd client certificate: anyone holding
one can bypass the API server and read every Secret in etcd directly. Compared by path: two
different paths could still hold the same CA, which only the files can show (kubeadm uses
/etc/kubernetes/pki/etcd/ca.crt and /etc/kubernetes/pki/ca.crt, two CAs).
""",
    remediation="Create a CA used only for etcd, issue etcd's server, peer and the API server's etcd client "
    "certificates from it, and point etcd's --trusted-ca-file at it.",
    references={"cis": ["2.7"], "kubescape": ["C-0159"]},
)
def dedicated_ca(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    client_cas = {
        ca: server.pod.name for server in replicas(inv, APISERVER) if (ca := server.flag("client-ca-file") or None)
    }
    for replica in replicas(inv, ETCD):
        trusted = replica.flag("trusted-ca-file") or None
        if trusted is None:
            yield not_assessable(
                "etcd has no --trusted-ca-file, so it authenticates no client certificates (see etcd.client-tls)",
                replica.pod,
            )
            continue
        shared = client_cas.get(trusted)
        yield result(
            replica.pod,
            failed=shared is not None,
            message=f"etcd trusts {trusted}, the CA {shared} uses for Kubernetes clients: every Kubernetes client "
            "certificate is also an etcd client certificate"
            if shared
            else f"etcd trusts {trusted}, not the API server's client CA",
            evidence=[
                ("etcd --trusted-ca-file", trusted),
                ("kube-apiserver --client-ca-file", sorted(client_cas) or None),
            ],
        )
