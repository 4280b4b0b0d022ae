#!/usr/bin/env bash
# Build a real kube-apiserver and etcd (envtest style) from their Go modules
# into ${XDG_CACHE_HOME:-$HOME/.cache}/k8saudit/apiserver/<version>/, and the
# kube-controller-manager that runs the real ClusterRole aggregation controller
# in the apiserver tier, from the same module.
#
#   bash tests/apiserver/build.sh          # build if needed, print the directory
#
# kube-controller-manager: the e2e tier's build (tests/e2e/cluster/build.sh) puts one in
# ${XDG_CACHE_HOME:-$HOME/.cache}/k8saudit/cluster/<version>/ from this same module; when it is
# there and reports the right version it is linked, never built twice. Without Go and without
# it, kube-apiserver and etcd are still enough (the aggregation tests skip with the reason).
#
# Exit codes: 0 ok (built, cached, or KUBEBUILDER_ASSETS used); 3 no `go` on PATH;
# 4 go.mod does not match VERSION; anything else: the build failed.
# The last line on stdout is always the directory holding both binaries
# (when the exit code is 0), so callers can do: dir=$(bash build.sh | tail -n1).
set -euo pipefail

SECONDS=0
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$(tr -d '[:space:]' <"$here/VERSION")          # e.g. v1.37.2: the one place
if [[ ! $version =~ ^v1\.([0-9]+)\.([0-9]+)$ ]]; then
  echo "build.sh: bad VERSION '$version' (want v1.N.M)" >&2; exit 2
fi
minor=${BASH_REMATCH[1]}
dest="${XDG_CACHE_HOME:-$HOME/.cache}/k8saudit/apiserver/$version"

log() { echo "build.sh: $*" >&2; }
done_in() { log "$1 (${SECONDS}s)"; echo "$2"; exit 0; }

# Does directory $1 hold a kube-apiserver and an etcd that run?
# With $2 = a version, kube-apiserver must also report exactly that version.
works() {
  local d=$1 want=${2:-} out
  [[ -x $d/kube-apiserver && -x $d/etcd ]] || return 1
  out=$(timeout 30 "$d/kube-apiserver" --version 2>/dev/null) || return 1
  [[ -z $want || $out == "Kubernetes $want" ]] || return 1
  timeout 30 "$d/etcd" --version >/dev/null 2>&1 || return 1
}

if [[ -n ${KUBEBUILDER_ASSETS:-} ]]; then
  if works "$KUBEBUILDER_ASSETS"; then
    done_in "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS holds kube-apiserver ($("$KUBEBUILDER_ASSETS/kube-apiserver" --version)) and etcd; not building" \
      "$KUBEBUILDER_ASSETS"
  fi
  log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks a working kube-apiserver + etcd; ignoring it"
fi

# Does $1 run and report exactly this version?
runs_version() {
  [[ -x $1 ]] && [[ $(timeout 30 "$1" --version 2>/dev/null) == "Kubernetes $version" ]]
}
kcm="$dest/kube-controller-manager"
e2e_kcm="${XDG_CACHE_HOME:-$HOME/.cache}/k8saudit/cluster/$version/kube-controller-manager"

if works "$dest" "$version"; then
  if runs_version "$kcm"; then
    done_in "cached: $dest/kube-apiserver, etcd and kube-controller-manager ($version)" "$dest"
  fi
  if runs_version "$e2e_kcm"; then
    ln -sfn "$e2e_kcm" "$kcm"
    done_in "cached: $dest/kube-apiserver and etcd; kube-controller-manager linked from the e2e build" "$dest"
  fi
  if ! command -v go >/dev/null 2>&1; then
    done_in "cached: $dest/kube-apiserver and etcd; no kube-controller-manager and no go (aggregation tests skip)" "$dest"
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: 'go' not found on PATH; install Go >= $(awk '$1=="go"{print $2}' "$here/go.mod") to build kube-apiserver/etcd" >&2
  exit 3
fi

if ! grep -qE "^[[:space:]]*k8s\.io/kubernetes $version\$" "$here/go.mod"; then
  log "go.mod does not require k8s.io/kubernetes $version; run:"
  log "  cd tests/apiserver && python3 gen_replaces.py && go mod tidy"
  exit 4
fi

mkdir -p "$dest"
# One builder at a time per version (e.g. parallel pytest workers); the others
# wait, then find the binaries already there.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$dest/.lock"
  flock 9
  if works "$dest" "$version" && runs_version "$kcm"; then
    done_in "built meanwhile by another process: $dest" "$dest"
  fi
fi

# The release date of the module stands in for the build date (reproducible).
build_date=$(cd "$here" && go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)
build_date=${build_date:-1970-01-01T00:00:00Z}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=archive -X $pkg.buildDate=$build_date"
done

build() {  # build <binary name> <main package>
  local name=$1 pkg=$2 tmp="$dest/.$1.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  log "building $name from $pkg ..."
  (cd "$here" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp" "$pkg")
  mv -f "$tmp" "$dest/$name"        # rename: never a half-written binary under the real name
  trap - EXIT
}

log "go: $(go version); building $version into $dest"
if ! works "$dest" "$version"; then
  build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
  build etcd go.etcd.io/etcd/server/v3
fi
if runs_version "$e2e_kcm"; then
  ln -sfn "$e2e_kcm" "$kcm"
elif ! runs_version "$kcm"; then
  build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
fi

if ! works "$dest" "$version" || ! runs_version "$kcm"; then
  log "built binaries do not run or report the wrong version:"
  "$dest/kube-apiserver" --version >&2 || true
  "$kcm" --version >&2 || true
  exit 1
fi
log "$("$dest/kube-apiserver" --version); etcd $("$dest/etcd" --version | head -n1)"
done_in "built $dest/kube-apiserver, etcd and kube-controller-manager" "$dest"
