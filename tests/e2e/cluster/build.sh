#!/usr/bin/env bash
# Build every binary the local single-node cluster (tests/e2e/cluster) needs, from Go modules,
# into ${XDG_CACHE_HOME:-$HOME/.cache}/k8saudit/cluster/<k8s version>/ (last stdout line).
#
#   kube-apiserver, etcd      the apiserver tier's build (tests/apiserver/build.sh), symlinked
#   kubelet, kube-controller-manager, kube-scheduler, kubectl
#                             the same Go module as the apiserver tier (tests/apiserver/go.mod
#                             with its generated staging replaces), so both share one module
#                             graph and one Go build cache
#   containerd, containerd-shim-runc-v2, ctr
#                             `go install github.com/containerd/containerd/v2/cmd/X@$CONTAINERD_VERSION`
#   pause                     tests/e2e/cluster/pause (static, ~40 lines)
#
# Cached: a binary that is there and answers --version is not rebuilt. One builder at a time
# (flock on <dir>/.lock); the others wait and then find the binaries built.
# Exit codes: 0 ok; 3 no `go` on PATH; other: the build failed. Timings go to stderr.
set -euo pipefail
SECONDS=0
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
gomod=$(cd "$here/../../apiserver" && pwd)
version=$(tr -d '[:space:]' <"$gomod/VERSION")
[[ $version =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "build.sh: bad VERSION '$version'" >&2; exit 2; }
minor=${BASH_REMATCH[1]}
CONTAINERD_VERSION=$(tr -d '[:space:]' <"$here/CONTAINERD_VERSION")
cache="${XDG_CACHE_HOME:-$HOME/.cache}/k8saudit"
dest="$cache/cluster/$version"
log() { echo "cluster/build.sh: $*" >&2; }

k8s_bins=(kubelet kube-controller-manager kube-scheduler kubectl)
ctrd_bins=(containerd containerd-shim-runc-v2 ctr)
runs() {  # runs NAME: the cached binary exists and answers its version flag
  local b=$dest/$1
  [[ -x $b ]] || return 1
  case $1 in
    kubectl) timeout 30 "$b" version --client >/dev/null 2>&1 ;;
    containerd-shim-runc-v2) timeout 30 "$b" -v >/dev/null 2>&1 ;;
    pause) return 0 ;;
    *) timeout 30 "$b" --version >/dev/null 2>&1 ;;
  esac
}
all_there() {
  local n
  for n in "${k8s_bins[@]}" "${ctrd_bins[@]}" pause kube-apiserver etcd; do runs "$n" || return 1; done
}

mkdir -p "$dest"
if all_there; then log "cached: $dest (${SECONDS}s)"; echo "$dest"; exit 0; fi
command -v go >/dev/null 2>&1 || { log "'go' not found on PATH: cannot build the cluster binaries"; exit 3; }
exec 9>"$dest/.lock"
flock 9
if all_there; then log "built meanwhile by another process: $dest"; echo "$dest"; exit 0; fi
log "go: $(go version); building into $dest"
export CGO_ENABLED=0

# kube-apiserver + etcd: the apiserver tier's own build (its cache, its lock), linked here
apiserver_dir=$(bash "$gomod/build.sh" | tail -n1)
for n in kube-apiserver etcd; do ln -sfn "$apiserver_dir/$n" "$dest/$n"; done
log "kube-apiserver, etcd: from $apiserver_dir (${SECONDS}s)"

build_date=$(cd "$gomod" && go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=archive -X $pkg.buildDate=${build_date:-1970-01-01T00:00:00Z}"
done

tmp=''
trap 'rm -rf "$tmp"' EXIT
for n in "${k8s_bins[@]}"; do
  runs "$n" && { log "cached $n"; continue; }
  t0=$SECONDS tmp="$dest/.$n.tmp.$$"
  (cd "$gomod" && go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp" "k8s.io/kubernetes/cmd/$n")
  mv -f "$tmp" "$dest/$n"
  log "built $n in $((SECONDS - t0))s ($(du -h "$dest/$n" | cut -f1))"
done

# containerd v2: its go.mod has no replace directives, so `go install mod@version` builds it
for n in "${ctrd_bins[@]}"; do
  runs "$n" && { log "cached $n"; continue; }
  t0=$SECONDS tmp=$(mktemp -d "$dest/.gobin.XXXXXX")
  GOBIN=$tmp go install -trimpath -buildvcs=false -tags no_btrfs,no_devmapper,no_zfs \
    -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/$n@$CONTAINERD_VERSION"
  mv -f "$tmp/$n" "$dest/$n"; rm -rf "$tmp"
  log "built $n $CONTAINERD_VERSION in $((SECONDS - t0))s ($(du -h "$dest/$n" | cut -f1))"
done

if ! runs pause; then
  tmp="$dest/.pause.tmp.$$"
  (cd "$here/pause" && go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$tmp" .)
  mv -f "$tmp" "$dest/pause"
  log "built pause"
fi
all_there || { log "binaries built but some do not run"; exit 1; }
log "done in ${SECONDS}s: $dest"
echo "$dest"
