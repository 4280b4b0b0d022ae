#!/bin/sh
# mmdebstrap --customize-hook for images.sh; $1 is the new root filesystem.
# Makes Debian's python3 behave like the python:3.11-slim images the Dockerfile is written for:
# `python -m pip install` installs into /usr/local, and pip is there to be uninstalled again.
set -eu
root=$1
# no PEP 668 marker: this image's Python belongs to the image build, not to apt
rm -f "$root"/usr/lib/python3.*/EXTERNALLY-MANAGED
# what ensurepip does (Debian disables ensurepip for the system python): run pip from its wheel
whl=$(ls "$root"/usr/share/python-wheels/pip-*.whl)
chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin python3 "${whl#"$root"}/pip" install --quiet --no-index --no-cache-dir \
  --disable-pip-version-check --no-warn-script-location --root-user-action=ignore \
  --find-links=/usr/share/python-wheels pip setuptools
# Like a base image that carries its organisation's package mirror: pip installs only from
# /wheelhouse, which image.sh mounts read-only (the host's pip fills it), so the image builds
# with no network. The directory exists here, so that mount adds nothing to the image's layers.
mkdir -p "$root/wheelhouse"
printf '[global]\nno-index = true\nfind-links = /wheelhouse\n' >"$root/etc/pip.conf"
