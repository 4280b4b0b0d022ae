"""JSON event logs: one object per line, what the scan did, never a value from the cluster."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from k8saudit.cli import app
from k8saudit.runtime import log

E2E_MANIFESTS = Path(__file__).resolve().parents[2] / "e2e" / "manifests"
E2E_CANARY = "e2ec4n4ry"  # in every secret value tests/e2e/manifests/insecure.yaml plants


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(autouse=True)
def _reset() -> Any:
    yield
    log.reset()


def test_an_event_is_one_json_line_without_empty_fields() -> None:
    out = io.StringIO()
    events = log.EventLog(out)
    events.event("list", kind="Pod", count=3, reason=None)
    events.event("collect", "warning", ms=12)
    first, second = lines(out.getvalue())
    assert set(first) == {"ts", "level", "event", "kind", "count"}
    assert first["ts"].endswith("Z") and first["level"] == "info" and first["kind"] == "Pod"
    assert second["level"] == "warning" and second["ms"] == 12


def test_quiet_keeps_warnings_and_errors_only() -> None:
    out = io.StringIO()
    events = log.EventLog(out, quiet=True)
    events.event("start")
    events.event("list", "warning", kind="Node", status="forbidden")
    events.event("error", "error", message="boom")
    assert [e["event"] for e in lines(out.getvalue())] == ["list", "error"]


def test_auto_is_json_unless_a_terminal() -> None:
    assert log.resolve(log.LogFormat.auto, io.StringIO()) is log.LogFormat.json
    assert log.resolve(log.LogFormat.auto, Terminal()) is log.LogFormat.human
    assert log.resolve(log.LogFormat.human, io.StringIO()) is log.LogFormat.human
    assert not log.configure(log.LogFormat.auto, stream=Terminal()).enabled


def test_package_logging_becomes_events_until_reset() -> None:
    out = io.StringIO()
    log.configure(log.LogFormat.json, stream=out)
    logging.getLogger("k8saudit.sources.live").warning("listing %s failed: HTTP %d", "pods", 500)
    logging.getLogger("k8saudit.sources.live").debug("not at info level")
    (event,) = lines(out.getvalue())
    assert event | {"ts": None} == {
        "ts": None,
        "level": "warning",
        "event": "log",
        "logger": "k8saudit.sources.live",
        "message": "listing pods failed: HTTP 500",
    }
    log.reset()
    package = logging.getLogger("k8saudit")
    assert package.propagate and not package.handlers and package.level == logging.NOTSET
    assert not log.current().enabled


def test_a_json_scan_logs_its_phases_and_ends_with_the_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["scan", "--demo", "--log-format", "json", "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    events = lines(result.stdout)  # every line is JSON: no terminal summary mixed in
    names = [e["event"] for e in events]
    assert names[0] == "start" and names[-1] == "done"
    assert {"list", "collect", "check", "write"} <= set(names)
    assert names.index("collect") < names.index("check") < names.index("write") < names.index("done")
    done = events[-1]
    assert done["exit"] == 0 and done["grade"] and done["cluster"] == "kind-demo"
    assert set(done["failing"]) == {"critical", "high", "medium", "low", "info"}
    assert len(done["reports"]) == 3


def test_human_is_the_default_and_the_env_var_switches(tmp_path: Path) -> None:
    human = CliRunner().invoke(app, ["scan", "--demo", "--output-dir", str(tmp_path)])
    assert human.exit_code == 0 and not human.stdout.lstrip().startswith("{")
    assert "kind-demo" in human.stdout  # the terminal summary
    env = CliRunner().invoke(
        app, ["scan", "--demo", "--output-dir", str(tmp_path)], env={"K8SAUDIT_LOG_FORMAT": "json"}
    )
    assert env.exit_code == 0 and lines(env.stdout)[-1]["event"] == "done"


def test_with_the_report_on_stdout_events_go_to_stderr() -> None:
    result = CliRunner().invoke(app, ["scan", "--demo", "--log-format", "json", "-f", "json", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["schemaVersion"]
    assert lines(result.stderr)[-1]["event"] == "done"


def test_a_quiet_json_scan_logs_only_problems() -> None:
    result = CliRunner().invoke(
        app, ["scan", "--demo", "--log-format", "json", "-q", "--fail-on", "critical", "-o", "-", "-f", "json"]
    )
    assert result.exit_code == 1
    # --quiet keeps warnings and errors only: the done event is info, so nothing is logged
    assert result.stderr == ""


def test_no_secret_value_reaches_the_log(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["scan", "--manifests", str(E2E_MANIFESTS), "--log-format", "json", "--output-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert E2E_CANARY in (E2E_MANIFESTS / "insecure.yaml").read_text()  # the test can fail
    assert E2E_CANARY not in result.stdout + result.stderr


def test_bound_fields_name_the_cluster_in_events_and_warnings_and_follow_copied_contexts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Several clusters scanned at once log from several threads: each event and each human
    warning says which cluster it is about, also from a pool the work was handed to."""
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    out = io.StringIO()
    events = log.EventLog(out)
    with log.bound(cluster="prod"):
        events.event("list", kind="Pod")
        with ThreadPoolExecutor(1) as pool:
            pool.submit(contextvars.copy_context().run, events.event, "list", kind="Node").result()
            pool.submit(events.event, "list", kind="Role").result()  # a context not handed over: no cluster
        with log.human_warnings():
            logging.getLogger("k8saudit.sources.live").warning("reading pods failed: connection refused")
    events.event("done")
    assert [(e["event"], e.get("kind"), e.get("cluster")) for e in lines(out.getvalue())] == [
        ("list", "Pod", "prod"),
        ("list", "Node", "prod"),
        ("list", "Role", None),
        ("done", None, None),
    ]
    assert capsys.readouterr().err == "k8saudit: warning: [prod] reading pods failed: connection refused\n"
