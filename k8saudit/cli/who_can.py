"""`k8saudit who-can VERB RESOURCE`: which subjects may make a request, and why."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from k8saudit.cli.options import ContextOpt, InClusterOpt, KubeconfigOpt, ListFormat, PageSizeOpt, TimeoutOpt

if TYPE_CHECKING:
    from k8saudit.semantics.whocan import WhoCanAnswer


def who_can(
    verb: Annotated[
        str, typer.Argument(metavar="VERB", help="The verb: get, list, create, delete, impersonate, bind, * ...")
    ],
    resource: Annotated[
        str,
        typer.Argument(
            metavar="RESOURCE",
            help="RESOURCE[/SUBRESOURCE], e.g. secrets, pods/exec, deployments.apps; or a non-resource URL (/metrics).",
        ),
    ],
    namespace: Annotated[
        str | None,
        typer.Option("--namespace", "-n", metavar="NAMESPACE", help="Ask in this namespace (default: cluster-wide)."),
    ] = None,
    all_namespaces: Annotated[
        bool, typer.Option("--all-namespaces", "-A", help="Ask in every namespace; each grant says where.")
    ] = False,
    api_group: Annotated[
        str | None,
        typer.Option("--api-group", metavar="GROUP", help="API group (default: from RESOURCE.GROUP or the resource)."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", metavar="NAME", help="Ask about one object by name.")] = None,
    snapshot: Annotated[
        Path | None, typer.Option("--snapshot", metavar="FILE", help="Answer from a snapshot file.")
    ] = None,
    manifests: Annotated[
        list[Path] | None,
        typer.Option("--manifests", metavar="PATH", help="Answer from manifest files or folders. Repeatable."),
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Answer from the demo cluster snapshot.")] = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    in_cluster: InClusterOpt = None,
    page_size: PageSizeOpt = 500,
    timeout: TimeoutOpt = 30.0,
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", metavar="table|json", help="table or json.")
    ] = ListFormat.table,
    custom_verb: Annotated[
        bool,
        typer.Option(
            "--custom-verb",
            help="VERB is one an extension defines (an aggregated API server, a webhook authorizer): "
            "no warning that Kubernetes does not know it.",
        ),
    ] = False,
) -> None:
    """Which subjects may make a request, and the binding, role and rule that allow each."""
    from k8saudit.cli.source import choose_source, collect, live_options
    from k8saudit.semantics.whocan import parse_query, unknown_verb
    from k8saudit.semantics.whocan import who_can as answer

    query = parse_query(
        verb, resource, namespace=namespace, all_namespaces=all_namespaces, api_group=api_group, name=name
    )
    problem = None if custom_verb else unknown_verb(query)
    if problem:  # answered anyway (RBAC matches any verb), as kubectl auth can-i does, but said
        logging.getLogger(__name__).warning(
            "who-can: %s; answered with the rules that name it or every verb (*); pass --custom-verb if an "
            "extension defines it",
            problem,
        )
    live = live_options(kubeconfig, context, in_cluster, False, page_size, timeout)
    result = answer(collect(choose_source(snapshot=snapshot, manifests=manifests, demo=demo, live=live)), query)
    if fmt is ListFormat.json:
        print(result.model_dump_json(indent=2))
    else:
        sys.stdout.write(render_table(result))


def render_table(answer: WhoCanAnswer) -> str:
    """The answer as a plain-text table (one row per grant), with a heading and notes: how the
    terminal shows semantics/whocan.py's answer, which knows nothing of terminals."""
    lines = [f"Who can {answer.query.describe()}:"]
    if answer.status == "not-assessable":
        lines.append(f"  not assessable: {answer.reason}")
        return "\n".join(lines) + "\n"
    header = ("SUBJECT", "WHERE", "BINDING", "ROLE", "RULE", "DEFAULT")
    rows: list[tuple[str, ...]] = []
    for s in answer.subjects:
        subject = s.subject
        label = (
            f"ServiceAccount {subject.namespace}/{subject.name}"
            if subject.kind == "ServiceAccount"
            else f"{subject.kind} {subject.name}"
        )
        for g in s.grants:
            rule = f"rules[{g.rule}]" + (f" of {g.aggregatedFrom}" if g.aggregatedFrom else "")
            rule += f" {g.permissions[0]}" if g.permissions else ""
            if g.resourceNames:
                rule += f" only {','.join(g.resourceNames)}"
            role = f"{g.role.kind} {g.role.name}" + (" (built-in definition)" if g.assumedRole else "")
            rows.append(
                (label, g.namespace or "cluster-wide", g.binding.label(), role, rule, "yes" if g.builtIn else "")
            )
    if not rows:
        lines.append("  no subject holds a binding that allows it")
    else:
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    lines.append(f"Members of Group {answer.privilegedGroup} are allowed everything, without a binding.")
    if answer.status == "partial":
        lines.append(f"Incomplete: {answer.reason}")
    return "\n".join(lines) + "\n"
