"""`step version`: the next version from git tags and conventional commits, independent of the
Jenkins build number. Writes VERSION, IMAGE_TAG, GIT_SHA, GIT_SHA_TAG, BRANCH, PRERELEASE."""

from __future__ import annotations

from jenkinsctl.steps.context import StepContext, StepResult
from jenkinsctl.vcs import Git
from jenkinsctl.versioning import VersionInput, VersionResult, next_version


def compute(ctx: StepContext, fetch: bool = True) -> tuple[Git, VersionResult]:
    spec = ctx.resolved.versioning
    git = Git(ctx.workdir, ctx.environ)
    facts = git.facts(ctx.environ, spec.tag_prefix, fetch=fetch)
    result = next_version(VersionInput(
        sha=facts.sha, branch=facts.branch, main_branch=ctx.resolved.main_branch,
        last_release=facts.last_release, last_release_tag=facts.last_release_tag,
        messages_since=facts.messages_since, initial=spec.initial or ctx.config.defaults.initial_version,
        scheme=spec.scheme, tag_prefix=spec.tag_prefix))
    return git, result


def run(ctx: StepContext, tag: bool = False, push_tag: bool = False, fetch: bool = True) -> StepResult:
    git, result = compute(ctx, fetch=fetch)
    values = result.values()
    base = f"{result.base} + {result.commits_since} commit(s), bump {result.bump}" if result.base != "none" \
        else f"no release tag yet ({result.bump})"
    ctx.report(f"version {result.version} on {result.branch} @ {result.git_sha[:12]} ({base})")
    if (tag or push_tag) and result.git_tag:
        if ctx.dry_run:
            ctx.report(f"dry run: would create annotated tag {result.git_tag}" + (" and push it" if push_tag else ""))
        else:
            created = git.create_tag(result.git_tag, f"{ctx.resolved.name} {result.version}")
            ctx.report(f"{'created' if created else 'already present'}: tag {result.git_tag}")
            if push_tag:
                git.push_tag(result.git_tag)
                ctx.report(f"pushed tag {result.git_tag}")
    step = StepResult("version", values, f"{result.version} ({result.image_tag}, {result.git_sha_tag})")
    if not ctx.dry_run:
        ctx.write(step)
    return step
