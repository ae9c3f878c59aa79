"""Docker image references: parse `registry/repo:tag@digest` and judge how they are pinned."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
_REPO = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")


@dataclass(frozen=True)
class ImageRef:
    registry: str  # "" for Docker Hub / unqualified
    repository: str
    tag: str | None
    digest: str | None

    @property
    def pinned(self) -> bool:
        return bool(self.digest) or (bool(self.tag) and self.tag != "latest")

    def __str__(self) -> str:
        out = f"{self.registry}/{self.repository}" if self.registry else self.repository
        if self.tag:
            out += f":{self.tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out


def parse_image_ref(ref: str) -> ImageRef:
    """Parse an image reference; raises ValueError with a message that says what is wrong."""
    if not ref or any(c.isspace() for c in ref):
        raise ValueError(f"'{ref}' is not an image reference")
    rest, digest = (ref.split("@", 1) + [None])[:2] if "@" in ref else (ref, None)
    if digest is not None and not _DIGEST.match(digest):
        raise ValueError(f"digest '{digest}' must be sha256: followed by 64 hex characters")
    registry = ""
    first, _, remainder = rest.partition("/")
    if remainder and ("." in first or ":" in first or first == "localhost"):
        registry, rest = first, remainder
    tag = None
    if ":" in rest:
        rest, tag = rest.rsplit(":", 1)
        if not _TAG.match(tag):
            raise ValueError(f"tag '{tag}' is not a valid Docker tag")
    if not _REPO.match(rest):
        raise ValueError(f"repository '{rest}' is not a valid image repository name")
    return ImageRef(registry, rest, tag, digest)


def pin_problem(ref: str) -> str | None:
    """Why `ref` is not acceptable as a pinned image, or None."""
    try:
        image = parse_image_ref(ref)
    except ValueError as exc:
        return str(exc)
    if image.tag == "latest" and not image.digest:
        return f"'{ref}' uses the mutable tag 'latest'"
    if not image.pinned:
        return f"'{ref}' has no tag or digest"
    return None
