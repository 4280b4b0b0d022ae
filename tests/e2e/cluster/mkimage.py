"""Write a one-layer OCI image archive (an `oci-archive` tar) with the standard library only.

    python3 mkimage.py --name localhost/x:1 --layer rootfs.tar --cmd python3 -o x.oci.tar
    python3 mkimage.py --name localhost/pause:1 --file pause=./pause --entrypoint /pause -o pause.oci.tar

`--layer` uses an existing uncompressed tar as the layer as it is; `--file DEST=SRC` (repeatable)
makes the layer from single files (root-owned, mode 0755). index.json names the image twice:
`io.containerd.image.name` (the full reference `ctr images import` registers) and
`org.opencontainers.image.ref.name` (what podman and skopeo read). No registry is involved:
this is how the local cluster (tests/e2e/cluster) gets its images.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

DEFAULT_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest(), path.stat().st_size


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def files_layer(specs: list[str], path: Path) -> None:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for spec in specs:
            dest, _, src = spec.partition("=")
            info = tar.gettarinfo(src, arcname=dest.lstrip("/"))
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mode = 0o755
            info.mtime = 0
            with open(src, "rb") as f:
                tar.addfile(info, f)


def blob(data: dict[str, Any]) -> tuple[bytes, str]:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return raw, hashlib.sha256(raw).hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True, help="full reference, e.g. localhost/debian:bookworm")
    parser.add_argument("--layer", type=Path, help="an uncompressed tar used as the only layer")
    parser.add_argument("--file", action="append", default=[], help="DEST=SRC: a file for the layer")
    parser.add_argument("--entrypoint", nargs="*")
    parser.add_argument("--cmd", nargs="*")
    parser.add_argument("--env", action="append", default=[DEFAULT_ENV])
    parser.add_argument("--user", default="")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    if bool(args.layer) == bool(args.file):
        parser.error("give either --layer or --file")

    layer: Path = args.layer or args.output.with_name(args.output.name + ".layer.tmp")
    if args.file:
        files_layer(args.file, layer)
    layer_digest, layer_size = sha256_of(layer)

    config: dict[str, Any] = {"Env": args.env, "WorkingDir": "/"}
    if args.entrypoint:
        config["Entrypoint"] = args.entrypoint
    if args.cmd:
        config["Cmd"] = args.cmd
    if args.user:
        config["User"] = args.user
    config_raw, config_digest = blob(
        {
            "created": "1970-01-01T00:00:00Z",
            "architecture": "amd64",
            "os": "linux",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{layer_digest}"]},
            "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "tests/e2e/cluster/mkimage.py"}],
        }
    )
    manifest_raw, manifest_digest = blob(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": f"sha256:{config_digest}",
                "size": len(config_raw),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": f"sha256:{layer_digest}",
                    "size": layer_size,
                }
            ],
        }
    )
    last = args.name.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else "latest"
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": f"sha256:{manifest_digest}",
                "size": len(manifest_raw),
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {"io.containerd.image.name": args.name, "org.opencontainers.image.ref.name": tag},
            }
        ],
    }
    tmp = args.output.with_name(args.output.name + ".tmp")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        add_bytes(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add_bytes(tar, "index.json", json.dumps(index).encode())
        add_bytes(tar, f"blobs/sha256/{config_digest}", config_raw)
        add_bytes(tar, f"blobs/sha256/{manifest_digest}", manifest_raw)
        info = tar.gettarinfo(str(layer), arcname=f"blobs/sha256/{layer_digest}")
        info.mtime = 0
        with layer.open("rb") as f:
            tar.addfile(info, f)
    os.replace(tmp, args.output)
    if args.file:
        layer.unlink()
    print(f"{args.output}: {args.name} sha256:{manifest_digest} ({layer_size} bytes)")


if __name__ == "__main__":
    main()
