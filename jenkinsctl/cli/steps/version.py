"""`jenkinsctl step version`."""

from __future__ import annotations

import click

from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app
from jenkinsctl.cli.steps import json_option, service_option, workdir_option
from jenkinsctl.cli.steps.render import render_result


@click.command()
@service_option
@workdir_option
@click.option("--tag", is_flag=True, help="Create the annotated git tag for this version (e.g. v1.5.0).")
@click.option("--push-tag", is_flag=True, help="Create the tag and push it to origin.")
@click.option("--no-fetch", is_flag=True, help="Never fetch: fail on a shallow clone instead of deepening it.")
@json_option
@dry_run_option
@pass_app
def version(app: AppContext, service_name, workdir, tag, push_tag, no_fetch, as_json) -> None:
    """Compute the next version from the last semver tag and the conventional commits since
    (fix -> patch, feat -> minor, `!`/BREAKING CHANGE -> major); branches other than main get a
    pre-release (1.5.0-feature-login.3). Works in detached (BRANCH_NAME/GIT_BRANCH) and shallow
    checkouts. Writes .jenkinsctl/version.properties: VERSION, IMAGE_TAG, GIT_SHA, GIT_SHA_TAG,
    BRANCH, PRERELEASE."""
    from jenkinsctl.steps import version as step
    from jenkinsctl.steps.context import make_context

    ctx = make_context(app, service_name, workdir)
    render_result(app, step.run(ctx, tag=tag, push_tag=push_tag, fetch=not no_fetch), as_json)
