"""Faults from the API server, end to end: the real CLI entry point against the fake API server
on 127.0.0.1 (real HTTP over TLS; the kubernetes client is never patched).

Every fault ends one of two ways:
- a report, in which every check that reads what could not be read is `not-assessable` with
  the reason (never `pass`, never a finding judged on half a list) and the rest is assessed; or
- exit 3 with one line, for authentication (401) and reachability (the first request fails).
Never a traceback. Retries and timeouts are bounded by `--retries` and `--timeout`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integration.cluster import DEFAULT_PODS, bulk_deployment
from tests.integration.fakeapi import SAR_PATH, FakeCluster, FakeKubeAPI
from tests.integration.runcli import clean_env, run_cli
from tests.security.support import Outcome, assert_honest, assert_one_line_error, run_main, unreadable_inputs

PODS = "/api/v1/pods"
NODES = "/api/v1/nodes"
NETWORKPOLICIES = "/apis/networking.k8s.io/v1/networkpolicies"
CLUSTERROLEBINDINGS = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
CONFIGMAPS = "/api/v1/configmaps"
SERVICES = "/api/v1/services"
#: Fast enough for a test, slow enough for a loaded machine: a fault that waits `SLOW` seconds
#: always outlasts a client that gives up after `FAST_TIMEOUT`.
FAST_TIMEOUT = "1"
SLOW = 4.0


def pod_list(*items: object, meta: object = None) -> bytes:
    return json.dumps({"kind": "PodList", "apiVersion": "v1", "metadata": meta or {}, "items": list(items)}).encode()


GOOD_POD = {"metadata": {"name": "p", "namespace": "default"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}


@dataclass
class Case:
    """A fault, and the inputs the report must then call unreadable (name -> words of the reason)."""

    inject: Callable[[FakeKubeAPI], object]
    unreadable: dict[str, str]
    args: tuple[str, ...] = ()
    #: Requests to this path must number exactly this many (retries bounded), when given.
    attempts: tuple[str, int] | None = None
    readable: set[str] = field(default_factory=lambda: {"Namespace", "Service"})


CASES: dict[str, Case] = {
    "403 for one kind": Case(
        lambda api: api.forbid(NETWORKPOLICIES),
        {"NetworkPolicy": "forbidden"},
        attempts=(NETWORKPOLICIES, 1),
    ),
    "403 for the RBAC bindings": Case(
        lambda api: api.forbid(CLUSTERROLEBINDINGS),
        {"ClusterRoleBinding": 'cannot list resource "clusterrolebindings"'},
    ),
    "404 for an API group": Case(
        lambda api: api.unserve("networking.k8s.io"),
        {"NetworkPolicy": "does not serve", "Ingress": "does not serve"},
    ),
    "410 in the middle of every paged list": Case(
        lambda api: api.fail(PODS, 410, continue_only=True, times=None, message="continue parameter is too old"),
        {"workloads": "410"},
        args=("--page-size", "5"),
    ),
    "429 with Retry-After, then always": Case(
        lambda api: api.fail(NODES, 429, times=None, headers={"Retry-After": "0"}, message="slow down"),
        {"Node": "429"},
        args=("--retries", "2"),
        attempts=(NODES, 3),
    ),
    "500 on every attempt": Case(
        lambda api: api.fail(CONFIGMAPS, 500, times=None, message="etcdserver: request timed out"),
        {"ConfigMap": "500"},
        args=("--retries", "1"),
        attempts=(CONFIGMAPS, 2),
    ),
    "503 on every attempt": Case(
        lambda api: api.fail(NODES, 503, times=None, message="the server is currently unable to handle the request"),
        {"Node": "503"},
        args=("--retries", "0"),
        attempts=(NODES, 1),
        readable={"Namespace"},
    ),
    "a list slower than --timeout": Case(
        lambda api: api.fail(PODS, 200, times=None, delay=SLOW, body=pod_list()),
        {"workloads": "did not answer in time"},
        args=("--timeout", FAST_TIMEOUT, "--retries", "1"),
        attempts=(PODS, 2),
    ),
    "a reset connection": Case(
        lambda api: api.fail(NETWORKPOLICIES, 0, times=None, reset=True),
        {"NetworkPolicy": "reading networkpolicies failed: the connection was reset"},
        args=("--retries", "1"),
        attempts=(NETWORKPOLICIES, 2),
    ),
    "a truncated JSON body": Case(
        lambda api: api.fail(PODS, 200, times=None, body=pod_list(GOOD_POD)[:-40]),
        {"workloads": "could not be read"},
    ),
    "an HTML page instead of JSON": Case(
        lambda api: api.fail(SERVICES, 200, times=None, body=b"<html><body>502 Bad Gateway</body></html>"),
        {"Service": "could not be read"},
        readable={"Namespace"},
    ),
    "items is not a list": Case(
        lambda api: api.fail(PODS, 200, times=None, body=json.dumps({"kind": "PodList", "items": {"a": 1}}).encode()),
        {"workloads": "items"},
    ),
    "a pod whose spec.containers is a string": Case(
        lambda api: api.fail(
            PODS, 200, times=None, body=pod_list(GOOD_POD, {"metadata": {"name": "x"}, "spec": {"containers": "nginx"}})
        ),
        {"workloads": "containers"},
    ),
    "a continue token that is not a string": Case(
        lambda api: api.fail(PODS, 200, times=None, body=pod_list(GOOD_POD, meta={"continue": {"x": 1}})),
        {"workloads": "continue"},
    ),
    "an empty object instead of a list": Case(
        lambda api: api.fail(PODS, 200, times=None, body=b"{}"),
        {"workloads": "no items"},
    ),
    "a list without items": Case(
        lambda api: api.fail(PODS, 200, times=None, body=b'{"kind": "PodList", "apiVersion": "v1", "metadata": {}}'),
        {"workloads": "no items"},
    ),
    "a Status with 200 instead of a list": Case(
        lambda api: api.fail(
            NETWORKPOLICIES, 200, times=None, body=b'{"kind": "Status", "apiVersion": "v1", "status": "Success"}'
        ),
        {"NetworkPolicy": "not a list"},
    ),
    "a JSON body that is not an object": Case(
        lambda api: api.fail(NETWORKPOLICIES, 200, times=None, body=b'["items"]'),
        {"NetworkPolicy": "could not be read"},
    ),
}


def scan(kubeconfig: Path, *args: str) -> Outcome:
    return run_main("scan", "--kubeconfig", kubeconfig, "--format", "json", "--output", "-", "--quiet", *args)


@pytest.mark.parametrize("name", list(CASES))
def test_a_fault_makes_what_it_hides_not_assessable(
    name: str, fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path
) -> None:
    case = CASES[name]
    case.inject(fake_api)

    outcome = scan(kubeconfig, *case.args)

    assert outcome.code == 0, outcome.stderr[-3000:]
    assert "Traceback" not in outcome.stderr
    report = outcome.report()
    unreadable = unreadable_inputs(report)
    for input_name, words in case.unreadable.items():
        assert input_name in unreadable, (input_name, unreadable)
        assert words in unreadable[input_name], (input_name, unreadable[input_name])
    assert_honest(report)
    statuses = {i["name"]: i["status"] for i in report["coverage"]["inputs"]}
    for input_name in case.readable:  # the rest of the scan went on
        assert statuses[input_name] == "ok", (input_name, statuses)
    assert report["coverage"]["assessed"] > 0
    if case.attempts is not None:
        path, count = case.attempts
        assert len(fake_api.requests_to(path)) == count, [s.status for s in fake_api.requests_to(path)]


def test_one_410_mid_list_restarts_it_and_nothing_is_lost(
    fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path
) -> None:
    fake_api.add(*bulk_deployment("load", "bulk", 12))
    fake_api.fail(PODS, 410, continue_only=True, times=1)

    report = scan(kubeconfig, "--page-size", "5").report()

    assert report["cluster"]["pods"] == DEFAULT_PODS + 12
    assert unreadable_inputs(report) == {}
    assert [s.status for s in fake_api.requests_to(PODS)].count(410) == 1


def test_a_429_then_an_answer_is_a_complete_scan(fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path) -> None:
    fake_api.fail(PODS, 429, times=2, headers={"Retry-After": "0"})
    fake_api.fail(NODES, 503, times=1)
    report = scan(kubeconfig, "--retries", "2").report()
    assert unreadable_inputs(report) == {}
    assert report["cluster"]["pods"] == DEFAULT_PODS
    assert [s.status for s in fake_api.requests_to(PODS)] == [429, 429, 200]


def test_retries_zero_means_one_attempt(fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path) -> None:
    fake_api.fail(NODES, 503, times=1)
    report = scan(kubeconfig, "--retries", "0").report()
    assert "Node" in unreadable_inputs(report)
    assert len(fake_api.requests_to(NODES)) == 1
    assert_honest(report)


def test_every_failure_at_once_still_ends_in_an_honest_report(
    fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path
) -> None:
    """Every list fails, each its own way: nothing is assessed from the cluster's objects."""
    listing = re.compile(r"^/(api/v1|apis/[^/]+/[^/]+)/[a-z]+$")
    fake_api.fail(listing, 503, times=None)
    fake_api.fail(SAR_PATH, 500, times=None, method="POST")

    outcome = scan(kubeconfig, "--retries", "0")

    assert outcome.code == 0, outcome.stderr
    report = outcome.report()
    assert_honest(report)
    assert "authorizer-probe" in unreadable_inputs(report)
    passed = [c["id"] for c in report["checks"] if c["status"] == "pass"]
    # What is left to judge comes from /version, the anonymous probe and the TLS handshake only.
    reads = {c["id"]: c for c in report["checks"]}
    assert all(reads[cid]["status"] == "pass" for cid in passed)
    assert report["cluster"]["pods"] == 0


