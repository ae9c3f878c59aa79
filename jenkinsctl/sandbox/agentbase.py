"""The sandbox's stand-in for jenkins/inbound-agent (Docker Hub is out of reach): a Debian 12
root filesystem made by `debootstrap --variant=minbase` with python3, python3-venv, git and
ca-certificates, Debian's docker CLI (`/usr/bin/docker` of the docker.io package the sandbox
installs) and the inbound agent's `jenkins` user (uid 1000). It has no Java and no agent.jar:
it proves the image jenkinsctl builds on it, not the Jenkins connection.

Pushed through the registry API like the busybox base. Making the root filesystem takes about a
minute, so the image parts are cached under `<cache>/agent-base/<tag>/` (the tag names the
suite, packages and docker CLI), and a registry that already has the tag is left alone."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Callable

from jenkinsctl.errors import SandboxError
from jenkinsctl.sandbox.baseimage import BaseImage, image_parts, push_parts

SUITE = "bookworm"  # Debian 12: the inbound agent's default and this machine's python (3.11)
PACKAGES = ("python3", "python3-venv", "git", "ca-certificates")
REPOSITORY = "base/jenkins-agent"
DOCKER_CLI = Path("/usr/bin/docker")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
_TRIM = ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/info")


def _noop(_line: str) -> None:
    pass


def tag(docker_cli: Path = DOCKER_CLI) -> str:
    """`debian12-<hash>`: what the image is made of, so a change makes a new tag."""
    if not docker_cli.is_file():
        raise SandboxError(f"{docker_cli} is missing", "install Debian's docker.io (scripts/setup)")
    cli = hashlib.sha256(docker_cli.read_bytes()).hexdigest()
    key = hashlib.sha256("\n".join([SUITE, *PACKAGES, cli, "jenkins:1000"]).encode()).hexdigest()[:12]
    return f"debian12-{key}"


def make_rootfs(dest: Path, mirror: str = DEFAULT_MIRROR, docker_cli: Path = DOCKER_CLI,
                report: Callable[[str], None] = _noop) -> None:
    """debootstrap the root filesystem into `dest` (needs root and the Debian mirror)."""
    debootstrap = shutil.which("debootstrap") or ("/usr/sbin/debootstrap" if os.path.exists("/usr/sbin/debootstrap")
                                                  else None)
    if debootstrap is None:
        raise SandboxError("debootstrap is missing", "apt-get install debootstrap (scripts/setup installs it)")
    report(f"debootstrap --variant=minbase {SUITE} from {mirror} (+ {', '.join(PACKAGES)})")
    _run([debootstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(dest), mirror],
         "debootstrap")
    shutil.copy2(docker_cli, dest / "usr" / "bin" / "docker")
    _run(["chroot", str(dest), "groupadd", "--gid", "1000", "jenkins"], "groupadd")
    _run(["chroot", str(dest), "useradd", "--uid", "1000", "--gid", "1000", "--create-home",
          "--home-dir", "/home/jenkins", "--shell", "/bin/bash", "jenkins"], "useradd")
    (dest / "home" / "jenkins" / "agent").mkdir(exist_ok=True)
    os.chown(dest / "home" / "jenkins" / "agent", 1000, 1000)
    for trimmed in _TRIM:
        for child in (dest / trimmed).glob("*"):
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()


def layer_tar(rootfs: Path) -> bytes:
    """The root filesystem as an uncompressed layer tar (owners, modes, links and devices kept)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for folder, dirs, files in os.walk(rootfs):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                path = Path(folder) / name
                tar.add(path, arcname=str(path.relative_to(rootfs)), recursive=False)
    return raw.getvalue()


def _cached_parts(cache: Path, image_tag: str) -> tuple[dict, bytes, bytes, bytes] | None:
    folder = cache / image_tag
    if not (folder / "complete").is_file():
        return None
    body = (folder / "manifest.json").read_bytes()
    return json.loads(body), body, (folder / "config.json").read_bytes(), (folder / "layer.tar.gz").read_bytes()


def _store_parts(cache: Path, image_tag: str, parts: tuple[dict, bytes, bytes, bytes]) -> None:
    folder = cache / image_tag
    folder.mkdir(parents=True, exist_ok=True)
    _, body, config, layer = parts
    (folder / "manifest.json").write_bytes(body)
    (folder / "config.json").write_bytes(config)
    (folder / "layer.tar.gz").write_bytes(layer)
    (folder / "complete").write_text(image_tag + "\n")


def ensure(registry, cache: Path, mirror: str = DEFAULT_MIRROR, docker_cli: Path = DOCKER_CLI,
           report: Callable[[str], None] = _noop) -> BaseImage:
    """The agent base in `registry` (a `jenkinsctl.registry.Registry`): left alone when the tag
    is there, pushed from the cache when built before, else made (about a minute), cached, pushed."""
    image_tag = tag(docker_cli)
    present = registry.manifest_head(REPOSITORY, image_tag)
    if present:
        return BaseImage(REPOSITORY, image_tag, present)
    parts = _cached_parts(cache, image_tag)
    if parts is None:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="jenkinsctl-agent-base-") as tmp:
            rootfs = Path(tmp) / "rootfs"
            make_rootfs(rootfs, mirror, docker_cli, report)
            parts = image_parts(layer_tar(rootfs), f"jenkinsctl sandbox: debootstrap --variant=minbase {SUITE} "
                                f"+ {' '.join(PACKAGES)} + Debian docker CLI + user jenkins", ["/bin/bash"],
                                gzip_level=3)
        _store_parts(cache, image_tag, parts)
        report(f"made {REPOSITORY}:{image_tag} in {time.monotonic() - started:.0f} s "
               f"({len(parts[3]) // 2**20} MiB compressed); cached in {cache / image_tag}")
    return push_parts(registry, REPOSITORY, image_tag, parts)


def _run(argv: list[str], what: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SandboxError(f"{what} failed (exit {done.returncode}): {(done.stderr or done.stdout)[-1500:].strip()}",
                           "it needs root and the Debian mirror (set JENKINSCTL_DEBIAN_MIRROR to use another)")
