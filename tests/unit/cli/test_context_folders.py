"""Where each cluster's reports go in a multi-cluster scan: one safe, stable folder per context."""

from __future__ import annotations

import re

from k8saudit.cli.context_folders import folder_names


def test_plain_names_are_their_own_folder() -> None:
    names = ["prod", "kind-kind", "gke_acme_europe-west1_main", "v1.2_x"]
    assert folder_names(names) == {n: n for n in names}


def test_other_names_are_made_safe_and_told_apart_by_a_hash() -> None:
    contexts = [
        "arn:aws:eks:eu-west-1:123456789012:cluster/prod",
        "admin@k8s",
        "../../etc",
        ".hidden",
        "a/b",
        "a_b",
        "x" * 200,
        "",
        "latest",
        "fleet.json",
        "20261105T031702Z",
    ]
    folders = folder_names(contexts)
    assert folders["a_b"] == "a_b"  # fits as it is
    assert re.fullmatch(r"a_b-[0-9a-f]{8}", folders["a/b"])  # made to fit: never the folder of `a_b`
    assert re.fullmatch(r"arn_aws_eks_eu-west-1_123456789012_cluster_prod-[0-9a-f]{8}", folders[contexts[0]])
    assert re.fullmatch(r"etc-[0-9a-f]{8}", folders["../../etc"])
    assert re.fullmatch(r"hidden-[0-9a-f]{8}", folders[".hidden"])
    assert re.fullmatch(r"context-[0-9a-f]{8}", folders[""])
    for context, folder in folders.items():
        assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", folder), (context, folder)
        assert folder not in ("latest", "fleet.json", "20261105T031702Z", ".", "..")
        assert len(folder) <= 89
    assert len(set(folders.values())) == len(contexts)
    assert folder_names(contexts) == folders  # the same every run: a cluster's earlier reports are found again


def test_names_differing_only_in_case_get_folders_apart() -> None:
    """macOS and Windows compare file names without case: `Prod` and `prod` would share a folder."""
    folders = folder_names(["Prod", "prod", "dev"])
    assert folders["dev"] == "dev"
    assert folders["Prod"].casefold() != folders["prod"].casefold()
    assert folders["Prod"].startswith("Prod-") and folders["prod"].startswith("prod-")
