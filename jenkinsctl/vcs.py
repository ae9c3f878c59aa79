"""Git facts a pipeline needs, through the `git` command, in Jenkins' checkouts too: detached HEAD
(branch from BRANCH_NAME / GIT_BRANCH), shallow clones (deepened when allowed), tags."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from jenkinsctl.errors import GitError
from jenkinsctl.versioning import Version, release_of_tag, short_branch

SEP = "\x1e"  # between commit messages in `git log` output


@dataclass(frozen=True)
class GitFacts:
    root: Path
    sha: str
    branch: str
    detached: bool
    shallow: bool
    last_release: Version | None
    last_release_tag: str | None
    messages_since: list[str]
    remote_url: str | None


class Git:
    """The checkout, through the `git` command (no GitPython: importing it costs a step ~0.1 s of
    start-up, and every fact here is one plain git command)."""

    def __init__(self, path: Path, environ: Mapping[str, str] | None = None):
        """`environ`: the environment git runs in (the factory's; None: this process's), with
        GIT_TERMINAL_PROMPT=0 so a fetch never waits on a prompt."""
        self.env = {**environ, "GIT_TERMINAL_PROMPT": "0"} if environ is not None else None
        self.root = Path(path)
        if not self.root.is_dir():
            raise GitError(f"{path} is not inside a git repository",
                           "run the step in the service's checkout (--workdir DIR)")
        top = self._git("rev-parse", "--show-toplevel")
        if top.returncode != 0:
            raise GitError(f"{path} is not inside a git repository",
                           "run the step in the service's checkout (--workdir DIR)")
        self.root = Path(top.stdout.strip() or path)

    def _git(self, *args: str) -> subprocess.CompletedProcess:
        prompt = [] if self.env is not None else ["-c", "core.askPass=true"]  # no environ to set it in
        try:
            return subprocess.run(["git", *prompt, *args], cwd=self.root, env=self.env, capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise GitError(f"cannot run git in {self.root}: {exc}", "install git (Debian: apt-get install git)") from exc

    def run(self, *args: str) -> str:
        out = self._git(*args)
        if out.returncode != 0:
            raise GitError(f"`git {' '.join(args)}` failed in {self.root}: "
                           f"{out.stderr.strip() or f'exit status {out.returncode}'}")
        return out.stdout.rstrip("\n")

    def head(self) -> str:
        out = self._git("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        if out.returncode != 0:
            raise GitError(f"{self.root} has no commits yet", "commit something first")
        return out.stdout.strip()

    def _remotes(self) -> list[str]:
        return self.run("remote").split()

    @property
    def shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository") == "true"

    def branch(self, environ: Mapping[str, str]) -> tuple[str, bool]:
        """(branch, detached). Jenkins' variables win: its checkouts are usually detached."""
        current = self._git("symbolic-ref", "--quiet", "--short", "HEAD")
        detached = current.returncode != 0
        for var in ("BRANCH_NAME", "GIT_BRANCH", "CHANGE_BRANCH"):
            if environ.get(var):
                return short_branch(environ[var]), detached
        if not detached:
            return current.stdout.strip(), False
        raise GitError(f"HEAD is detached in {self.root} and no branch name is known",
                       "set BRANCH_NAME (Jenkins multibranch sets it) or GIT_BRANCH, or check out a branch")

    def deepen(self, remote: str = "origin") -> None:
        """Fetch the full history and the tags of a shallow clone."""
        if remote not in self._remotes():
            raise GitError(f"{self.root} is a shallow clone with no remote '{remote}' to fetch history from",
                           "clone with full history and tags (git clone --no-single-branch, no --depth)")
        self.run("fetch", "--quiet", "--unshallow", "--tags", remote)

    def release_tags(self, prefix: str) -> list[tuple[Version, str]]:
        """Release tags reachable from HEAD, highest first."""
        out = self.run("tag", "--merged", "HEAD", "--list", f"{prefix}[0-9]*")
        found = [(v, t) for t in out.split() if (v := release_of_tag(t, prefix))]
        return sorted(found, reverse=True)

    def messages(self, since: str | None) -> list[str]:
        rng = f"{since}..HEAD" if since else "HEAD"
        out = self.run("log", f"--format=%B{SEP}", rng)
        return [m.strip() for m in out.split(SEP) if m.strip()]

    def remote_url(self, remote: str = "origin") -> str | None:
        if remote not in self._remotes():
            return None
        out = self._git("remote", "get-url", remote)
        return out.stdout.strip() or None if out.returncode == 0 else None

    def facts(self, environ: Mapping[str, str], prefix: str = "v", fetch: bool = True) -> GitFacts:
        sha = self.head()
        branch, detached = self.branch(environ)
        shallow = self.shallow
        if shallow:
            if not fetch:
                raise GitError(f"{self.root} is a shallow clone: the last release tag and the commits since "
                               "it may be missing", "fetch them: `git fetch --unshallow --tags` (Jenkins: "
                               "CloneOption shallow: false, noTags: false), or allow jenkinsctl to fetch")
            try:
                self.deepen()
            except GitError as exc:
                raise GitError(f"{self.root} is a shallow clone and deepening it failed: {exc.message}",
                               "fetch the history and tags before this step: `git fetch --unshallow --tags`; in "
                               "Jenkins set CloneOption shallow: false, noTags: false") from exc
        tags = self.release_tags(prefix)
        if not tags and fetch and not shallow and self.remote_url():
            # Jenkins' git checkout often skips tags (noTags): fetch them once before concluding
            # that there is no release yet (a failure here just means there are none to get)
            try:
                self.run("fetch", "--quiet", "--tags", "origin")
                tags = self.release_tags(prefix)
            except GitError:
                pass
        last, last_tag = tags[0] if tags else (None, None)
        return GitFacts(self.root, sha, branch, detached, shallow, last, last_tag,
                        self.messages(last_tag), self.remote_url())

    def create_tag(self, name: str, message: str) -> bool:
        """Annotated tag on HEAD; False if it already names HEAD; error if it names another commit."""
        head = self.head()
        existing = self._git("rev-parse", "--verify", "--quiet", f"refs/tags/{name}^{{commit}}")
        if existing.returncode == 0:
            tagged = existing.stdout.strip()
            if tagged == head:
                return False
            raise GitError(f"tag {name} already exists on another commit ({tagged[:12]})",
                           "versions are immutable: commit a fix/feat so the next version is computed")
        identity = []
        if not self._git("config", "user.email").stdout.strip():
            identity = ["-c", "user.name=jenkinsctl", "-c", "user.email=jenkinsctl@localhost"]
        out = self._git(*identity, "tag", "-a", name, "-m", message, head)
        if out.returncode != 0:
            raise GitError(f"cannot create tag {name}: {out.stderr.strip()}",
                           "set user.name and user.email for annotated tags")
        return True

    def push_tag(self, name: str, remote: str = "origin") -> None:
        if remote not in self._remotes():
            raise GitError(f"cannot push tag {name}: no remote '{remote}'", "add the remote or drop --push-tag")
        self.run("push", "--quiet", remote, f"refs/tags/{name}")


def head_commit_time(path: Path) -> int | None:
    """HEAD's commit time (Unix seconds), or None outside a git checkout. Plain `git`, no
    Git object: the build step calls it on every (cached) rebuild."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=path, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip().isdigit() else None
