"""The config file: what a valid one means, and that every mistake is one line naming the line."""

from __future__ import annotations

import datetime as dt
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from k8saudit.checks.registry import all_checks
from k8saudit.engine.config import AuditConfig, load_config, parse_config
from k8saudit.model.findings import Severity
from k8saudit.model.inventory import AuditSettings
from k8saudit.runtime.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "k8saudit.yaml"
KNOWN = ("pod.run-as-non-root", "pod.read-only-root-fs", "pod.privileged", "pod.host-path", "cp.audit-logging")
HEAD = "apiVersion: k8saudit.io/v1alpha1\nkind: AuditConfig\n"


def parse(body: str, head: str = HEAD) -> AuditConfig:
    return parse_config(head + textwrap.dedent(body), "k8saudit.yaml", KNOWN)


def error(body: str, head: str = HEAD) -> str:
    with pytest.raises(InputError) as caught:
        parse(body, head)
    message = str(caught.value)
    assert "\n" not in message, message
    return message


# --- a valid file -----------------------------------------------------------------------------------


def test_a_full_config_is_read_with_where_each_exemption_was_written() -> None:
    cfg = parse(
        """\
        defaultExemptions: false
        namespaces:
          include: ["team-*", default]
          exclude: [team-sandbox]
        images:
          allowedRegistries: [registry.example.com, ghcr.io/acme]
        severity:
          pod.read-only-root-fs: low
        exemptions:
          - checks: [pod.run-as-non-root]
            containers: [istio-proxy]
            reason: mesh sidecar
            owner: platform
            expires: 2027-03-31
          - checks: ["pod.*"]
            namespaces: [legacy]
            reason: being retired
            owner: team-legacy
        """
    )
    assert cfg.defaultExemptions is False
    assert cfg.severity == {"pod.read-only-root-fs": Severity.LOW}
    assert [r.source for r in cfg.exemptions] == ["k8saudit.yaml:12", "k8saudit.yaml:17"]
    first, second = cfg.exemptions
    assert first.expires == dt.date(2027, 3, 31) and first.containers == ["istio-proxy"]
    assert not first.expired(dt.date(2027, 3, 31)) and first.expired(dt.date(2027, 4, 1))
    assert second.covers_check("pod.privileged") and not second.covers_check("cp.audit-logging")
    assert cfg.namespaces.contains("team-a") and cfg.namespaces.contains("default")
    assert not cfg.namespaces.contains("team-sandbox") and not cfg.namespaces.contains("kube-system")
    assert cfg.audit_settings() == AuditSettings(allowed_registries=("registry.example.com", "ghcr.io/acme"))
    assert cfg.file == "k8saudit.yaml"


def test_the_smallest_config_changes_nothing() -> None:
    cfg = parse("")
    assert cfg.defaultExemptions is True and cfg.exemptions == [] and cfg.severity == {}
    assert not cfg.namespaces.active
    base = AuditSettings(allowed_registries=("keep.example.com",))
    assert cfg.audit_settings(base) is base


def test_the_shipped_example_is_valid_against_the_catalogue() -> None:
    cfg = load_config(EXAMPLE)  # the real catalogue: every id the example names exists
    assert cfg.exemptions and all(r.reason and r.owner for r in cfg.exemptions)
    assert any("istio-proxy" in r.containers for r in cfg.exemptions)
    known = {c.id for c in all_checks()}
    assert {p for r in cfg.exemptions for p in r.checks} <= known | {"*"}


# --- every mistake names the line ---------------------------------------------------------------------

