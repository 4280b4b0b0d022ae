"""The objects fast paths the benchmark led to give exactly what the plain code gave.

Each optimisation keeps an oracle here: the straightforward version it replaced, compared over
crafted and random inputs (benchmarks/README.md says why each exists).
"""

from __future__ import annotations

import random
from typing import Any

from tests.unit.support.credential_text import random_values

# --- objects: nested types are slotted dataclasses --------------------------------------------


def test_nested_types_are_slotted_and_their_marks_are_the_documented_keys() -> None:
    from k8saudit.model import objects as o

    env = o.EnvVar.model_validate({"name": "TOKEN", "value": "ghp_" + "a" * 36})
    assert not hasattr(env, "__dict__")  # slotted: no per-instance dict, no fields-set
    assert env.dump() == {
        "name": "TOKEN",
        o.CREDENTIAL_MARK: "value looks like a GitHub token",
        "x-k8saudit-has-value": True,
    }
    volume = o.Volume.model_validate({"name": "v", "nfs": {"server": "s"}})
    assert volume.dump() == {"name": "v", o.VOLUME_SOURCES: ["nfs"]}
    assert o.Volume.model_validate(volume.dump()) == volume  # a snapshot reads back what it wrote


# --- objects: annotation maps decided whole before value by value -----------------------------


def _plain_redact_annotations(value: dict[Any, Any]) -> dict[Any, Any]:
    from k8saudit.model import objects as o

    return {k: o._annotation_value(str(k), v) for k, v in value.items() if k != o.LAST_APPLIED}


def test_annotation_maps_redact_as_the_value_by_value_rule() -> None:
    from k8saudit.model import objects as o

    rng = random.Random(5)
    keys = ["team", "prometheus.io/port", "example.com/db-password", "token", "note", o.LAST_APPLIED, "x/api-key"]
    values = [*random_values(300), "true", " False ", '  {"a": 1}', "[1]", "\t[", "plain", "", "\x00{"]
    fast = 0
    for _ in range(3000):
        annotations = {rng.choice(keys): rng.choice(values) for _ in range(rng.randint(0, 4))}
        fast += o._nothing_to_redact(annotations)
        assert o._redact_annotations(annotations) == _plain_redact_annotations(annotations)
    assert fast > 100  # the whole-map answer was taken, not only the careful path
    odd = {1: "x", "k": 2}
    assert o._redact_annotations(odd) == _plain_redact_annotations(odd)
