"""`jenkinsctl step build`."""

from __future__ import annotations

import click

from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app
from jenkinsctl.cli.steps import json_option, service_option, workdir_option
from jenkinsctl.cli.steps.render import render_result


@click.command()
@service_option
@workdir_option
@click.option("--policy", type=click.Choice(["error", "warn"]), default="error", show_default=True,
              help="`warn` reports Dockerfile/image policy violations as warnings instead of failing.")
@click.option("--no-cache", is_flag=True, help="Build every step afresh: no local cache, no previous image pulled as cache.")
@json_option
@dry_run_option
@pass_app
def build(app: AppContext, service_name, workdir, policy, no_cache, as_json) -> None:
    """Check the Dockerfile policy (trusted, pinned FROM; no secret-looking build args; a
    .dockerignore), build the image with OCI labels, build args and target from the descriptor,
    then check the image for baked-in secrets. Needs `step version` first. Writes
    .jenkinsctl/build.properties: IMAGE_ID, IMAGE, VERSION..."""
    from jenkinsctl.steps import build as step
    from jenkinsctl.steps.context import make_context

    ctx = make_context(app, service_name, workdir)
    render_result(app, step.run(ctx, policy=policy, cache=not no_cache), as_json)