EXEMPTION = """\
exemptions:
  - checks: [pod.privileged]
    reason: x
    owner: y
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("colour: blue\n", "k8saudit.yaml:3: colour: unknown field 'colour'", id="top-level-field"),
        pytest.param(
            EXEMPTION.replace("owner", "ownr"),
            "k8saudit.yaml:6: exemptions[0].ownr: unknown field 'ownr' (did you mean owner?)",
            id="misspelt-field",
        ),
        pytest.param(
            EXEMPTION.replace("    reason: x\n", ""),
            "k8saudit.yaml:4: exemptions[0].reason: required field is missing",
            id="missing-reason",
        ),
        pytest.param(
            EXEMPTION.replace("    owner: y\n", ""),
            "k8saudit.yaml:4: exemptions[0].owner: required field is missing",
            id="missing-owner",
        ),
        pytest.param(
            EXEMPTION.replace("owner: y", 'owner: "  "'),
            "k8saudit.yaml:6: exemptions[0].owner: String should have at least 1 character",
            id="blank-owner",
        ),
        pytest.param(
            EXEMPTION.replace("owner: y", "owner: 42"),
            "k8saudit.yaml:6: exemptions[0].owner: Input should be a valid string",
            id="number-owner",
        ),
        pytest.param(
            EXEMPTION.replace("[pod.privileged]", "[]"),
            "k8saudit.yaml:4: exemptions[0].checks: List should have at least 1 item",
            id="no-checks",
        ),
        pytest.param(
            EXEMPTION.replace("[pod.privileged]", "[pod.privileged, pod.run-as-nonroot]"),
            "k8saudit.yaml:4: exemptions[0].checks[1]: unknown check id 'pod.run-as-nonroot' "
            "(did you mean pod.run-as-non-root",
            id="unknown-check",
        ),
        pytest.param(
            EXEMPTION.replace("[pod.privileged]", "\n      - pod.privileged\n      - rbac.*"),
            "k8saudit.yaml:6: exemptions[0].checks[1]: pattern 'rbac.*' matches no check id",
            id="glob-matches-nothing",
        ),
        pytest.param(
            EXEMPTION + "    kinds: [Deploymnet]\n",
            "k8saudit.yaml:7: exemptions[0].kinds[0]: unknown kind 'Deploymnet' (did you mean Deployment",
            id="unknown-kind",
        ),
        pytest.param(
            EXEMPTION + "    expires: 2027-02-30\n",
            "k8saudit.yaml:7: exemptions[0].expires: Input should be a valid date",
            id="impossible-date",
        ),
        pytest.param(
            EXEMPTION + "    expires: next year\n",
            "k8saudit.yaml:7: exemptions[0].expires: Input should be a valid date",
            id="date-in-words",
        ),
        pytest.param(
            "severity:\n  pod.privileged: urgent\n",
            "k8saudit.yaml:4: severity.pod.privileged: 'urgent' is not a severity: "
            "use critical, high, medium, low, info",
            id="bad-severity",
        ),
        pytest.param(
            "severity:\n  pod.privileged: low\n  pod.read-only-rootfs: low\n",
            "k8saudit.yaml:5: severity.pod.read-only-rootfs: unknown check id 'pod.read-only-rootfs' "
            "(did you mean pod.read-only-root-fs",
            id="severity-unknown-check",
        ),
        pytest.param(
            "namespaces: [a, b]\n",
            "k8saudit.yaml:3: namespaces: Input should be a valid dictionary or instance of NamespaceScope",
            id="namespaces-not-mapping",
        ),
        pytest.param(
            "namespaces:\n  include: [a]\n  skip: [b]\n",
            "k8saudit.yaml:5: namespaces.skip: unknown field 'skip' (allowed: include, exclude)",
            id="namespaces-field",
        ),
        pytest.param(
            "defaultExemptions: yes please\n",
            "k8saudit.yaml:3: defaultExemptions: Input should be a valid boolean",
            id="not-a-boolean",
        ),
        pytest.param(
            "images:\n  allowedRegistries:\n    - ok.example.com\n    - https://registry.example.com\n",
            "k8saudit.yaml:6: images.allowedRegistries[1]: 'https://registry.example.com' is not a registry",
            id="registry-url",
        ),
        pytest.param(
            "severity: {}\nexemptions: []\nseverity: {}\n",
            "k8saudit.yaml:5: severity: duplicate key (first at line 3)",
            id="duplicate-key",
        ),
        pytest.param(
            "exemptions:\n  - checks: [pod.privileged\n",
            "k8saudit.yaml:5: invalid YAML: expected ',' or ']'",
            id="bad-yaml",
        ),
        pytest.param(
            "exemptions:\n- a\n -b: c\n",
            "k8saudit.yaml:5: invalid YAML:",
            id="bad-indent",
        ),
        pytest.param(
            "---\nkind: AuditConfig\n",
            "k8saudit.yaml:3: invalid YAML: but found another document (expected a single document",
            id="two-docs",
        ),
    ],
)
def test_every_config_error_is_one_line_naming_the_file_and_line(body: str, expected: str) -> None:
    assert error(body).startswith(expected), error(body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "k8saudit.yaml: the config file is empty"),
        ("# only a comment\n", "k8saudit.yaml: the config file is empty"),
        ("- a\n- b\n", "k8saudit.yaml:1: the config must be a mapping"),
        (
            "kind: AuditConfig\n",
            "k8saudit.yaml:1: apiVersion: required field is missing (apiVersion: k8saudit.io/v1alpha1",
        ),
        (
            "apiVersion: k8saudit.io/v1\nkind: AuditConfig\n",
            "k8saudit.yaml:1: apiVersion: Input should be 'k8saudit.io/v1alpha1', not 'k8saudit.io/v1'",
        ),
        (
            "apiVersion: k8saudit.io/v1alpha1\nkind: Config\n",
            "k8saudit.yaml:2: kind: Input should be 'AuditConfig', not 'Config'",
        ),
        (
            "apiVersion: k8saudit.io/v1alpha1\nkind: AuditConfig\nx: !!python/name:os.system\n",
            "k8saudit.yaml:3: invalid YAML",
        ),
    ],
)
def test_the_document_itself(text: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_config(text, "k8saudit.yaml", KNOWN)
    assert str(caught.value).startswith(expected), str(caught.value)


def test_several_problems_name_the_first_and_count_the_rest() -> None:
    message = error(EXEMPTION.replace("    reason: x\n", "") + "severity:\n  pod.privileged: urgent\n")
    assert message.startswith("k8saudit.yaml:4: exemptions[0].reason: required field is missing")
    assert message.endswith("(and 1 more problem)")


def test_unreadable_files_are_one_line(tmp_path: Path) -> None:
    cases = {
        tmp_path / "missing.yaml": "not found",
        tmp_path: "is a directory, not a YAML file",
    }
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes(b"apiVersion: k8saudit.io/v1alpha1\nkind: AuditConfig\n# caf\xe9\n")
    cases[latin] = "not UTF-8 text"
    for path, expected in cases.items():
        with pytest.raises(InputError) as caught:
            load_config(path, KNOWN)
        assert str(caught.value) == f"config file {path}: {expected}"


def test_a_file_names_itself_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "audit.yaml"
    path.write_text(HEAD + "exemptions:\n  - checks: [nope]\n    reason: r\n    owner: o\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(path, KNOWN)
    assert str(caught.value).startswith(f"{path}:4: exemptions[0].checks[0]: unknown check id 'nope'")


# --- the command line ---------------------------------------------------------------------------------


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from k8saudit.cli import main

    monkeypatch.setattr(sys, "argv", ["k8saudit", *args])
    monkeypatch.delenv("K8SAUDIT_DEBUG", raising=False)
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "config file {path}: not found"),
        ("apiVersion: [\n", "{path}:2: invalid YAML: "),
        (HEAD + "exemptions:\n  - {checks: [pod.privileged], reason: r}\n", "{path}:4: exemptions[0].owner: required"),
    ],
    ids=["missing", "bad-yaml", "invalid"],
)
def test_scan_with_a_bad_config_exits_2_with_one_line_before_reading_anything(
    content: str | None, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    path = tmp_path / "k8saudit.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    # a kubeconfig that does not exist: a live scan would fail with exit 3, the config must fail first
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    code, out, err = run_cli(monkeypatch, capsys, "scan", "--config", str(path), "-d", str(tmp_path / "out"))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("k8saudit: error: " + expected.format(path=path)), err
    assert out == "" and not (tmp_path / "out").exists()


def test_scan_applies_the_config_and_the_default_exemption_switch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, "scan", "--demo", "--config", str(EXAMPLE), "-f", "json", "-o", "-")
    assert code == 0
    document = json.loads(out)
    assert document["config"]["file"] == str(EXAMPLE)
    assert document["config"]["defaultExemptions"]["enabled"] is True
    assert document["config"]["scope"]["exclude"] == ["kube-node-lease", "sandbox-*"]
    assert any(f["exemption"] and f["exemption"]["by"] == "default" for f in document["findings"])
    code, out, _ = run_cli(
        monkeypatch, capsys, "scan", "--demo", "--no-default-exemptions", "-f", "json", "-o", "-", "-q"
    )
    document = json.loads(out)
    assert document["config"]["file"] is None and document["config"]["defaultExemptions"]["enabled"] is False
    assert not any(f["exemption"] and f["exemption"]["by"] == "default" for f in document["findings"])


def test_config_validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    code, out, err = run_cli(monkeypatch, capsys, "config", "validate", str(EXAMPLE))
    assert (code, err) == (0, "") and out.startswith(f"{EXAMPLE}: valid (4 exemptions, 2 severity overrides")
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEAD + "severity:\n  pod.privileged: urgent\n", encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "config", "validate", str(bad))
    assert code == 2 and out == "" and err.startswith(f"k8saudit: error: {bad}:4: severity.pod.privileged: 'urgent'")


def test_the_readme_example_is_a_valid_config() -> None:
    import re

    readme = (EXAMPLE.parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "kind: AuditConfig" in b]
    assert len(blocks) == 1
    cfg = parse_config(blocks[0], "README.md")  # against the real catalogue
    assert cfg.exemptions[0].containers == ["istio-proxy"] and cfg.severity
