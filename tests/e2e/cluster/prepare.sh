#!/usr/bin/env bash
# `make cluster`: build and cache what the e2e tier's local cluster needs, so `make test` finds
# it ready: the binaries (build.sh: ~20 min on two cores the first time, then cached) and the
# base and pause images (images.sh: ~1 min, then cached). The k8saudit image itself is built by
# the tier from the sources of the moment (cached per source hash).
# Where the local cluster cannot run (not root, no namespaces, missing Debian packages, no Go
# and nothing cached) this says why and exits 0: the tier then uses kind or skips with the reason.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { echo "make cluster: $*"; }
if [[ $(id -u) != 0 ]]; then say "not root: the local cluster cannot run here (the e2e tier uses kind where Docker is)"; exit 0; fi
missing=()
for tool in unshare nsenter ip runc openssl curl socat podman mmdebstrap; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
if ((${#missing[@]})); then say "missing ${missing[*]} (apt-get install; .ci/run does): the local cluster is not built"; exit 0; fi
SECONDS=0
bin=$(bash "$here/build.sh" | tail -n1)
rc=${PIPESTATUS[0]}
if [[ $rc == 3 ]]; then say "no Go toolchain: the local cluster's binaries cannot be built"; exit 0; fi
[[ $rc == 0 ]] || exit "$rc"
images=$(bash "$here/images.sh" "$bin" | tail -n1) || exit
say "ready in ${SECONDS}s: binaries $bin, images $images"