# --- authorizer probe, kubelet and Secret metadata answers of the wrong shape -----------------------


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"status": "allowed"}', b'{"status": {"allowed": "yes", "reason": 7}}'],
    ids=["not-json", "a-list", "status-a-string", "fields-of-the-wrong-type"],
)
def test_a_strange_subject_access_review_answer(
    body: bytes, fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path
) -> None:
    fake_api.fail(SAR_PATH, 201, times=None, method="POST", body=body)
    outcome = scan(kubeconfig)
    assert outcome.code == 0, outcome.stderr
    report = outcome.report()
    assert_honest(report)
    probe = [c for c in report["checks"] if "authorizer-probe" in _reads(c["id"])]
    assert probe and all(c["status"] == "not-assessable" for c in probe), probe


@pytest.mark.parametrize(
    "body",
    [
        b"<html>",
        b'{"kind": "PartialObjectMetadataList", "metadata": [1], "items": []}',
        b'{"kind": "PartialObjectMetadataList", "metadata": {"continue": 5}, "items": []}',
        b'{"kind": "PartialObjectMetadataList", "items": {"a": 1}}',
        b'{"kind": "PartialObjectMetadataList", "items": [{"metadata": {"name": 1, "annotations": '
        b'{"kubernetes.io/service-account.name": ["x"]}, "creationTimestamp": {"a": 1}, "labels": []}}]}',
        b'{"kind": "SecretList", "items": [{"metadata": {"name": "s"}, "data": {"token": "Q0FOQVJZ"}}]}',
    ],
    ids=["html", "metadata-a-list", "continue-a-number", "items-a-map", "fields-of-the-wrong-type", "full-secrets"],
)
def test_a_strange_secret_metadata_answer(
    body: bytes, fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path
) -> None:
    fake_api.fail("/api/v1/secrets", 200, times=None, body=body)
    outcome = scan(kubeconfig, "--secret-metadata")
    assert outcome.code == 0, outcome.stderr
    assert "Q0FOQVJZ" not in outcome.stdout
    report = outcome.report()
    assert_honest(report)
    assert "secret-metadata" in unreadable_inputs(report)


