"""The container image, checked without Docker (no engine runs here, and hadolint is not
installed): the Dockerfile parsed and held to the image's promises, the build context it
gets, and the installed CLI shown to write nowhere but its report volume and its tmpfs.
`make image` builds the real thing (Docker or podman), and the e2e tier builds it and runs it
as deploy/'s CronJob on a real node (tests/e2e/test_incluster.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deploy_support import DEPLOY, one, render

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for instr, args in self.instructions if instr == keyword]


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """(global ARG defaults, stages): instructions with continuations joined, comments dropped."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        instr, _, rest = line.partition(" ")
        instr, rest = instr.upper(), rest.strip()
        if instr == "FROM":
            match = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", rest, re.I)
            assert match, line
            stages.append(Stage(match[1], match[2]))
        elif not stages:
            assert instr == "ARG", f"only ARG may come before the first FROM: {line}"
            name, _, default = rest.partition("=")
            args[name] = default
        else:
            stages[-1].instructions.append((instr, rest))
    return args, stages


def resolve(ref: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args[m[1] or m[2]], ref)


def env_of(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in stage.all("ENV"):
        for key, value in re.findall(r'(\w+)=("[^"]*"|\S+)', args):
            env[key] = value.strip('"')
    return env


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse(DOCKERFILE.read_text())


def test_multi_stage_from_a_pinned_slim_python_311(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    args, stages = dockerfile
    assert len(stages) >= 2 and stages[0].name
    for stage in stages:
        image = resolve(stage.base, args)
        repo, _, tag = image.split("@")[0].rpartition(":")
        assert repo == "python" and tag and tag != "latest", image
        assert tag.startswith("3.11") and "slim" in tag, image


def test_the_final_stage_runs_k8saudit_as_a_numeric_non_root_user(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    _, stages = dockerfile
    final = stages[-1]
    (user,) = final.all("USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) > 0 and (not gid or (gid.isdigit() and int(gid) > 0)), user
    assert [instr for instr, _ in final.instructions][-2:] == ["ENTRYPOINT", "CMD"]
    assert json.loads(final.all("ENTRYPOINT")[0]) == ["k8saudit"]  # exec form: k8saudit is PID 1 and gets SIGTERM
    # the CronJob runs it as that same user
    pod = one(render(DEPLOY), "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == int(uid)
    assert pod["containers"][0]["securityContext"]["runAsUser"] == int(uid)


def test_the_final_stage_works_on_a_read_only_root_filesystem(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    _, stages = dockerfile
    final = stages[-1]
    env = env_of(final)
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["HOME"] == env["TMPDIR"] == "/tmp"  # the pod mounts a tmpfs there
    assert env["K8SAUDIT_LOG_FORMAT"] == "auto"
    assert final.all("WORKDIR")[-1] == "/reports"  # the report volume
    user = final.all("USER")[0]
    assert f"chown {user} /reports" in " ".join(final.all("RUN"))


def test_the_final_stage_installs_the_built_wheels_and_keeps_no_build_tools(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    _, stages = dockerfile
    build, final = stages[0], stages[-1]
    assert "pip wheel" in " ".join(build.all("RUN"))
    runs = " ".join(final.all("RUN"))
    assert f"--mount=type=bind,from={build.name},source=/wheels" in runs  # no wheel files left in a layer
    assert "--no-index" in runs and "--no-cache-dir" in runs
    assert re.search(r"pip uninstall --yes pip setuptools wheel", runs)
    assert not final.all("COPY") and not final.all("ADD"), "no sources in the final image"
    assert not re.search(r"apt-get|apk |gcc|build-essential|python3-dev", runs)
    assert not any(instr == "ADD" for stage in stages for instr, _ in stage.instructions), "ADD: use COPY"


def test_oci_labels(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    _, stages = dockerfile
    labels = dict(re.findall(r'(org\.opencontainers\.image\.\w+)="([^"]*)"', " ".join(stages[-1].all("LABEL"))))
    for key in ("title", "description", "version", "revision", "created", "licenses", "source"):
        assert labels.get(f"org.opencontainers.image.{key}"), key
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert labels["org.opencontainers.image.licenses"] == project["license"]["text"]


# --- the build context ---------------------------------------------------------------------------


def _pattern(glob: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(glob):
        if glob.startswith("**", i):
            out, i = out + ".*", i + 2
        elif glob[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif glob[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(glob[i]), i + 1
    return re.compile(out)


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last pattern matching the path or a parent folder wins."""
    parts = path.split("/")
    result = False
    for raw in patterns:
        negate = raw.startswith("!")
        glob = raw[1:] if negate else raw
        regex = _pattern(glob.strip("/"))
        if any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            result = not negate
    return result


def test_the_build_context_holds_what_the_wheel_needs_and_nothing_else() -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = ["pyproject.toml", pyproject["project"]["readme"], *wheel["packages"], *wheel["force-include"]]
    _, stages = parse(DOCKERFILE.read_text())
    copied = [src for args in stages[0].all("COPY") for src in args.split()[:-1] if not src.startswith("--")]
    assert sorted(copied) == sorted(needed)
    for path in [*needed, "k8saudit/cli/__init__.py", "templates/report.html"]:
        assert (REPO / path).exists() and not ignored(path, patterns), path
    for path in (
        ".git/config",
        ".venv/bin/python",
        "tests/test_image.py",
        "deploy/base/cronjob.yaml",
        "k8saudit-report",
    ):
        assert ignored(path, patterns), path
    assert ignored("k8saudit/__pycache__/cli.cpython-311.pyc", patterns)


# --- the installed CLI writes only to its volume and its tmpfs -----------------------------------

#: Runs k8saudit's entry point with an audit hook that records every path opened for writing,
#: created, renamed, linked or removed (CPython's audit events; sys.addaudithook).
WRITE_RECORDER = r"""
import os, sys

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
record = open(os.environ.pop("WRITES_LOG"), "w", buffering=1)  # opened before the hook: not recorded

def path(value):
    if isinstance(value, (str, bytes, os.PathLike)):
        return os.path.abspath(os.fsdecode(value))
    return None

def hook(event, args):
    paths = []
    if event == "open":
        file, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS
        )
        if writing:
            paths = [file]
    elif event in ("os.rename", "shutil.copyfile", "shutil.copytree"):
        paths = [args[1]]
    elif event in ("os.mkdir", "os.remove", "os.rmdir", "shutil.rmtree", "os.truncate", "os.chmod",
                   "os.chown", "os.utime", "tempfile.mkstemp", "tempfile.mkdtemp"):
        paths = [args[0]]
    elif event in ("os.symlink", "os.link"):
        paths = [args[1]]
    for value in paths:
        resolved = path(value)
        if resolved is not None:
            record.write(event + " " + resolved + "\n")

sys.addaudithook(hook)
from k8saudit.cli import main
sys.argv = ["k8saudit", *sys.argv[1:]]
main()
"""


def run_recording_writes(
    args: list[str], *, volume: Path, tmpfs: Path, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """The CLI as the image runs it (HOME and TMPDIR on the tmpfs, no byte code, cwd the volume)."""
    log = volume.parent / "writes.log"
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "K8SAUDIT_DEBUG")}
    env.update(PYTHONDONTWRITEBYTECODE="1", HOME=str(tmpfs), TMPDIR=str(tmpfs), WRITES_LOG=str(log))
    env.update(extra_env or {})
    proc = subprocess.run(
        [sys.executable, "-c", WRITE_RECORDER, *args],
        cwd=volume,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc, log.read_text().splitlines()


def outside(writes: list[str], *roots: Path) -> list[str]:
    allowed = [str(r.resolve()) for r in roots]
    return [
        w
        for w in writes
        if not any(w.split(" ", 1)[1].startswith(a + os.sep) or w.split(" ", 1)[1] == a for a in allowed)
    ]


def test_a_scan_writes_only_to_the_report_volume_and_tmp(tmp_path: Path) -> None:
    volume, tmpfs = tmp_path / "reports", tmp_path / "tmp"
    volume.mkdir()
    tmpfs.mkdir()
    args = ["scan", "--demo", "--output-dir", str(volume), "--timestamped", "--keep", "1", "--log-format", "json"]
    for _ in range(2):  # the second run also swaps latest and prunes
        proc, writes = run_recording_writes(args, volume=volume, tmpfs=tmpfs)
        assert proc.returncode == 0, proc.stderr
    assert any(w.startswith("os.rename ") and "/reports/" in w for w in writes), "the recorder saw no write"
    assert outside(writes, volume, tmpfs) == []
    assert sorted(p.name for p in volume.iterdir())[-1] == "latest"


def test_the_recorder_sees_writes_elsewhere(tmp_path: Path) -> None:
    """The guard above can fail: with the default output folder under cwd=/somewhere-else."""
    volume, tmpfs, elsewhere = tmp_path / "reports", tmp_path / "tmp", tmp_path / "elsewhere"
    for d in (volume, tmpfs, elsewhere):
        d.mkdir()
    proc, writes = run_recording_writes(
        ["scan", "--demo", "-q", "--output-dir", str(elsewhere)], volume=volume, tmpfs=tmpfs
    )
    assert proc.returncode == 0, proc.stderr
    assert outside(writes, volume, tmpfs) and all(str(elsewhere) in w for w in outside(writes, volume, tmpfs))
