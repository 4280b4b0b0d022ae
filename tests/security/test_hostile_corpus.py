"""The nastiest inputs found or imagined, kept as files (tests/data/hostile/) and run through the
real entry point: each is refused with exit 2 and one line naming the file (and the document or
item), read (exit 0) when it is odd but valid, or read with its malformed object skipped (exit 0
and one warning line naming the file, the document or item, and the field: issue 15). Never a
traceback, never exit 4.

Large cases are generated here rather than committed: a 3 MB name, 1,000 levels of block YAML,
an endless device, a file over K8SAUDIT_MAX_INPUT_BYTES.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.runcli import clean_env
from tests.security.support import Outcome, assert_one_line_error, assert_one_line_warning, run_main

CORPUS = Path(__file__).resolve().parent.parent / "data" / "hostile"

ALIAS_BOMB = "refused as an alias bomb"
RECURSIVE = "contain itself"
NOT_UTF8 = "not UTF-8"
TOO_DEEP = "nesting too deep"

#: file -> (exit code, words the error names besides the file; for snapshots and manifests alike).
EXPECTED: dict[str, tuple[int, tuple[str, ...]]] = {
    "alias-bomb.yaml": (2, (":1:", ALIAS_BOMB)),
    "alias-bomb-in-labels.yaml": (2, (":1:", ALIAS_BOMB)),
    "alias-merge-bomb.yaml": (2, (":1:", ALIAS_BOMB)),
    "alias-recursive.yaml": (2, (":1:", RECURSIVE)),
    "alias-recursive-list.yaml": (2, (RECURSIVE,)),
    "binary.yaml": (2, (NOT_UTF8,)),
    "gzip.json": (2, (NOT_UTF8,)),
    "utf16.yaml": (2, (NOT_UTF8,)),
    "latin1.yaml": (2, (NOT_UTF8,)),
    "control-character.yaml": (2, ("line 3", "#x0008")),
    "escape-sequence.yaml": (2, ("line 3", "#x001b")),
    "nul-byte.yaml": (2, ("line 3", "#x0000")),
    "deep-nesting.json": (2, (TOO_DEEP,)),
    "deep-nesting-object.json": (2, (TOO_DEEP,)),
    "deep-nesting.yaml": (2, (TOO_DEEP,)),
    "not-a-mapping.yaml": (2, ("not a Kubernetes object but a list",)),
    "scalar.json": (2, ("not a Kubernetes object but plain text",)),
    "no-kind.yaml": (2, ("no kind",)),
    "kind-not-a-string.yaml": (2, ("no kind",)),
    "items-not-a-list.json": (2, ("no items list",)),
    "list-item-not-a-mapping.json": (2, ("item 1", "not a Kubernetes object but a number")),
    "huge-integer.json": (2, ("a value cannot be read",)),
    "impossible-date.yaml": (2, (":1:", "a value cannot be read", "day is out of range")),
    "python-tag.yaml": (2, ("line 3", "python/object/apply")),
    "unhashable-key.yaml": (2, ("unhashable key",)),
    "tab-indent.yaml": (2, ("line 4",)),
    "unterminated.yaml": (2, ("not valid YAML",)),
    "truncated.json": (2, ("not valid YAML or JSON",)),
    "clusterfacts-broken.json": (2, ("item 0", "ClusterFacts", "spec.kinds")),
    # odd but valid: read, and nothing bad comes of it
    "empty.yaml": (0, ()),
    "only-comments.yaml": (0, ()),
    "utf8-bom.yaml": (0, ()),
    "secret-only.yaml": (0, ()),
    "nul-in-json.json": (0, ()),
    "deep-in-a-field.json": (0, ()),
}

#: file -> words the one warning line names besides the file: an object of a kind k8saudit audits
#: that is malformed (with its nulls read as absent) is skipped and the rest is audited (issue 15).
SKIPPED_EXPECTED: dict[str, tuple[str, ...]] = {
    "containers-a-string.yaml": ("skipped a malformed Pod", "spec.containers"),
    "metadata-a-list.yaml": ("skipped a malformed Deployment", "metadata"),
    "name-a-number.yaml": ("skipped a malformed", "metadata.name"),
    "labels-a-string.yaml": ("skipped a malformed", "metadata.labels"),
    "nan-replicas.json": ("skipped a malformed", "spec.replicas", "finite"),
    "infinity.yaml": ("skipped a malformed", "runAsUser", "finite"),
    "second-document-broken.yaml": (":5:", "skipped a malformed Namespace", "metadata.name"),
}

CONFIG_EXPECTED: dict[str, tuple[str, ...]] = {
    "config-alias-bomb.yaml": (":1:", ALIAS_BOMB),
    "config-recursive.yaml": (RECURSIVE,),
    "config-deep.yaml": ("nested too deep",),
    "config-control-character.yaml": (":3:", "#x001b"),
    "config-binary.yaml": (NOT_UTF8,),
    "config-a-list.yaml": (":1:", "must be a mapping"),
    "config-wrong-types.yaml": (":4:", "exemptions[0].checks"),
    "config-python-tag.yaml": (":3:", "python/name"),
    "config-huge-integer.yaml": ("a value cannot be read",),
}


def check(outcome: Outcome, path: Path, code: int, words: tuple[str, ...]) -> None:
    if code == 0:
        assert outcome.code == 0, outcome.stderr
        assert outcome.stderr == ""
        assert "findings" in outcome.report()
    else:
        assert_one_line_error(outcome, code, str(path), *words)


def test_every_corpus_file_has_an_expectation() -> None:
    assert {p.name for p in CORPUS.iterdir()} == set(EXPECTED) | set(SKIPPED_EXPECTED) | set(CONFIG_EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_as_manifests_and_as_a_snapshot(name: str) -> None:
    path = CORPUS / name
    code, words = EXPECTED[name]
    check(run_main("scan", "--manifests", path, "-f", "json", "-o", "-", "-q"), path, code, words)
    snapshot_words = tuple(w for w in words if not w.startswith(":1:"))  # a snapshot's first document has no line
    check(run_main("scan", "--snapshot", path, "-f", "json", "-o", "-", "-q"), path, code, snapshot_words)


@pytest.mark.parametrize("name", sorted(SKIPPED_EXPECTED))
def test_corpus_malformed_objects_are_skipped_with_one_warning(name: str) -> None:
    path = CORPUS / name
    words = SKIPPED_EXPECTED[name]
    for flag, where in (("--manifests", words), ("--snapshot", tuple(w for w in words if not w.startswith(":1:")))):
        outcome = run_main("scan", flag, path, "-f", "json", "-o", "-", "-q")
        assert_one_line_warning(outcome, str(path), *where)
        assert "findings" in outcome.report()


@pytest.mark.parametrize("name", sorted(CONFIG_EXPECTED))
def test_corpus_as_a_config_file(name: str, tmp_path: Path) -> None:
    path = CORPUS / name
    assert_one_line_error(run_main("config", "validate", path), 2, str(path), *CONFIG_EXPECTED[name])
    manifest = tmp_path / "ns.yaml"
    manifest.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    outcome = run_main("scan", "--manifests", manifest, "--config", path, "-o", tmp_path / "r.json", "-f", "json")
    assert_one_line_error(outcome, 2, str(path), *CONFIG_EXPECTED[name])
    assert not (tmp_path / "r.json").exists()


def test_nothing_in_the_corpus_ran_code() -> None:
    assert not Path("/tmp/k8saudit-pwned").exists()  # python-tag.yaml would have written it


# --- generated: too big to commit ----------------------------------------------------------------------


def test_a_huge_name_and_block_nesting(tmp_path: Path) -> None:
    huge = tmp_path / "huge-name.json"
    huge.write_text(json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n" * 3_000_000}}))
    assert run_main("scan", "--manifests", huge, "-f", "json", "-o", tmp_path / "r.json", "-q").code == 0
    block = tmp_path / "deep-block.yaml"
    block.write_text("".join("  " * i + f"k{i}:\n" for i in range(1200)) + "  " * 1200 + "v\n")
    for flag in ("--manifests", "--snapshot"):
        outcome = run_main("scan", flag, block, "-f", "json", "-o", "-", "-q")
        assert outcome.code in (0, 2), outcome.stderr
        if outcome.code == 2:
            assert_one_line_error(outcome, 2, str(block))


def test_an_input_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [{"kind": "Namespace"}] * 400}))
    env = {"K8SAUDIT_MAX_INPUT_BYTES": "1000"}
    for args in (["scan", "--snapshot", big], ["scan", "--manifests", big], ["config", "validate", big]):
        line = assert_one_line_error(run_main(*args, env=env), 2, str(big), "1000-byte input limit")
        assert "K8SAUDIT_MAX_INPUT_BYTES" in line
    assert (
        run_main("scan", "--snapshot", big, "-o", "-", "-f", "json", env={"K8SAUDIT_MAX_INPUT_BYTES": "100000"}).code
        == 0
    )
    bad = run_main("scan", "--snapshot", big, env={"K8SAUDIT_MAX_INPUT_BYTES": "lots"})
    assert_one_line_error(bad, 2, "K8SAUDIT_MAX_INPUT_BYTES")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_device_is_refused(device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    for args in (["scan", "--snapshot", device], ["scan", "--manifests", device], ["config", "validate", device]):
        assert_one_line_error(run_main(*args), 2, device, "device")


def test_a_pipe_is_read_up_to_the_limit(tmp_path: Path) -> None:
    """`--snapshot <(kubectl get ... -o json)`: a pipe has no size; the limit applies while reading."""
    script = (
        "import os, sys\n"
        "r, w = os.pipe()\n"
        "if os.fork() == 0:\n"
        "    os.close(r)\n"
        "    try:\n"
        "        while True: os.write(w, b' ' * 65536)\n"
        "    except OSError: os._exit(0)\n"
        "os.close(w)\n"
        "sys.argv = ['k8saudit', 'scan', '--snapshot', f'/dev/fd/{r}']\n"
        "from k8saudit.cli import main\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=clean_env(HOME=str(tmp_path), K8SAUDIT_MAX_INPUT_BYTES="1000000"),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert "1000000-byte input limit" in line


def test_a_file_name_cannot_break_the_error_line(tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    folder.mkdir()
    path = folder / "bad\nname\x1b[2J.yaml"
    path.write_text("kind: [x]\n")
    outcome = run_main("scan", "--manifests", folder)
    line = assert_one_line_error(outcome, 2, "no kind")
    assert "\x1b" not in line and "\\x1b[2J" in line


@pytest.mark.parametrize("name", ["alias-bomb.yaml", "binary.yaml", "huge-integer.json", "second-document-broken.yaml"])
def test_the_installed_command_on_the_worst_files(name: str, tmp_path: Path) -> None:
    from tests.integration.runcli import run_cli

    path = CORPUS / name
    skipped = name in SKIPPED_EXPECTED  # a scan skips the malformed object; a config file is never lenient
    for args in (["scan", "--manifests", path], ["scan", "--snapshot", path], ["config", "validate", path]):
        result = run_cli(*args, cwd=tmp_path)
        lenient = skipped and args[0] == "scan"
        assert result.returncode == (0 if lenient else 2), result.stderr
        assert "Traceback" not in result.stderr
        (line,) = result.stderr.splitlines()
        prefix = "k8saudit: warning: " if lenient else "k8saudit: error: "
        assert line.startswith(prefix) and str(path) in line