@pytest.mark.parametrize(
    "inject",
    [
        lambda api: api.fail(re.compile(r".*/proxy/configz"), 0, times=None, reset=True),
        lambda api: api.fail(re.compile(r".*/proxy/configz"), 200, times=None, body=b'{"kubeletconfig": [1]}'),
        lambda api: api.fail(re.compile(r".*/proxy/configz"), 200, times=None, body=b"\x00\xff garbage"),
        lambda api: api.fail(re.compile(r".*/proxy/configz"), 200, times=None, delay=SLOW, body=b"{}"),
    ],
    ids=["reset", "not-a-map", "binary", "slow"],
)
def test_kubelet_settings_that_cannot_be_read(
    inject: Callable[[FakeKubeAPI], object], fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path
) -> None:
    inject(fake_api)
    outcome = scan(kubeconfig, "--kubelet-config", "--timeout", FAST_TIMEOUT, "--retries", "0")
    assert outcome.code == 0, outcome.stderr
    report = outcome.report()
    assert "kubelet" in unreadable_inputs(report)
    assert_honest(report)


def _reads(check_id: str) -> set[str]:
    from k8saudit.checks.registry import all_checks

    return next(set(c.reads) for c in all_checks() if c.id == check_id)


# --- exit 3: authentication and reachability -------------------------------------------------------


