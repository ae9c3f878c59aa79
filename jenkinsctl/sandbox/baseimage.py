"""The sandbox's trusted base image, built FROM scratch with Debian's static `/bin/busybox` and
pushed straight through the registry API: no Docker engine needed, and byte-for-byte
reproducible (fixed mtimes, owners and gzip header), so seeding twice is a no-op."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import platform
import re
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from jenkinsctl.errors import SandboxError

BUSYBOX = Path("/bin/busybox")
REPOSITORY = "base/busybox"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}


@dataclass(frozen=True)
class BaseImage:
    repository: str
    tag: str
    digest: str

    def reference(self, endpoint: str) -> str:
        return f"{endpoint}/{self.repository}:{self.tag}"


def busybox_version(busybox: Path = BUSYBOX) -> str:
    """`1.35` from `BusyBox v1.35.0 (Debian ...)`."""
    if not busybox.is_file():
        raise SandboxError(f"{busybox} is missing", "install Debian's busybox-static (scripts/setup)")
    out = subprocess.run([str(busybox)], capture_output=True, text=True).stdout
    match = re.search(r"v(\d+)\.(\d+)", out)
    if not match:
        raise SandboxError(f"cannot read the version of {busybox}")
    return f"{match.group(1)}.{match.group(2)}"


def _layer(busybox: Path) -> bytes:
    applets = subprocess.run([str(busybox), "--list"], capture_output=True, text=True).stdout.split()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        def add(name: str, kind=tarfile.DIRTYPE, mode=0o755, data: bytes = b"", link: str = "") -> None:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime, info.linkname, info.size = kind, mode, 0, link, len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)

        add("bin")
        add("bin/busybox", tarfile.REGTYPE, 0o755, busybox.read_bytes())
        for applet in sorted(set(applets) - {"busybox"}):
            add(f"bin/{applet}", tarfile.SYMTYPE, 0o777, link="busybox")
        add("etc")
        add("etc/passwd", tarfile.REGTYPE, 0o644, b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
        add("etc/group", tarfile.REGTYPE, 0o644, b"root:x:0:\nnogroup:x:65534:\n")
        add("root", mode=0o700)
        add("tmp", mode=0o1777)
    return raw.getvalue()


def build(busybox: Path = BUSYBOX) -> tuple[dict, bytes, bytes, bytes]:
    """(manifest, manifest bytes, config bytes, layer bytes) of the base image."""
    version = busybox_version(busybox)
    return image_parts(_layer(busybox), f"jenkinsctl sandbox: FROM scratch + Debian /bin/busybox {version}",
                       ["/bin/sh"])


def image_parts(tar: bytes, created_by: str, cmd: list[str], gzip_level: int = 9) -> tuple[dict, bytes, bytes, bytes]:
    """A one-layer image from an uncompressed layer tar: (manifest, manifest bytes, config
    bytes, gzipped layer bytes), with fixed timestamps so equal layers give equal digests."""
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0, compresslevel=gzip_level) as z:
        z.write(tar)
    layer = gz.getvalue()
    config = {
        "architecture": _ARCH.get(platform.machine(), platform.machine()),
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": cmd},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": created_by}],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": CONFIG_TYPE, "size": len(config_bytes),
                   "digest": "sha256:" + hashlib.sha256(config_bytes).hexdigest()},
        "layers": [{"mediaType": LAYER_TYPE, "size": len(layer),
                    "digest": "sha256:" + hashlib.sha256(layer).hexdigest()}],
    }
    manifest_bytes = json.dumps(manifest, indent=3).encode()
    return manifest, manifest_bytes, config_bytes, layer


def seed(registry, busybox: Path = BUSYBOX, repository: str = REPOSITORY) -> BaseImage:
    """Push the base image to `registry` (a `jenkinsctl.registry.client.Registry`) unless it is there."""
    return push_parts(registry, repository, busybox_version(busybox), build(busybox))


def push_parts(registry, repository: str, tag: str, parts: tuple[dict, bytes, bytes, bytes]) -> BaseImage:
    """Push an image made by `image_parts` through the registry API, unless the tag already
    names it (then nothing is uploaded)."""
    from jenkinsctl.registry.client import Manifest, sha256_digest

    manifest, body, config, layer = parts
    digest = sha256_digest(body)
    if registry.manifest_head(repository, tag) == digest:
        return BaseImage(repository, tag, digest)
    for blob, desc in ((config, manifest["config"]), (layer, manifest["layers"][0])):
        if not registry.blob_exists(repository, desc["digest"]):
            registry.blob_upload(repository, desc["digest"], iter([blob]))
    registry.manifest_put(repository, tag, Manifest(body, MANIFEST_TYPE, digest))
    return BaseImage(repository, tag, digest)
