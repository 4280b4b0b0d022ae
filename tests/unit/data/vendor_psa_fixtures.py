"""Regenerate psa_fixtures_v1.37.jsonl from the upstream PodSecurity conformance fixtures.

The fixtures are the pods `k8s.io/pod-security-admission` generates in `test/testdata/` (its
own integration tests create them against a real API server): for each level, pods that
must pass and pods that must fail, one file per pod. This copies the `v1.37` ones (Apache-2.0,
The Kubernetes Authors) into one JSON line each:

    {"level": ..., "expect": "pass"|"fail", "fixture": <file stem>, "substring": ..., "pod": {...}}

`substring` is what upstream's fixture test expects in the forbidden message of a failing pod.

    go mod download k8s.io/pod-security-admission@v0.37.2
    .venv/bin/python tests/unit/data/vendor_psa_fixtures.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

MODULE = "k8s.io/pod-security-admission@v0.37.2"
VERSION = "v1.37"
#: expectErrorSubstring of each fixture generator (test/fixtures_*.go); the check id otherwise.
SUBSTRINGS = {
    "apparmorprofile": "forbidden AppArmor profile",
    "capabilities_baseline": "capabilities",
    "capabilities_restricted": "unrestricted capabilities",
    "hostnamespaces": "host namespaces",
    "hostpathvolumes": "hostPath",
    "hostports": "hostPort",
    "hostprobesandhostlifecycle": "probe or lifecycle host",
    "procmount": "procMount",
    "procmount_restricted": "procMount",
    "restrictedvolumes": "restricted volume types",
    "selinuxoptions": "seLinuxOptions",
    "seccompprofile_baseline": "seccompProfile",
    "seccompprofile_restricted": "seccompProfile",
    "sysctls": "forbidden sysctl",
    "windowshostprocess": "hostProcess",
    "allowprivilegeescalation": "allowPrivilegeEscalation",
    "privileged": "privileged",
    "runasnonroot": "runAsNonRoot",
    "runasuser": "runAsUser",
}


def main() -> int:
    cache = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True).stdout.strip()
    root = Path(cache) / MODULE / "test" / "testdata"
    lines = []
    for level in ("baseline", "restricted"):
        for expect in ("pass", "fail"):
            for path in sorted((root / level / VERSION / expect).glob("*.yaml")):
                stem = path.stem
                check = stem.rstrip("0123456789")
                row = {
                    "level": level,
                    "expect": expect,
                    "fixture": stem,
                    "substring": SUBSTRINGS[check] if expect == "fail" else None,
                    "pod": yaml.safe_load(path.read_text()),
                }
                lines.append(json.dumps(row, sort_keys=True, separators=(",", ":")))
    out = Path(__file__).with_name(f"psa_fixtures_{VERSION}.jsonl")
    out.write_text("\n".join(lines) + "\n")
    print(f"{out}: {len(lines)} fixtures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