def test_401_in_the_middle_of_a_scan_is_one_line_and_exit_3(
    fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path, tmp_path: Path
) -> None:
    fake_api.fail(CLUSTERROLEBINDINGS, 401, times=None)
    outcome = run_main("scan", "--kubeconfig", kubeconfig, "--output-dir", tmp_path / "out")
    assert_one_line_error(outcome, 3, "rejected our credentials", "context fake")
    assert not (tmp_path / "out").exists()  # no report is written from half a scan


@pytest.mark.parametrize(
    "inject, words",
    [
        (lambda api: api.fail("/version", 200, delay=SLOW, body=b"{}"), "did not answer in time"),
        (lambda api: api.fail("/version", 0, reset=True), "cannot reach"),
        (lambda api: api.fail("/version", 401), "rejected our credentials"),
    ],
    ids=["slow", "reset", "401"],
)
def test_the_first_request_failing_is_one_line_and_exit_3(
    inject: Callable[[FakeKubeAPI], object], words: str, fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path
) -> None:
    inject(fake_api)
    outcome = run_main(
        "collect", "--kubeconfig", kubeconfig, "-o", kubeconfig.parent / "snap.json", "--timeout", FAST_TIMEOUT
    )
    assert_one_line_error(outcome, 3, words)
    assert not (kubeconfig.parent / "snap.json").exists()
    assert len(fake_api.requests_to("/version")) == 1  # a server that fails the first request is not retried


@pytest.mark.parametrize(
    "body", [b"{", b"[]", b'{"gitVersion": 5}', b"<html>"], ids=["truncated", "list", "type", "html"]
)
def test_a_strange_version_answer_is_not_a_kubernetes_api_server(
    body: bytes, fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path
) -> None:
    """Every Kubernetes API server answers GET /version with its version object: a 200 with
    anything else comes from something else at that address, and auditing its other answers
    would report on no cluster (issue 16: exit 3, not a report with the version unknown)."""
    fake_api.fail("/version", 200, body=body)
    outcome = run_main("scan", "--kubeconfig", kubeconfig, "-d", kubeconfig.parent / "reports")
    assert_one_line_error(outcome, 3, f"not a Kubernetes API server: {fake.url} answered 200 application/json")
    assert not (kubeconfig.parent / "reports").exists()


# --- the installed command, as a user runs it --------------------------------------------------------


def test_faults_through_the_installed_command(fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path) -> None:
    fake_api.fail(PODS, 0, times=None, reset=True)
    fake_api.fail(NETWORKPOLICIES, 200, times=None, body=b'{"items": "nope"}')
    fake_api.fail(NODES, 200, times=None, delay=SLOW, body=b"{}")
    cwd = kubeconfig.parent
    args = ["scan", "--kubeconfig", kubeconfig, "-f", "json", "-o", "-", "-q", "--retries", "0"]

    result = run_cli(*args, "--timeout", FAST_TIMEOUT, cwd=cwd, env=clean_env(HOME=str(cwd)))

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert {"workloads", "NetworkPolicy", "Node"} <= set(unreadable_inputs(report))
    assert_honest(report)
    warnings = result.stderr.splitlines()  # one line per list that failed, naming it
    assert all(line.startswith("k8saudit: warning: ") for line in warnings), warnings
    assert any("pods" in line and "connection" in line for line in warnings), warnings

    fake_api.fail(SERVICES, 401, times=None)
    denied = run_cli(*args, cwd=cwd, env=clean_env(HOME=str(cwd)))
    assert denied.returncode == 3, denied.stderr
    assert denied.stdout == ""
    lines = denied.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("k8saudit: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0] and "rejected our credentials" in errors[0], lines
    # what went wrong before the fatal 401 (the reset pods list, ...) is one warning line each
    assert all(line.startswith("k8saudit: warning: ") for line in lines[:-1]), lines


def test_retries_and_timeout_are_cli_options() -> None:
    help_text = run_main("scan", "--help").stdout
    assert "--retries" in help_text and "--timeout" in help_text
    bad = run_main("scan", "--retries", "-1", "--demo")
    assert bad.code == 2 and "Traceback" not in bad.stderr
