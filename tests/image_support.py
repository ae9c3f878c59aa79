"""Helpers for the version/build/test/push tests: a service's source as a real git repository,
and the environment that points jenkinsctl at the test registry and moto."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import requests

from support import REPO

GIT_ENV = {"GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "dev",
           "GIT_COMMITTER_EMAIL": "dev@example.com", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True,
                          text=True).stdout.strip()


def source_repo(root: Path, files: dict[str, str] | None = None, example: str | None = "orders-api",
                message: str = "feat: first version") -> Path:
    """A git repository with the example service's source (and/or `files`), one commit on main."""
    root.mkdir(parents=True, exist_ok=True)
    if example:
        shutil.copytree(REPO / "examples" / example, root, dirs_exist_ok=True)
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return root


def point_at(project: Path, registry, base_image, moto_endpoint: str) -> dict[str, str]:
    """Environment for the CLI: the test registry and moto (reset), and the orders-api
    descriptor's BASE build arg set to the test registry's base image."""
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    descriptor = project / "services" / "orders-api.yaml"
    text = descriptor.read_text()
    if "BASE:" not in text:
        descriptor.write_text(text.replace('    PYTHON_VERSION: "3.12"\n',
                                           f'    PYTHON_VERSION: "3.12"\n    BASE: {base_image.ref}\n'))
    return {"JENKINSCTL_REGISTRY_ENDPOINT": registry.endpoint, "JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint,
            "JENKINSCTL_CONFIG": str(project / "jenkinsctl.yaml"), "JENKINSCTL_SERVICE": "orders-api"}


def remove_images(client, prefix: str) -> None:
    """Remove every image with a tag starting with `prefix` (the test registry's endpoint)."""
    for _ in range(3):  # children first: a parent with dependent images cannot be removed yet
        left = 0
        try:
            images = client.images.list()
        except Exception:  # an image went away while the SDK inspected it (the engine is shared): again
            continue
        for image in images:
            names = image.tags + (image.attrs.get("RepoDigests") or [])
            if any(name.startswith(prefix) for name in names):
                try:
                    client.images.remove(image.id, force=True)
                except Exception:
                    left += 1
        if not left:
            break


def remove_image_ids(client, ids) -> None:
    """Remove images by ID (builds whose tags later moved to a newer build)."""
    for image_id in ids:
        try:
            client.images.remove(image_id, force=True)
        except Exception:
            pass
