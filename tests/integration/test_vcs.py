"""Git facts and versions from real repositories built in temp dirs: tags, merges, pre-release
branches, shallow clones, detached HEAD, no tags, non-semver tags."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from jenkinsctl.errors import GitError
from jenkinsctl.vcs import Git
from jenkinsctl.versioning import VersionInput, next_version

ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=ENV, check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "src"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, "chore: initial")
    return root


def version_of(root: Path, environ=None, **kw) -> str:
    facts = Git(root).facts(environ or {}, "v", **kw)
    return next_version(VersionInput(facts.sha, facts.branch, "main", facts.last_release,
                                     facts.last_release_tag, facts.messages_since)).version


def test_tags_and_conventional_commits(repo):
    git(repo, "tag", "-a", "v1.4.0", "-m", "1.4.0")
    assert version_of(repo) == "1.4.0"
    commit(repo, "fix: null order id")
    assert version_of(repo) == "1.4.1"
    commit(repo, "feat(api): refunds")
    assert version_of(repo) == "1.5.0"
    commit(repo, "feat!: remove v1")
    assert version_of(repo) == "2.0.0"


def test_highest_release_wins_and_non_semver_tags_are_ignored(repo):
    git(repo, "tag", "-a", "v1.9.0", "-m", "x")
    commit(repo, "fix: a")
    git(repo, "tag", "v1.10.0")  # lightweight tags count too
    commit(repo, "fix: b")
    for junk in ("release-2024", "v2.0", "v3.0.0-rc.1", "latest"):
        git(repo, "tag", junk)
    assert version_of(repo) == "1.10.1"


def test_merged_feature_branch_bumps_main(repo):
    git(repo, "tag", "v1.0.0")
    git(repo, "checkout", "-q", "-b", "feature/search")
    commit(repo, "feat: search")
    assert version_of(repo) == "1.1.0-feature-search.1"
    git(repo, "checkout", "-q", "main")
    commit(repo, "fix: on main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge branch 'feature/search'", "feature/search")
    assert version_of(repo) == "1.1.0"


def test_no_tags_yet_uses_the_initial_version(repo):
    commit(repo, "feat: a")
    facts = Git(repo).facts({}, "v")
    assert facts.last_release is None and len(facts.messages_since) == 2
    assert version_of(repo) == "0.1.0"


def test_detached_head_takes_the_branch_from_jenkins(repo):
    git(repo, "tag", "v1.0.0")
    sha = commit(repo, "fix: a")
    git(repo, "checkout", "-q", "--detach", sha)
    with pytest.raises(GitError, match="HEAD is detached") as info:
        Git(repo).facts({}, "v")
    assert "BRANCH_NAME" in info.value.hint
    assert version_of(repo, {"BRANCH_NAME": "main"}) == "1.0.1"
    assert version_of(repo, {"GIT_BRANCH": "origin/main"}) == "1.0.1"
    assert version_of(repo, {"BRANCH_NAME": "PR-42"}) == "1.0.1-pr-42.1"


def test_shallow_clone_is_deepened_with_tags(repo, tmp_path):
    git(repo, "tag", "-a", "v2.3.0", "-m", "x")
    for i in range(5):
        commit(repo, f"fix: {i}")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-tags", f"file://{repo}", str(clone)],
                   check=True, env=ENV)
    assert Git(clone).shallow
    with pytest.raises(GitError, match="shallow clone") as info:
        Git(clone).facts({}, "v", fetch=False)
    assert "git fetch --unshallow --tags" in info.value.hint
    assert version_of(clone) == "2.3.1"
    assert not Git(clone).shallow


def test_clone_without_tags_fetches_them(repo, tmp_path):
    git(repo, "tag", "-a", "v3.1.0", "-m", "x")
    commit(repo, "feat: more")
    clone = tmp_path / "notags"
    subprocess.run(["git", "clone", "-q", "--no-tags", f"file://{repo}", str(clone)], check=True, env=ENV)
    assert git(clone, "tag", "--list") == ""
    assert version_of(clone) == "3.2.0"


def test_shallow_clone_without_remote_says_what_to_fetch(repo, tmp_path):
    commit(repo, "fix: a")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True, env=ENV)
    git(clone, "remote", "remove", "origin")
    with pytest.raises(GitError, match="deepening it failed") as info:
        Git(clone).facts({}, "v")
    assert "--unshallow --tags" in info.value.hint


def test_not_a_repository(tmp_path):
    with pytest.raises(GitError, match="not inside a git repository"):
        Git(tmp_path)


def test_create_tag_is_idempotent_and_never_moves(repo):
    g = Git(repo)
    assert g.create_tag("v0.1.0", "first") is True
    assert g.create_tag("v0.1.0", "first") is False
    assert git(repo, "cat-file", "-t", "v0.1.0") == "tag"  # annotated
    commit(repo, "fix: a")
    with pytest.raises(GitError, match="already exists on another commit"):
        g.create_tag("v0.1.0", "again")


def test_step_version_tags_and_pushes_through_the_cli(cli, project, tmp_path):
    import json

    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    src = tmp_path / "orders-api"
    src.mkdir()
    git(src, "init", "-q", "-b", "main")
    commit(src, "feat: first")
    git(src, "remote", "add", "origin", str(remote))
    git(src, "checkout", "-q", "--detach")
    env = {"JENKINSCTL_CONFIG": str(project / "jenkinsctl.yaml"), "BRANCH_NAME": "main", **ENV}
    r = cli("step", "version", "--service", "orders-api", "--workdir", str(src), "--push-tag", "--json", cwd=src, env=env)
    assert r.code == 0, r.err
    assert json.loads(r.out)["VERSION"] == "0.1.0"
    assert "created: tag v0.1.0" in r.err and "pushed tag v0.1.0" in r.err
    assert git(remote, "tag", "--list") == "v0.1.0"
    commit(src, "fix: second")
    dry = cli("step", "version", "--service", "orders-api", "--workdir", str(src), "--tag", "--dry-run", cwd=src, env=env)
    assert dry.code == 0 and "VERSION=0.1.1" in dry.out and "would create annotated tag v0.1.1" in dry.err
    assert git(src, "tag", "--list") == "v0.1.0"
    properties = (src / ".jenkinsctl" / "version.properties").read_text()
    assert properties.startswith("VERSION=0.1.0\n")  # a dry run writes nothing


def test_step_version_in_a_detached_checkout_without_branch_is_a_clear_error(cli, project, repo):
    git(repo, "checkout", "-q", "--detach")
    r = cli("step", "version", "--service", "orders-api", "--workdir", str(repo), cwd=repo,
            env={"JENKINSCTL_CONFIG": str(project / "jenkinsctl.yaml")})
    assert r.code == 4
    assert "HEAD is detached" in r.err and "hint: set BRANCH_NAME" in r.err
