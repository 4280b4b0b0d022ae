"""`k8saudit who-can VERB RESOURCE`: which subjects may make a request, and why."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from k8saudit.cli.options import ContextOpt, InClusterOpt, KubeconfigOpt, ListFormat, PageSizeOpt, TimeoutOpt


def who_can(
    verb: Annotated[str, typer.Argument(help="The verb: get, list, create, delete, impersonate, bind, * ...")],
    resource: Annotated[
        str,
        typer.Argument(
            help="RESOURCE[/SUBRESOURCE], e.g. secrets, pods/exec, deployments.apps; or a non-resource URL (/metrics)."
        ),
    ],
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="Ask in this namespace (default: cluster-wide).")
    ] = None,
    all_namespaces: Annotated[
        bool, typer.Option("--all-namespaces", "-A", help="Ask in every namespace; each grant says where.")
    ] = False,
    api_group: Annotated[
        str | None, typer.Option("--api-group", help="API group (default: from RESOURCE.GROUP or the resource).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Ask about one object by name.")] = None,
    snapshot: Annotated[Path | None, typer.Option("--snapshot", help="Answer from a snapshot file.")] = None,
    manifests: Annotated[
        list[Path] | None, typer.Option("--manifests", help="Answer from manifest files or folders. Repeatable.")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Answer from the demo cluster snapshot.")] = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    in_cluster: InClusterOpt = None,
    page_size: PageSizeOpt = 500,
    timeout: TimeoutOpt = 30.0,
    fmt: Annotated[ListFormat, typer.Option("--format", help="table or json.")] = ListFormat.table,
) -> None:
    """Which subjects may make a request, and the binding, role and rule that allow each."""
    from k8saudit.cli.source import choose_source, collect, live_options
    from k8saudit.semantics.whocan import parse_query, render_table
    from k8saudit.semantics.whocan import who_can as answer

    query = parse_query(
        verb, resource, namespace=namespace, all_namespaces=all_namespaces, api_group=api_group, name=name
    )
    live = live_options(kubeconfig, context, in_cluster, False, page_size, timeout)
    result = answer(collect(choose_source(snapshot=snapshot, manifests=manifests, demo=demo, live=live)), query)
    if fmt is ListFormat.json:
        print(result.model_dump_json(indent=2))
    else:
        sys.stdout.write(render_table(result))
