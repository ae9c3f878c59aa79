"""`jenkinsctl step test`."""

from __future__ import annotations

import click

from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app
from jenkinsctl.cli.steps import json_option, service_option, workdir_option
from jenkinsctl.cli.steps.render import render_result


@click.command()
@service_option
@workdir_option
@click.option("--network/--no-network", default=None,
              help="Give the test container the host network (default: the descriptor's build.testNetwork).")
@json_option
@dry_run_option
@pass_app
def test(app: AppContext, service_name, workdir, network, as_json) -> None:
    """Run the descriptor's build.test command inside the built image (or `docker compose run
    test` with build.compose). A JUnit XML written to $JUNIT_XML lands in
    .jenkinsctl/test-reports/. Exits 1 when the tests fail."""
    from jenkinsctl.steps import test as step
    from jenkinsctl.steps.context import make_context

    ctx = make_context(app, service_name, workdir)
    render_result(app, step.run(ctx, network=network), as_json)
