"""Shared fixtures: small builders for objects and inventories from dict literals."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pytest

from k8saudit.collect.files import _objects
from k8saudit.facts import ClusterFactsSpec
from k8saudit.inventory import Inventory
from k8saudit.objects import K8sObject

#: Every JSON report rendered while the tests run (in this process, and in the CLI subprocesses
#: they start, which inherit the environment) is validated against k8saudit/schemas/report.schema.json
#: by `k8saudit.report.render`; an invalid one fails the test that produced it.
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
        help="run the e2e tier against a kind cluster (needs Docker and kind; see tests/e2e/conftest.py)",
    )


@pytest.fixture
def inventory_of() -> Any:
    return make_inventory
