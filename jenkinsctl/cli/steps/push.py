"""`jenkinsctl step push`."""

from __future__ import annotations

import click

from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app
from jenkinsctl.cli.steps import json_option, service_option, workdir_option
from jenkinsctl.cli.steps.render import render_result


@click.command()
@service_option
@workdir_option
@json_option
@dry_run_option
@pass_app
def push(app: AppContext, service_name, workdir, as_json) -> None:
    """Ensure the ECR repository (immutable tags, scan on push, lifecycle policy), log in with
    the ECR token, push the version and SHA tags, and verify the pushed digest through the
    registry API. Refuses to move an existing tag. Writes .jenkinsctl/push.properties:
    IMAGE_DIGEST, IMAGE_REPOSITORY, IMAGE_URI, IMAGE_TAG, VERSION, GIT_SHA."""
    from jenkinsctl.steps import push as step
    from jenkinsctl.steps.context import make_context

    ctx = make_context(app, service_name, workdir)
    render_result(app, step.run(ctx), as_json)
