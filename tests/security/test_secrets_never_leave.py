"""No secret value leaves: canaries planted wherever a secret can hide (env values, ConfigMap data,
annotations, last-applied-configuration, container command lines, token-like labels, Secret
objects, probe headers, webhook URLs, volume options) never appear in anything k8saudit writes.

Every output is searched: the snapshot, each report format the CLI offers (the list is read
from the CLI itself, so a new format is covered the day it is added), the terminal summary, the
JSON event log, timestamped report folders, who-can, and error lines. Three ways in: manifests,
a `kubectl get -o json` dump read as a snapshot, and the live path through the fake API server.

Decisions (README "Security"): env values, ConfigMap data and Secret objects are never kept at
all; annotations are metadata and kept, except values that look like a credential (by name or
value) or embed a JSON object (a copy of the object with its env values); label values are
identifiers and kept (selectors must match them), except a value that looks like a credential.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from k8saudit.cli.options import OutFormat
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI
from tests.security.canaries import CANARIES, b64, canary_objects, forbidden_strings, secret_list
from tests.security.support import Outcome, assert_one_line_error, run_main

FORBIDDEN = forbidden_strings()


def leaks(texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(where, canary) for where, text in texts.items() for canary in FORBIDDEN if canary in text]


def read_tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_bytes().decode("utf-8", "replace")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def collect_outputs(tmp: Path, source: list[str], scan_only: tuple[str, ...] = ()) -> dict[str, str]:
    """Run every output the CLI has for one source; everything written, keyed by where.
    `scan_only`: options of `scan` that `who-can` does not take (`--secret-metadata`)."""
    texts: dict[str, str] = {}

    def keep(label: str, outcome: Outcome) -> None:
        assert outcome.code in (0, 1), (label, outcome.code, outcome.stderr[-2000:])
        assert "Traceback" not in outcome.stderr
        texts[f"{label} stdout"], texts[f"{label} stderr"] = outcome.stdout, outcome.stderr

    scan_source = [*source, *scan_only]
    formats = list(OutFormat)
    assert {"html", "md", "json"} <= {f.value for f in formats}
    for fmt in formats:
        folder = tmp / f"out-{fmt.value}"
        keep(f"scan -f {fmt.value}", run_main("scan", *scan_source, "--format", fmt.value, "--output-dir", folder))
        texts.update({f"{fmt.value}/{name}": text for name, text in read_tree(folder).items()})
        keep(f"scan -f {fmt.value} -o -", run_main("scan", *scan_source, "--format", fmt.value, "--output", "-", "-q"))
    every = [arg for fmt in formats for arg in ("--format", fmt.value)]
    keep("json log", run_main("scan", *scan_source, *every, "--log-format", "json", "--output-dir", tmp / "logged"))
    keep("timestamped", run_main("scan", *scan_source, "--timestamped", "--output-dir", tmp / "runs", "-q"))
    texts.update({f"runs/{name}": text for name, text in read_tree(tmp / "runs").items()})
    keep("failing", run_main("scan", *scan_source, "--fail-on", "low", "--output-dir", tmp / "failing"))
    for fmt in ("table", "json"):
        keep(f"who-can {fmt}", run_main("who-can", "get", "secrets", "-A", *source, "--format", fmt))
    return texts


def write_manifests(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    objects = canary_objects()
    (folder / "all.yaml").write_text(yaml.safe_dump_all(objects, allow_unicode=True))
    (folder / "as-list.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects[:3]}))
    (folder / "secrets.yaml").write_text(yaml.safe_dump(secret_list()))
    return folder


def test_the_canaries_would_be_seen(tmp_path: Path) -> None:
    """The search is real: the planted objects hold every canary, and the scan reads those objects."""
    folder = write_manifests(tmp_path / "manifests")
    planted = "".join(p.read_text() for p in folder.iterdir())
    assert [c for c in FORBIDDEN if c in planted or c.rstrip("=") in planted]  # base64 or plain
    for value in CANARIES.values():
        assert value in planted or b64(value) in planted, value
    report = run_main("scan", "--manifests", folder, "-f", "json", "-o", "-", "-q").report()
    names = {(f["resource"] or {}).get("name") for f in report["findings"]}
    assert {"leaky", "nightly", "settings"} & names
    messages = " ".join(f["message"] for f in report["findings"])
    assert "DB_PASSWORD" in messages or any("DB_PASSWORD" in json.dumps(f["evidence"]) for f in report["findings"])


def test_no_canary_leaves_through_manifests(tmp_path: Path) -> None:
    folder = write_manifests(tmp_path / "manifests")
    texts = collect_outputs(tmp_path, ["--manifests", str(folder)])
    assert len(texts) > 20
    assert leaks(texts) == []


def test_no_canary_leaves_through_a_kubectl_dump(tmp_path: Path) -> None:
    dump = tmp_path / "kubectl-get-all.json"
    items = [o for o in canary_objects() if o["kind"] != "Secret"]
    dump.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [*items, *secret_list()["items"]]}))
    texts = collect_outputs(tmp_path, ["--snapshot", str(dump)])
    assert leaks(texts) == []


@pytest.mark.parametrize("secret_metadata", [False, True], ids=["default", "secret-metadata"])
def test_no_canary_leaves_through_a_live_scan(
    secret_metadata: bool, fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path, tmp_path: Path
) -> None:
    fake_api.add(*canary_objects())
    extra = ["--secret-metadata", "--kubelet-config"] if secret_metadata else []
    fake_api.kubelet["audit-worker"] = {
        "staticPodURLHeader": {"Authorization": [f"Bearer {CANARIES['probe-header']}"]},
        "authentication": {"anonymous": {"enabled": False}},
    }
    source = ["--kubeconfig", str(kubeconfig)]

    snapshot = tmp_path / "snapshot.json"
    collected = run_main("collect", *source, *extra, "-o", snapshot)
    assert collected.code == 0, collected.stderr
    texts = {"snapshot": snapshot.read_text(), "collect stderr": collected.stderr, "collect stdout": collected.stdout}
    assert '"DB_PASSWORD"' in texts["snapshot"]  # the name is kept, to be judged
    texts |= collect_outputs(tmp_path / "live", source, tuple(extra))
    texts |= {f"rescan {k}": v for k, v in collect_outputs(tmp_path / "rescan", ["--snapshot", str(snapshot)]).items()}

    assert leaks(texts) == []
    if secret_metadata:
        assert any(s.path == "/api/v1/secrets" for s in fake_api.seen)


def test_a_server_that_sends_secret_data_for_metadata_is_refused(
    fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path, tmp_path: Path
) -> None:
    """A proxy that ignores `as=PartialObjectMetadataList` sends whole Secrets: they are dropped unread."""
    fake_api.add(*canary_objects())
    fake_api.metadata_lists = False
    snapshot = tmp_path / "snapshot.json"
    outcome = run_main("collect", "--kubeconfig", kubeconfig, "--secret-metadata", "-o", snapshot)
    assert outcome.code == 0, outcome.stderr
    text = snapshot.read_text()
    assert "Secret data was refused" in text
    assert leaks({"snapshot": text, "stderr": outcome.stderr}) == []


@pytest.mark.parametrize(
    "broken",
    [
        {"spec": {"containers": "not a list"}},
        {"spec": {"containers": [{"name": "x", "env": [{"name": "P", "value": {"not": "text"}}]}]}},
        {"metadata": {"labels": {"token": ["ghp_" + CANARIES["label-github-token"]]}}},
        {"metadata": {"annotations": {"example.com/db-password": 5}}},
    ],
    ids=["containers", "env-value-type", "label-type", "annotation-type"],
)
def test_an_error_about_an_object_never_quotes_its_values(broken: dict[str, object], tmp_path: Path) -> None:
    pod = next(o for o in canary_objects() if o["kind"] == "Pod")
    for key, value in broken.items():
        pod = {**pod, key: {**pod[key], **value}}  # type: ignore[dict-item]
    path = tmp_path / "pod.yaml"
    path.write_text(yaml.safe_dump(pod))
    outcome = run_main("scan", "--manifests", path, "-o", "-", "-f", "json")
    if outcome.code != 0:  # an env value that is not text is dropped like any other: no error needed
        assert_one_line_error(outcome, 2, str(path))
    assert leaks({"stderr": outcome.stderr, "stdout": outcome.stdout}) == []


@pytest.mark.parametrize(
    "text",
    [
        'password: "{canary}\n  unterminated: [',
        "env:\n  - name: DB_PASSWORD\n    value: {canary}\n  value2: : {canary}\n",
        "a: {canary}\n\tb: {canary}\n",
        "a: !!binary {canary}\n",
    ],
    ids=["unterminated", "mapping-values", "tab", "bad-binary"],
)
def test_a_yaml_error_never_quotes_the_text_around_it(text: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text.format(canary=CANARIES["env-by-name"]))
    for args in (["scan", "--manifests", path], ["scan", "--snapshot", path], ["config", "validate", path]):
        outcome = run_main(*args)
        assert_one_line_error(outcome, 2, str(path))
        assert leaks({"stderr": outcome.stderr}) == [], outcome.stderr
