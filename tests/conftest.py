"""Shared fixtures: small builders for objects and inventories from dict literals."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from k8saudit.model.facts import ClusterFactsSpec
from k8saudit.model.inventory import Inventory
from k8saudit.model.objects import K8sObject
from k8saudit.sources.files import _objects

#: Every JSON report rendered while the tests run (in this process, and in the CLI subprocesses
#: they start, which inherit the environment) is validated against k8saudit/schemas/report.schema.json
#: by `k8saudit.output.json_report`; an invalid one fails the test that produced it.
os.environ["K8SAUDIT_VALIDATE_REPORTS"] = "1"


def make_inventory(docs: Iterable[dict[str, Any]], facts: ClusterFactsSpec | None = None) -> Inventory:
    """An Inventory from Kubernetes dicts, parsed exactly as manifests are."""
    objects: list[K8sObject] = []
    for i, doc in enumerate(docs):
        objects.extend(o for o in _objects(doc, f"doc {i}", "default") if isinstance(o, K8sObject))
    return Inventory(objects, facts or ClusterFactsSpec(source="manifests"))


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options every tier can see (a conftest below the root cannot add options to `pytest` at the root)."""
    parser.addoption(
        "--run-e2e",
        action="store_true",
        default=False,
        help="run the e2e tier against a real cluster: the local node (root) or kind (see tests/e2e/conftest.py)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    """Which cluster the e2e tier runs on, said before anything runs (and again in the summary)."""
    if not config.getoption("--run-e2e"):
        return "e2e tier: off (it runs with --run-e2e: make test, make e2e)"
    from tests.e2e.providers import choose

    return choose().describe()


def dev_null_problem() -> str | None:
    """What is wrong with /dev/null, or None while it is the null character device (1, 3)."""
    try:
        info = os.lstat("/dev/null")
    except OSError as exc:
        return f"/dev/null is gone ({exc.strerror})"
    if stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3):
        return None
    kind = "a regular file" if stat.S_ISREG(info.st_mode) else f"mode {stat.filemode(info.st_mode)}"
    return (
        f"/dev/null is no longer the null device but {kind}; something renamed over it. "
        "Repair as root: rm -f /dev/null && mknod -m 666 /dev/null c 1 3"
    )


@pytest.fixture(scope="session", autouse=True)
def dev_null_stays_a_device() -> Iterator[None]:
    """The suite runs as root in CI: a writer that renames over its target would replace /dev/null
    (it did, twice). Checked before and after the whole suite, and after every test (below)."""
    problem = dev_null_problem()
    if problem:
        pytest.exit(f"before the suite ran: {problem}", returncode=3)
    yield
    problem = dev_null_problem()
    if problem:
        pytest.fail(f"after the suite: {problem}", pytrace=False)


@pytest.fixture(autouse=True)
def dev_null_after_each_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Names the test that broke /dev/null (an lstat: microseconds)."""
    yield
    problem = dev_null_problem()
    if problem:
        pytest.fail(f"{request.node.nodeid} broke /dev/null: {problem}", pytrace=False)


@pytest.fixture
def inventory_of() -> Any:
    return make_inventory
