"""GitHub code scanning's rules for an uploaded SARIF file, as a checker the tests run.

From GitHub's documentation ("SARIF support for code scanning", "SARIF results exceed one or more
limits", "SARIF results file is too large") and what its ingestion answers when a rule is broken
("locationFromSarifResult: expected at least one location"). Each error names the rule it breaks,
so a test can break one rule at a time and see that exactly it is reported:

- `runs`: at most 20 runs per file;
- `results-per-run`, `rules-per-run`: at most 25,000 of each per run (more: the upload is rejected);
- `location`: every result has at least one location with `physicalLocation.artifactLocation.uri`;
- `relative-uri`: the URI is relative (to the repository) or a `file:` URI: GitHub shows nothing else;
- `region`: a location's `region.startLine` is at least 1;
- `locations-per-result`: at most 1,000 locations per result;
- `fingerprints`: every result has `partialFingerprints` (without them GitHub guesses from the
  file's content, which a cluster's pseudo path does not have, and alerts duplicate);
- `rule-id`: a result's `ruleId` (and `ruleIndex`) name a rule of the run;
- `message`: a result's `message.text` is not empty;
- `rule-text`: a rule has `shortDescription.text` and `fullDescription.text`;
- `rule-help`: a rule has `help.text` and `help.markdown` (GitHub shows the Markdown on the alert);
- `security-severity`: a rule's `properties.security-severity` is a string holding a number
  above 0 and at most 10 (GitHub maps over 9 to critical, 7 to 8.9 high, 4 to 6.9 medium);
- `tags-per-rule`: at most 20 tags;
- `gzip-size`: at most 10 MB gzipped (the upload's size limit).

And one rule of k8saudit's own that the issue asks for: `not-assessable`: nothing that could not be
judged is a result (GitHub would show it as an alert); it belongs in the tool's notifications.
"""

from __future__ import annotations

import gzip
import json
from typing import Any
from urllib.parse import urlsplit

MAX_RUNS = 20
MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_LOCATIONS = 1_000
MAX_TAGS = 20
MAX_GZIP_BYTES = 10 * 1024 * 1024


def ingestion_errors(data: bytes) -> list[str]:
    """Every rule `data` (a SARIF file as bytes) breaks, as `rule: where: what`."""
    errors: list[str] = []
    if len(data) > MAX_GZIP_BYTES and len(gzip.compress(data)) > MAX_GZIP_BYTES:
        errors.append(f"gzip-size: {len(gzip.compress(data))} bytes gzipped, over {MAX_GZIP_BYTES}")
    document = json.loads(data)
    runs = document.get("runs", [])
    if len(runs) > MAX_RUNS:
        errors.append(f"runs: {len(runs)} runs, over {MAX_RUNS}")
    for r, run in enumerate(runs):
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        results = run.get("results", [])
        if len(results) > MAX_RESULTS:
            errors.append(f"results-per-run: run {r} has {len(results)} results, over {MAX_RESULTS}")
        if len(rules) > MAX_RULES:
            errors.append(f"rules-per-run: run {r} has {len(rules)} rules, over {MAX_RULES}")
        for i, rule in enumerate(rules):
            errors += [f"{e}: run {r} rule {i} ({rule.get('id')})" for e in _rule_errors(rule)]
        ids = [rule.get("id") for rule in rules]
        for i, result in enumerate(results):
            errors += [f"{e}: run {r} result {i}" for e in _result_errors(result, ids)]
    return errors


def _rule_errors(rule: dict[str, Any]) -> list[str]:
    errors = []
    if not rule.get("id"):
        errors.append("rule-id: no id")
    if not _text(rule, "shortDescription") or not _text(rule, "fullDescription"):
        errors.append("rule-text: no shortDescription.text or fullDescription.text")
    help_ = rule.get("help") or {}
    if not help_.get("text") or not help_.get("markdown"):
        errors.append("rule-help: no help.text or help.markdown")
    properties = rule.get("properties") or {}
    severity = properties.get("security-severity")
    if not _severity_ok(severity):
        errors.append(f"security-severity: {severity!r} is not a string of a number in (0, 10]")
    if len(properties.get("tags", [])) > MAX_TAGS:
        errors.append(f"tags-per-rule: {len(properties['tags'])} tags")
    return errors


def _result_errors(result: dict[str, Any], rule_ids: list[Any]) -> list[str]:
    errors = []
    if result.get("ruleId") not in rule_ids:
        errors.append(f"rule-id: {result.get('ruleId')!r} is no rule of the run")
    elif "ruleIndex" in result and rule_ids[result["ruleIndex"]] != result["ruleId"]:
        errors.append("rule-id: ruleIndex names another rule")
    if not (result.get("message") or {}).get("text"):
        errors.append("message: no message.text")
    fingerprints = result.get("partialFingerprints")
    if (
        not isinstance(fingerprints, dict)
        or not fingerprints
        or not all(isinstance(v, str) for v in fingerprints.values())
    ):
        errors.append("fingerprints: no partialFingerprints")
    if result.get("kind") == "review" or result.get("level") == "none" or _status(result) == "not-assessable":
        errors.append("not-assessable: a result for something not judged")
    locations = result.get("locations") or []
    if not locations:
        errors.append("location: expected at least one location")
    if len(locations) > MAX_LOCATIONS:
        errors.append(f"locations-per-result: {len(locations)} locations")
    for location in locations:
        errors += _location_errors(location)
    return errors


def _location_errors(location: dict[str, Any]) -> list[str]:
    physical = location.get("physicalLocation") or {}
    uri = (physical.get("artifactLocation") or {}).get("uri")
    if not uri:
        return ["location: no physicalLocation.artifactLocation.uri"]
    errors = []
    scheme = urlsplit(uri).scheme
    if scheme and scheme != "file":
        errors.append(f"relative-uri: {uri!r} is neither relative nor a file: URI")
    region = physical.get("region")
    if region is not None and not (isinstance(region.get("startLine"), int) and region["startLine"] >= 1):
        errors.append(f"region: startLine {region.get('startLine')!r}")
    return errors


def _text(obj: dict[str, Any], key: str) -> str:
    value = (obj.get(key) or {}).get("text")
    return value if isinstance(value, str) else ""


def _status(result: dict[str, Any]) -> Any:
    return (result.get("properties") or {}).get("status")


def _severity_ok(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        number = float(value)
    except ValueError:
        return False
    return 0 < number <= 10
