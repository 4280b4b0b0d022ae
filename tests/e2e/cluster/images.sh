#!/usr/bin/env bash
# Build the cluster's local images with no registry, cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/k8saudit/cluster/images/<key>/ (last stdout line: that dir):
#
#   rootfs.tar       Debian bookworm (mmdebstrap, variant essential) with Debian's python3 3.11,
#                    python3-venv and python-is-python3; pip and setuptools installed from Debian's
#                    own wheels (what ensurepip does; Debian disables ensurepip) into /usr/local, as in
#                    the python:3.11-slim images the Dockerfile uses by default, so its
#                    `python -m pip ...` steps work unchanged) and no EXTERNALLY-MANAGED marker
#   python.oci.tar   that root filesystem as the image localhost/k8saudit-e2e/python:3.11-bookworm
#   pause.oci.tar    localhost/k8saudit-e2e/pause:1, the pod sandbox image (pause/ from build.sh)
#
# <key> hashes this script, rootfs-hook.sh, mkimage.py and pause/main.go: change one and the images are rebuilt. One builder
# at a time (flock). Needs root, mmdebstrap (apt) and Debian's mirror.
#   bash images.sh [BIN_DIR]      # BIN_DIR from build.sh: also the pause image
set -euo pipefail
SECONDS=0
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-}  # build.sh's directory; without it only the Python base is made (image.sh --base local)
key=$(cat "$here"/{images.sh,rootfs-hook.sh,mkimage.py,pause/main.go} | sha256sum | cut -c1-12)
out="${XDG_CACHE_HOME:-$HOME/.cache}/k8saudit/cluster/images/$key"
log() { echo "cluster/images.sh: $*" >&2; }
PYTHON_IMAGE=localhost/k8saudit-e2e/python:3.11-bookworm
PAUSE_IMAGE=localhost/k8saudit-e2e/pause:1

there() { [[ -s $out/rootfs.tar && -s $out/python.oci.tar && ( -z $bin || -s $out/pause.oci.tar ) ]]; }
mkdir -p "$out"
if there; then log "cached: $out"; echo "$out"; exit 0; fi
exec 9>"$out/.lock"
flock 9
if there; then log "built meanwhile by another process: $out"; echo "$out"; exit 0; fi

if [[ ! -s $out/rootfs.tar ]]; then
  command -v mmdebstrap >/dev/null || { log "needs mmdebstrap (apt-get install mmdebstrap)"; exit 3; }
  rm -f "$out/.rootfs.tmp.tar"
  # --format=tar: mmdebstrap guesses the format from the name otherwise (.tmp → a directory)
  mmdebstrap --quiet --format=tar --variant=essential \
    --include=python3,python3-venv,python-is-python3 \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook="sh '$here/rootfs-hook.sh' \"\$1\"" \
    bookworm "$out/.rootfs.tmp.tar" >&2
  mv -f "$out/.rootfs.tmp.tar" "$out/rootfs.tar"
  log "rootfs in ${SECONDS}s ($(du -h "$out/rootfs.tar" | cut -f1))"
fi
[[ -s $out/python.oci.tar ]] || python3 "$here/mkimage.py" --name "$PYTHON_IMAGE" \
  --layer "$out/rootfs.tar" --cmd python3 -o "$out/python.oci.tar" >&2
[[ -z $bin || -s $out/pause.oci.tar ]] || python3 "$here/mkimage.py" --name "$PAUSE_IMAGE" \
  --file "pause=$bin/pause" --entrypoint /pause --user 65535:65535 -o "$out/pause.oci.tar" >&2
# images of an older recipe (another <key>) are not used again
for old in "$(dirname "$out")"/*/; do
  [[ ${old%/} == "$out" ]] || rm -rf "${old%/}"
done
log "done in ${SECONDS}s: $out"
echo "$out"
