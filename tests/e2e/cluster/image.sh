#!/usr/bin/env bash
# image.sh: build the k8saudit image from the repository's Dockerfile (`make image` runs this).
#
#   bash tests/e2e/cluster/image.sh [-t TAG] [--engine docker|podman] [--base IMAGE|local]
#                                   [--oci-archive OUT] [--private]
#
#   -t TAG          image name (default k8saudit:<version from pyproject.toml>)
#   --engine        docker or podman; default: docker when `docker info` answers, else podman
#   --base IMAGE    the Dockerfile's PYTHON_IMAGE build argument (default: the Dockerfile's own,
#                   python:3.11-slim-bookworm from Docker Hub; spelled out in full for podman)
#   --base local    podman only, no registry at all: the Debian bookworm + python3 base that
#                   images.sh makes (tests/e2e/cluster), loaded into podman. The build is offline
#                   (--network=none): the host's pip (with the host's index and certificate
#                   settings) downloads the wheels the Dockerfile's `pip wheel` and `pip install`
#                   need, and they are mounted read-only at /wheelhouse, where the base's
#                   /etc/pip.conf points pip. The Dockerfile is the same either way.
#   --oci-archive OUT  also save the image as an OCI archive (what `ctr images import` takes)
#   --private       podman only: storage in a temporary directory inside a private mount
#                   namespace (tmpfs over /run and /var/lib), so the host's podman store and the
#                   host's /run and /var/lib are left untouched; needs root. The e2e tier uses it.
#
# podman: `--runtime runc` when runc is installed (crun 1.8 refuses hybrid cgroup v1 hosts), and
# cgroupfs plus file events where systemd is not running. Last stdout line: the image name.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/pyproject.toml")
tag="k8saudit:$version" engine='' base='' archive='' private=''
while (($#)); do
  case $1 in
    -t) tag=$2; shift 2 ;;
    --engine) engine=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --oci-archive) archive=$(realpath -m "$2"); shift 2 ;;
    --private) private=1; shift ;;
    *) echo "image.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { echo "image.sh: $*" >&2; }
SECONDS=0

if [[ -z $engine ]]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then engine=docker
  elif command -v podman >/dev/null 2>&1; then engine=podman
  else log "neither a Docker engine (docker info) nor podman is available: no image built"; exit 3
  fi
fi
build_args=(
  --build-arg "VERSION=$version"
  --build-arg "REVISION=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)"
  --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
)
if [[ $base == local && $engine != podman ]]; then
  log "--base local needs podman (docker build cannot mount the wheels)"; exit 2
fi
local_base=''
if [[ $base == local ]]; then
  local_base=$(bash "$here/images.sh" | tail -n1)
  base=localhost/k8saudit-e2e/python:3.11-bookworm
fi
if [[ -z $base && $engine == podman ]]; then
  # the Dockerfile's default base is a Docker Hub short name (python:3.11-slim-bookworm), which
  # Docker resolves to docker.io/library/...; podman may refuse short names: say it in full
  base=$(sed -n 's/^ARG PYTHON_IMAGE=//p' "$repo/Dockerfile")
  first=${base%%/*}
  if [[ $base != */* ]]; then base=docker.io/library/$base
  elif [[ $first != *.* && $first != *:* && $first != localhost ]]; then base=docker.io/$base
  fi
fi
[[ -z $base ]] || build_args+=(--build-arg "PYTHON_IMAGE=$base")

if [[ $engine == docker ]]; then
  [[ -z $private ]] || { log "--private is for podman"; exit 2; }
  DOCKER_BUILDKIT=1 docker build "${build_args[@]}" -t "$tag" "$repo" >&2
  if [[ -n $archive ]]; then docker save -o "$archive" "$tag"; fi
  log "built $tag with docker in ${SECONDS}s"
  echo "$tag"
  exit 0
fi

[[ $engine == podman ]] || { log "unknown engine $engine"; exit 2; }
podman=(podman)
if command -v runc >/dev/null 2>&1; then podman+=(--runtime "$(command -v runc)"); fi
if [[ ! -d /run/systemd/system ]]; then podman+=(--cgroup-manager=cgroupfs --events-backend=file); fi
build_opts=()
if [[ -n $local_base ]]; then
  # offline: the host's pip fetches every wheel the two pip steps need (cached per pyproject.toml)
  py=${PYTHON:-$repo/.venv/bin/python}
  [[ -x $py ]] || py=python3
  wheels="${XDG_CACHE_HOME:-$HOME/.cache}/k8saudit/cluster/wheels/$(sha256sum "$repo/pyproject.toml" | cut -c1-12)"
  if [[ ! -e $wheels/.complete ]]; then
    rm -rf "$wheels"; mkdir -p "$wheels"
    "$py" -m pip wheel --quiet --wheel-dir "$wheels" "$repo" hatchling >&2
    rm -f "$wheels"/k8saudit-*.whl   # the image builds its own from the sources
    : >"$wheels/.complete"
    log "wheels for an offline build: $wheels"
  fi
  # the local base's /etc/pip.conf points pip at /wheelhouse (rootfs-hook.sh)
  build_opts+=(--network=none --volume "$wheels:/wheelhouse:ro")
fi

# The podman steps: load the base when it is local, build, save. With --private they run in a
# private mount namespace with a throw-away store.
steps() {
  set -euo pipefail
  if [[ -n $local_base ]]; then "${podman[@]}" load --quiet -i "$local_base/python.oci.tar" >&2; fi
  "${podman[@]}" build --layers=false "${build_opts[@]}" "${build_args[@]}" -t "$tag" "$repo" >&2
  if [[ -n $archive ]]; then
    rm -f "$archive"
    "${podman[@]}" save --quiet --format oci-archive -o "$archive" "$tag"
  fi
}
if [[ -n $private ]]; then
  [[ $(id -u) == 0 ]] || { log "--private needs root"; exit 2; }
  store=$(mktemp -d /tmp/k8saudit-image.XXXXXX)
  trap 'rm -rf "$store"' EXIT
  podman+=(--root "$store/root" --runroot "$store/run" --tmpdir "$store/tmp")
  export -f steps
  export local_base tag archive repo
  # arrays do not cross `bash -c`: hand them over as declarations
  unshare --mount --propagation private bash -c "
    set -euo pipefail
    for d in /run /var/lib; do mount -t tmpfs -o mode=0755 tmpfs \$d; done
    $(declare -p podman build_opts build_args)
    steps"
else
  steps
fi
log "built $tag with podman in ${SECONDS}s${archive:+ (saved to $archive)}"
echo "$tag"
