"""Inputs a check can judge from in part: which of several kinds could be seen, and why not.

The engine refuses to run a check unless every input in its `reads` is visible. Some checks
can judge from either of two kinds (bindings are ClusterRoleBindings *or* RoleBindings) and
list them in `also_reads` instead; this module tells them what they may rely on.

Rule: an input the source could not read (forbidden, error, not served, not collected) is
*missing*, and a check must not pass while an input is missing. An input the source simply
holds none of (`absent`: manifests without RoleBindings) counts as seen-and-empty as long as
another input of the group was read, because what was given really contains none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from k8saudit.model.inventory import Inventory


@dataclass(frozen=True)
class Visibility:
    seen: tuple[str, ...]
    missing: dict[str, str] = field(default_factory=dict)  # input -> why it could not be read

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def reason(self) -> str:
        return "; ".join(self.missing.values())


def visibility(inv: Inventory, names: tuple[str, ...]) -> Visibility:
    avails = {name: inv.availability(name) for name in names}
    any_ok = any(a.ok for a in avails.values())
    seen: list[str] = []
    missing: dict[str, str] = {}
    for name, avail in avails.items():
        if avail.ok or (avail.status == "absent" and any_ok):
            seen.append(name)
        else:
            missing[name] = avail.reason or f"{name}: {avail.status}"
    return Visibility(tuple(seen), missing)
