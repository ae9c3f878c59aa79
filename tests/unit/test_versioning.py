"""The pure version algorithm."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jenkinsctl.versioning import (
    DOCKER_TAG,
    Version,
    VersionInput,
    branch_slug,
    bump_level,
    next_version,
    release_of_tag,
    short_branch,
)

SHA = "0123456789abcdef0123456789abcdef01234567"


def facts(branch="main", last="1.4.0", messages=("fix: x",), **kw) -> VersionInput:
    return VersionInput(sha=SHA, branch=branch, main_branch="main",
                        last_release=Version.parse(last) if last else None,
                        last_release_tag=f"v{last}" if last else None, messages_since=list(messages), **kw)


@pytest.mark.parametrize("messages, level", [
    (["fix: a"], "patch"),
    (["chore: deps", "docs: readme"], "patch"),
    (["fix: a", "feat(api): b"], "minor"),
    (["feat!: drop v1 endpoints"], "major"),
    (["refactor(core)!: rename"], "major"),
    (["fix: a\n\nBREAKING CHANGE: config key renamed"], "major"),
    (["Merge branch 'feature/x'", "feat: x"], "minor"),
    ([], None),
])
def test_bump_level_follows_conventional_commits(messages, level):
    assert bump_level(messages) == level


@pytest.mark.parametrize("messages, expected", [
    (["fix: a"], "1.4.1"), (["feat: a"], "1.5.0"), (["feat!: a"], "2.0.0"), ([], "1.4.0")])
def test_main_branch_versions(messages, expected):
    result = next_version(facts(messages=messages))
    assert (result.version, result.image_tag, result.prerelease) == (expected, expected, False)
    assert result.git_tag == f"v{expected}"


def test_feature_branch_is_a_prerelease_counting_commits():
    result = next_version(facts(branch="feature/login", messages=["feat: a", "fix: b", "fix: c"]))
    assert result.version == "1.5.0-feature-login.3"
    assert result.prerelease and result.branch == "feature/login"


def test_jenkins_branch_names_are_shortened():
    assert short_branch("origin/main") == "main"
    assert short_branch("refs/heads/feature/x") == "feature/x"
    assert next_version(facts(branch="origin/main")).prerelease is False


def test_no_tags_yet_starts_from_the_initial_version():
    assert next_version(facts(last=None, initial="0.3.0", messages=["feat: a"] * 5)).version == "0.3.0"
    assert next_version(facts(branch="dev", last=None, messages=["x"] * 5)).version == "0.1.0-dev.5"


def test_sha_scheme():
    result = next_version(facts(scheme="sha"))
    assert result.version == result.image_tag == result.git_sha_tag == "sha-0123456789ab"


def test_sha_tag_is_a_docker_tag():
    result = next_version(facts())
    assert result.git_sha_tag == "sha-0123456789ab" and DOCKER_TAG.match(result.git_sha_tag)


def test_release_tags_ignore_non_semver_and_prereleases():
    assert release_of_tag("v1.2.3", "v") == Version(1, 2, 3)
    assert release_of_tag("1.2.3", "") == Version(1, 2, 3)
    for tag in ("v1.2", "release-7", "v1.2.3-rc.1", "1.2.3", "vfoo", "v01.2.3"):
        assert release_of_tag(tag, "v") is None


def test_build_metadata_never_reaches_a_docker_tag():
    # a tag with +metadata is a valid release, but the computed tag never contains '+'
    assert release_of_tag("v1.2.3+build.7", "v") == Version(1, 2, 3)
    assert "+" not in next_version(facts(last="1.2.3")).image_tag


@given(st.text(min_size=1, max_size=300))
def test_any_branch_name_gives_a_valid_docker_tag(branch):
    result = next_version(facts(branch=branch, messages=["fix: x"] * 1234))
    assert DOCKER_TAG.match(result.image_tag), result.image_tag
    assert len(result.image_tag) <= 128 and "+" not in result.image_tag
    assert Version.parse(result.version) is not None  # still semver


def test_branch_slug():
    assert branch_slug("feature/Login_UI") == "feature-login-ui"
    assert branch_slug("0042") == "b0042"
    assert branch_slug("///") == "branch"
