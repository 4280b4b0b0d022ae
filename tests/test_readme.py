"""The README stays true to the code: its ClusterRole is exactly what the collector lists, every
flag it shows exists, and its JSON schema and exit codes match the models and constants."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from k8saudit import cli
from k8saudit.model.findings import (
    CheckSummary,
    ClusterInfo,
    Coverage,
    Evidence,
    Exemption,
    Finding,
    Report,
    ResourceRef,
    Section,
    SectionScore,
    Severity,
    Status,
)
from k8saudit.model.kinds import KINDS, WORKLOAD_KINDS
from k8saudit.runtime import errors

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README text under `## title`, up to the next `## ` heading."""
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def code_blocks(lang: str | None = None) -> list[str]:
    blocks = re.findall(r"```(\w*)\n(.*?)```", README, re.S)
    return [body for tag, body in blocks if lang is None or tag == lang]


def yaml_documents() -> list[Any]:
    return [yaml.safe_load(block) for block in code_blocks("yaml")]


#: The one rule that is not get/list: the authorizer probe's SubjectAccessReview (stores nothing).
AUTHORIZER_PROBE_RULE = {
    "apiGroups": ["authorization.k8s.io"],
    "resources": ["subjectaccessreviews"],
    "verbs": ["create"],
}


def test_readme_cluster_role_is_exactly_what_the_collector_lists() -> None:
    (role,) = [d for d in yaml_documents() if isinstance(d, dict) and d.get("kind") == "ClusterRole"]
    granted: dict[str, set[str]] = {}
    reads = [r for r in role["rules"] if r != AUTHORIZER_PROBE_RULE]
    assert len(reads) == len(role["rules"]) - 1, "the authorizer probe's rule is missing"
    for rule in reads:
        assert sorted(rule["verbs"]) == ["get", "list"], rule
        for group in rule["apiGroups"]:
            granted.setdefault(group, set()).update(rule["resources"])
    needed: dict[str, set[str]] = {}
    for info in KINDS:
        needed.setdefault(info.group, set()).add(info.resource)
    assert granted == needed
    assert all("secrets" not in resources for resources in granted.values())


def test_readme_names_every_kind_a_workload_is_reported_as() -> None:
    """The Pod security section's list of what is judged: every kind that carries a pod template
    (a ReplicationController was missing from the code and the README alike before issue 15)."""
    judged = section("Checks").split("Judged per workload (", 1)[1].split(")", 1)[0]
    assert [kind for kind in WORKLOAD_KINDS if kind not in judged] == []


def test_readme_opt_in_rules_are_only_nodes_proxy_get_and_secrets_list() -> None:
    rules = [d for d in yaml_documents() if isinstance(d, list)]
    assert rules == [
        [{"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]}],  # --kubelet-config
        [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}],  # --secret-metadata
    ]


def _help(command: str) -> str:
    result = CliRunner().invoke(cli.app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def _commands() -> list[list[str]]:
    lines = []
    for block in code_blocks("sh"):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("k8saudit "):
                lines.append(shlex.split(line))
    return lines


def test_readme_shows_commands() -> None:
    assert len(_commands()) >= 8


@pytest.mark.parametrize("words", _commands(), ids=lambda w: " ".join(w[1:3]))
def test_readme_command_flags_exist(words: list[str]) -> None:
    command = words[1]
    flags = [w.split("=", 1)[0] for w in words[2:] if w.startswith("-") and w != "-"]
    if command.startswith("-"):
        return  # `k8saudit --version`
    helptext = _help(command)
    for flag in flags:
        assert re.search(rf"(^|[\s,/]){re.escape(flag)}\b", helptext, re.M), f"k8saudit {command} has no {flag}"


def test_readme_options_tables_name_real_flags() -> None:
    text = section("Quick start") + section("Command line")
    documented = set(re.findall(r"`(--[a-z][a-z0-9-]+)", text))
    helps = "".join(_help(command) for command in ("scan", "collect", "checks", "who-can"))
    known = set(re.findall(r"(--[a-z][a-z0-9-]+)", helps))
    known |= {"--version"}
    assert len(documented) >= 10
    assert documented - known == set()


def test_readme_exit_codes_match_the_code() -> None:
    table = dict(re.findall(r"^\| (\d) \| (.+?) \|$", README, re.M))
    assert sorted(table) == ["0", "1", "2", "3", "4"]
    assert int("1") == errors.EXIT_FINDINGS and "--fail-on" in table["1"]
    assert errors.EXIT_INPUT == 2 and "input" in table["2"].lower()
    assert errors.EXIT_CLUSTER == 3 and "cluster" in table["3"].lower()
    assert cli.EXIT_INTERNAL == 4 and "internal" in table["4"].lower()


@pytest.mark.parametrize(
    "model", [Report, ClusterInfo, Coverage, SectionScore, CheckSummary, Finding, ResourceRef, Evidence, Exemption]
)
def test_readme_json_schema_names_every_field(model: type[Any]) -> None:
    schema = section("JSON report")
    # `__pydantic_fields__`: models and pydantic dataclasses (Finding and what it holds) both have it
    missing = [name for name in model.__pydantic_fields__ if not re.search(rf"\b{name}\b", schema)]
    assert missing == [], f"{model.__name__} fields missing from the README's JSON schema"


def test_readme_names_every_status_severity_and_section() -> None:
    for value in [*Status, *Severity, *Section]:
        assert f"`{value.value}`" in README, value
    assert 'schemaVersion` | string | `"1"`' in README.replace("\\", "")


def check_table_rows() -> list[tuple[list[str], str]]:
    """(check ids, severity cell) of every row of the check tables under `## Checks`."""
    rows: list[tuple[list[str], str]] = []
    for line in section("Checks").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) < 2 or cells[0] in ("Check", "") or set(cells[0]) <= set("-: "):
            continue
        ids = re.findall(r"`([a-z][a-z-]*\.[a-z0-9.-]+)`", cells[0])
        if ids:
            rows.append((ids, cells[1]))
    return rows


def test_readme_check_tables_list_every_check_once_with_its_severity() -> None:
    from k8saudit.checks.registry import all_checks

    registered = {c.id: c for c in all_checks()}
    listed: list[str] = []
    wrong: list[str] = []
    for ids, severity in check_table_rows():
        listed.extend(ids)
        for check_id in ids:
            chk = registered.get(check_id)
            if chk is None:
                wrong.append(f"{check_id}: in the README, not in the catalogue")
            elif chk.severity.value not in severity:
                wrong.append(f"{check_id}: README says {severity!r}, the catalogue {chk.severity.value}")
    duplicates = sorted({i for i in listed if listed.count(i) > 1})
    missing = sorted(set(registered) - set(listed))
    assert wrong == [] and duplicates == [] and missing == [], (wrong, duplicates, missing)
