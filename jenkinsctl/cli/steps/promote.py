"""`jenkinsctl step promote`."""

from __future__ import annotations

import click

from jenkinsctl.cli.arguments import ENVIRONMENT, VERSION, check_promotion
from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app
from jenkinsctl.cli.steps import json_option, service_option, workdir_option
from jenkinsctl.cli.steps.deploy import gated_wait_options
from jenkinsctl.cli.steps.render import render_result


@click.command()
@service_option
@workdir_option
@click.option("--from", "from_env", metavar="ENV", type=ENVIRONMENT,
              help="Source environment (default: the target's promoteFrom).")
@click.option("--to", "to_env", required=True, metavar="ENV", type=ENVIRONMENT, help="Target environment.")
@click.option("--version", metavar="V", type=VERSION, help="Promote this version (it must have been deployed successfully to "
              "the source); default: what the source runs, its last known good.")
@click.option("--deploy", "and_deploy", is_flag=True, help="Then deploy it to the target environment.")
@gated_wait_options
@json_option
@dry_run_option
@pass_app
def promote(app: AppContext, service_name, workdir, from_env, to_env, version, and_deploy, timeout, interval,
            approved_by, as_json) -> None:
    """Promote the image running and healthy in --from to --to by digest, through the registry
    API (no pull, no rebuild; cross-repository mount or cross-registry copy when the target
    repository differs; the digest is verified identical). Refuses (exit 3) a digest never
    deployed successfully to --from. Writes .jenkinsctl/promote.properties."""
    from jenkinsctl.steps import promote as step
    from jenkinsctl.steps.context import make_context

    check_promotion(app.config().config.environment_names, from_env, to_env)
    ctx = make_context(app, service_name, workdir)
    render_result(app, step.run(ctx, from_env, to_env, version, and_deploy, timeout, interval, approved_by), as_json)
