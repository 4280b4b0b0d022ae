"""`ScanRequest.from_options`: every cross-check of the scan options, each its one-line error,
and what a valid request decides (source, formats, threshold). No cluster, nothing read."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import pytest

from k8saudit.cli.scan_request import ScanRequest
from k8saudit.model.findings import Severity
from k8saudit.output.formats import by_name
from k8saudit.runtime.errors import InputError
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.live import LiveOptions

SNAP = Path("snap.json")
MANIFESTS = [Path("a.yaml"), Path("deploy/")]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"snapshot": SNAP, "demo": True}, "give only one of --snapshot, --manifests or --demo"),
        ({"snapshot": SNAP, "manifests": MANIFESTS}, "give only one of --snapshot, --manifests or --demo"),
        ({"manifests": MANIFESTS, "demo": True}, "give only one of --snapshot, --manifests or --demo"),
        ({"keep": 3}, "--keep applies to --timestamped report folders: add --timestamped"),
        ({"keep": 0}, "--keep applies to --timestamped report folders: add --timestamped"),
        (
            {"timestamped": True, "output": "r.json", "formats": ["json"]},
            "--timestamped writes report folders under --output-dir: it cannot be used with --output",
        ),
        ({"fail_on_new": True}, "--fail-on-new compares with a previous report: add --baseline OLD.json"),
        ({"output": "r.json"}, "--output writes one report: give exactly one --format (for example --format json)"),
        (
            {"output": "-", "formats": ["json", "md"]},
            "--output writes one report: give exactly one --format (for example --format json)",
        ),
    ],
)
def test_each_conflict_is_its_one_line_input_error(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as raised:
        ScanRequest.from_options(**options)
    assert str(raised.value) == message
    assert raised.value.exit_code == 2


def test_the_first_conflict_in_the_options_order_is_the_one_reported() -> None:
    with pytest.raises(InputError, match="give only one"):
        ScanRequest.from_options(demo=True, snapshot=SNAP, keep=1, fail_on_new=True, output="x", formats=["a"])


def test_defaults_are_a_live_scan_writing_html_md_and_json() -> None:
    live = LiveOptions(context="prod", page_size=50)
    request = ScanRequest.from_options(live=live)
    assert request.source.live is live
    assert (request.source.snapshot, request.source.manifests) == (None, ())
    assert request.formats == (by_name("html"), by_name("md"), by_name("json"))
    assert request.output_dir == Path("k8saudit-report") and request.output is None
    assert (request.fail_on, request.fail_on_new, request.keep) == (None, False, None)
    assert request.annotation_exemptions and request.default_exemptions


def test_demo_snapshot_and_manifests_are_each_their_source() -> None:
    assert ScanRequest.from_options(demo=True).source.snapshot == snapshot_path()
    assert ScanRequest.from_options(demo=True).source.live is None
    assert ScanRequest.from_options(snapshot=SNAP).source.snapshot == SNAP
    from_manifests = ScanRequest.from_options(manifests=MANIFESTS).source
    assert from_manifests.manifests == tuple(MANIFESTS) and from_manifests.live is None


def test_options_become_decided_values() -> None:
    request = ScanRequest.from_options(
        snapshot=SNAP,
        formats=["sarif", "junit"],
        fail_on="high",
        baseline=Path("old.json"),
        fail_on_new=True,
        timestamped=True,
        keep=0,
        annotation_exemptions=False,
    )
    assert [f.file_name for f in request.formats] == ["report.sarif", "report.junit.xml"]
    assert request.fail_on is Severity.HIGH and request.fail_on_new
    assert request.keep == 0 and request.timestamped and not request.annotation_exemptions
    assert ScanRequest.from_options(fail_on="none").fail_on is None
    assert ScanRequest.from_options(output="-", formats=["md"]).formats == (by_name("md"),)


def test_an_unknown_format_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown format 'pdf'; choose one of html, md, json, sarif, junit"):
        ScanRequest.from_options(formats=["pdf"])


def test_a_request_is_frozen() -> None:
    request = ScanRequest.from_options(demo=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.fail_on_new = True


@pytest.mark.parametrize("output", ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_with_the_report_on_stdout_the_terminal_is_stderr(output: str) -> None:
    assert ScanRequest.from_options(output=output, formats=["json"]).terminal is sys.stderr
    assert ScanRequest.from_options(output="r.json", formats=["json"]).terminal is sys.stdout
    assert ScanRequest.from_options().terminal is sys.stdout
