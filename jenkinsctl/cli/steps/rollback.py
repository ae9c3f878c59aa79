"""`jenkinsctl step rollback`."""

from __future__ import annotations

import click

from jenkinsctl.cli.arguments import ENVIRONMENT, VERSION
from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app
from jenkinsctl.cli.steps import json_option, service_option, workdir_option
from jenkinsctl.cli.steps.deploy import interval_option, timeout_option
from jenkinsctl.cli.steps.render import render_result


@click.command()
@service_option
@workdir_option
@click.option("--env", "env", required=True, metavar="ENV", type=ENVIRONMENT, help="The environment to roll back.")
@click.option("--to", "to_version", metavar="VERSION", type=VERSION, help="Return to this version (default: the last known "
              "good deploy before the one running).")
@timeout_option
@interval_option
@json_option
@dry_run_option
@pass_app
def rollback(app: AppContext, service_name, workdir, env, to_version, timeout, interval, as_json) -> None:
    """Roll ENV back to its last known good deploy (or --to VERSION), reusing the recorded task
    definition, with the environment's strategy; prints what it rolled back from and to.
    Needs no approval: it only returns to a deploy the environment already accepted.
    Writes .jenkinsctl/rollback.properties."""
    from jenkinsctl.steps import rollback as step
    from jenkinsctl.steps.context import make_context

    ctx = make_context(app, service_name, workdir)
    render_result(app, step.run(ctx, env, to_version, timeout, interval), as_json)
