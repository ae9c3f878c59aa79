"""The version algorithm, pure: git facts in, version and Docker tags out. No git, no I/O.

    last release tag (highest semver tag reachable from HEAD, pre-releases ignored)
  + conventional commits since it: BREAKING CHANGE / `type!:` -> major, feat -> minor, anything
    else -> patch (every new commit gets a new version: pushed version tags are immutable)
  = next version; HEAD exactly on a release tag is that release.
  No release tag yet: the configured initial version.
  Branches other than main: a pre-release `<next>-<branch-slug>.<commits since>`.
The image tag is a valid Docker tag (no `+`, at most 128 characters)."""

from __future__ import annotations

import re
from dataclasses import dataclass

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
CONVENTIONAL = re.compile(r"^(?P<type>[a-zA-Z]+)(?:\([^)]*\))?(?P<bang>!)?:\s")
BREAKING = re.compile(r"^BREAKING[ -]CHANGE:", re.MULTILINE)
DOCKER_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
DOCKER_TAG_MAX = 128
SHA_TAG_LEN = 12


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: str = ""

    @classmethod
    def parse(cls, text: str) -> "Version | None":
        m = SEMVER.match(text)
        if not m:
            return None
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4) or "")

    def bump(self, level: str) -> "Version":
        if level == "major":
            return Version(self.major + 1, 0, 0)
        if level == "minor":
            return Version(self.major, self.minor + 1, 0)
        return Version(self.major, self.minor, self.patch + 1)

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{self.prerelease}" if self.prerelease else core


def release_of_tag(tag: str, prefix: str) -> Version | None:
    """The release a tag names (`v1.4.0` with prefix `v`), or None for non-semver tags and
    pre-releases."""
    if prefix and not tag.startswith(prefix):
        return None
    version = Version.parse(tag[len(prefix):])
    return version if version and not version.prerelease else None


def bump_level(messages: list[str]) -> str | None:
    """The bump the commit messages call for: major, minor, patch, or None for no commits."""
    if not messages:
        return None
    level = "patch"
    for message in messages:
        m = CONVENTIONAL.match(message)
        if (m and m.group("bang")) or BREAKING.search(message):
            return "major"
        if m and m.group("type").lower() == "feat":
            level = "minor"
    return level


def branch_slug(branch: str, limit: int = 48) -> str:
    """`feature/Login_UI` -> `feature-login-ui`: a semver pre-release identifier and Docker-tag safe."""
    slug = re.sub(r"[^a-z0-9]+", "-", branch.lower()).strip("-")[:limit].strip("-") or "branch"
    if slug.isdigit():  # a numeric identifier must not have leading zeros; make it alphanumeric
        slug = "b" + slug
    return slug


def short_branch(branch: str) -> str:
    """Branch name as Jenkins reports it (`origin/main`, `refs/heads/main`) -> `main`."""
    for prefix in ("refs/heads/", "refs/remotes/origin/", "remotes/origin/", "origin/"):
        if branch.startswith(prefix):
            return branch[len(prefix):]
    return branch


@dataclass(frozen=True)
class VersionInput:
    sha: str
    branch: str
    main_branch: str
    last_release: Version | None  # highest release tag reachable from HEAD
    last_release_tag: str | None
    messages_since: list[str]  # commit messages after the last release (all commits if none)
    initial: str = "0.1.0"
    scheme: str = "semver"  # or "sha"
    tag_prefix: str = "v"


@dataclass(frozen=True)
class VersionResult:
    version: str
    image_tag: str
    git_sha: str
    git_sha_tag: str
    branch: str
    prerelease: bool
    base: str  # the release it counts from, or "none"
    bump: str  # major | minor | patch | initial | none
    commits_since: int
    git_tag: str  # the git tag naming this version

    def values(self) -> dict[str, str]:
        return {"VERSION": self.version, "IMAGE_TAG": self.image_tag, "GIT_SHA": self.git_sha,
                "GIT_SHA_TAG": self.git_sha_tag, "BRANCH": self.branch,
                "PRERELEASE": "true" if self.prerelease else "false", "BASE_VERSION": self.base,
                "BUMP": self.bump, "COMMITS_SINCE": str(self.commits_since), "GIT_TAG": self.git_tag}


def next_version(facts: VersionInput) -> VersionResult:
    sha_tag = f"sha-{facts.sha[:SHA_TAG_LEN]}"
    branch = short_branch(facts.branch)
    n = len(facts.messages_since)
    on_main = branch == facts.main_branch
    if facts.scheme == "sha":
        return VersionResult(sha_tag, sha_tag, facts.sha, sha_tag, branch, not on_main,
                             "none", "none", n, "")
    if facts.last_release is None:
        core, bump, base = Version.parse(facts.initial) or Version(0, 1, 0), "initial", "none"
    elif n == 0:
        core, bump, base = facts.last_release, "none", str(facts.last_release)
    else:
        level = bump_level(facts.messages_since) or "patch"
        core, bump, base = facts.last_release.bump(level), level, str(facts.last_release)
    prerelease = not on_main and not (facts.last_release is not None and n == 0)
    version = str(core)
    if prerelease:
        room = DOCKER_TAG_MAX - len(version) - len(f"-.{n}")
        version = f"{version}-{branch_slug(branch, min(48, room))}.{n}"
    assert DOCKER_TAG.match(version), version  # by construction: digits, dots, [a-z0-9-]
    return VersionResult(version, version, facts.sha, sha_tag, branch, prerelease, base, bump, n,
                         f"{facts.tag_prefix}{version}")
