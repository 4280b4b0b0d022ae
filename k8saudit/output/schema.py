"""The JSON Schemas (draft 2020-12) of the JSON report, of `k8saudit diff --format json` and of
the fleet report (`fleet.json`).

All are generated from the pydantic models (`k8saudit.model.findings`, `k8saudit.model.fleet`) and committed under
`k8saudit/schemas/`, so a consumer reads the contract without running the tool, and a change of
the models that forgets the committed schema fails the tests (`python -m k8saudit.output.schema`
regenerates them). `schemaVersion` is required and pinned by the schema: a report of another
version does not validate against this one. Properties the schema does not name are admitted: a
newer k8saudit of the same version may add optional fields, and older readers ignore them.

Every JSON report the test suite produces is validated against it: the suite sets
`K8SAUDIT_VALIDATE_REPORTS=1`, which makes `k8saudit.output.json_report` check each JSON report before
returning or renaming it into place (needs `jsonschema`, a test dependency).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from k8saudit.model.findings import SCHEMA_VERSION, Comparison, Report
from k8saudit.model.fleet import FLEET_KIND, FLEET_SCHEMA_VERSION, FleetReport

SCHEMA_DIR = Path(__file__).parent.parent / "schemas"
REPORT_SCHEMA = SCHEMA_DIR / "report.schema.json"
DIFF_SCHEMA = SCHEMA_DIR / "diff.schema.json"
FLEET_SCHEMA = SCHEMA_DIR / "fleet.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def report_schema() -> dict[str, Any]:
    """The report schema as generated from `Report` (what `report.schema.json` must hold)."""
    schema = Report.model_json_schema(mode="serialization")
    schema["properties"]["schemaVersion"] = {
        "const": SCHEMA_VERSION,
        "description": "Bumped on any incompatible change of this schema; fields added later keep it, "
        "so readers ignore properties they do not know.",
        "title": "Schemaversion",
        "type": "string",
    }
    schema["required"] = ["schemaVersion", *(name for name in schema["required"] if name != "schemaVersion")]
    return {
        "$schema": DRAFT,
        "$id": f"urn:k8saudit:schema:report:{SCHEMA_VERSION}",
        **{k: v for k, v in schema.items() if k != "title"},
        "title": "k8saudit report",
        "description": "A k8saudit scan: score, coverage, per-check summaries, findings (failures, exemptions, "
        "not-assessable results; passes are counted, not listed), the access review, Pod Security readiness, "
        "the node inventory, the configuration, and what changed since a baseline scan. See the README's "
        "JSON report section.",
    }


def diff_schema() -> dict[str, Any]:
    """The schema of `k8saudit diff --format json` (a `Comparison`)."""
    schema = Comparison.model_json_schema(mode="serialization")
    return {
        "$schema": DRAFT,
        "$id": f"urn:k8saudit:schema:diff:{SCHEMA_VERSION}",
        **{k: v for k, v in schema.items() if k != "title"},
        "title": "k8saudit diff",
    }


def fleet_schema() -> dict[str, Any]:
    """The schema of a fleet report (`k8saudit fleet`, a multi-cluster scan's `fleet.json`): its
    own version, apart from the cluster report's, and a `kind` no cluster report has."""
    schema = FleetReport.model_json_schema(mode="serialization")
    schema["properties"]["schemaVersion"] = {
        "const": FLEET_SCHEMA_VERSION,
        "description": "The fleet report's schema version, bumped on any incompatible change of this schema.",
        "title": "Schemaversion",
        "type": "string",
    }
    schema["properties"]["kind"] = {
        "const": FLEET_KIND,
        "description": "Tells a fleet report from one cluster's report.",
        "title": "Kind",
        "type": "string",
    }
    schema["required"] = sorted({*schema.get("required", []), "schemaVersion", "kind"})
    return {
        "$schema": DRAFT,
        "$id": f"urn:k8saudit:schema:fleet:{FLEET_SCHEMA_VERSION}",
        **{k: v for k, v in schema.items() if k != "title"},
        "title": "k8saudit fleet report",
        "description": "Many clusters' k8saudit reports side by side: one row per cluster (its latest scan, the "
        "earlier ones as its trend, or why it could not be scanned), the checks failing on most clusters, and the "
        "inputs left out. See the README's Fleets section.",
    }


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


@cache
def _validator(path: Path) -> Any:
    import jsonschema  # type: ignore[import-untyped]  # a test dependency, no stubs needed

    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def errors(document: Any, schema: Path = REPORT_SCHEMA) -> list[str]:
    """Every way `document` breaks the committed schema, as `path: message` lines (empty: valid)."""
    found = sorted(_validator(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in found]


def validate(document: Any, schema: Path = REPORT_SCHEMA) -> None:
    """Raise ValueError naming the first problems when `document` does not validate."""
    problems = errors(document, schema)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ValueError(f"not a valid {schema.name}: " + "; ".join(problems[:5]) + more)


def main() -> None:
    """Regenerate the committed schemas from the models."""
    SCHEMA_DIR.mkdir(exist_ok=True)
    REPORT_SCHEMA.write_text(dumps(report_schema()), encoding="utf-8")
    DIFF_SCHEMA.write_text(dumps(diff_schema()), encoding="utf-8")
    FLEET_SCHEMA.write_text(dumps(fleet_schema()), encoding="utf-8")
    print(f"wrote {REPORT_SCHEMA}, {DIFF_SCHEMA} and {FLEET_SCHEMA}")


if __name__ == "__main__":
    main()
