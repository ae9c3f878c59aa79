"""`jenkinsctl step deploy`."""

from __future__ import annotations

import click

from jenkinsctl.cli.arguments import DIGEST_IMAGE_TYPE, ENVIRONMENT, VERSION, FiniteFloatRange, check_exclusive, split_image
from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app
from jenkinsctl.cli.steps import json_option, service_option, workdir_option
from jenkinsctl.cli.steps.render import render_result

approved_by_option = click.option(
    "--approved-by", metavar="USER", envvar="JENKINSCTL_APPROVED_BY",
    help="Who approved this deploy (environments with approval: true). The Jenkins deploy job sets "
         "$JENKINSCTL_APPROVED_BY after its input step; without it such a deploy is refused (exit 3).")
timeout_option = click.option("--timeout", type=FiniteFloatRange(1), metavar="SECONDS",
                              help="Give up (and restore the previous revision) after this; default: the "
                                   "environment's timeoutSeconds.")
interval_option = click.option("--poll-interval", "interval", type=FiniteFloatRange(0), default=10.0,
                               show_default=True, metavar="SECONDS", help="Seconds between polls.")


def gated_wait_options(f):
    """--timeout, --poll-interval and --approved-by: every command that deploys."""
    return timeout_option(interval_option(approved_by_option(f)))


@click.command()
@service_option
@workdir_option
@click.option("--env", "env", metavar="ENV", type=ENVIRONMENT, help="The environment to deploy to.")
@click.option("--branch", metavar="BRANCH", help="Instead of --env: where a CI build of BRANCH deploys (the main "
              "branch: the first environment; other branches: their preview with `previews:`, else nowhere).")
@click.option("--config-only", is_flag=True, help="Redeploy the image ENV runs (its deploy record) with the "
              "descriptor's current runtime configuration (env, secrets, cpu, memory, count, health check, "
              "autoscaling); nothing to do when it is unchanged.")
@click.option("--version", "version", metavar="V", type=VERSION,
              help="Deploy this version (default: what `step push` pushed).")
@click.option("--image", metavar="URI", type=DIGEST_IMAGE_TYPE,
              help="Deploy this image (<registry>/<repo>@sha256:..., or <registry>/<repo>:<version>@sha256:... "
                   "to record its version); not with --version.")
@click.option("--strategy", type=click.Choice(["rolling", "blue-green", "canary", "linear"]),
              help="Override the descriptor's strategy for this deploy.")
@gated_wait_options
@json_option
@dry_run_option
@pass_app
def deploy(app: AppContext, service_name, workdir, env, branch, config_only, version, image, strategy, timeout,
           interval, approved_by, as_json) -> None:
    """Deploy the image by digest to ENV: print the plan (task definition diff, resources,
    service changes, strategy), then run it and wait. Exits 1 when the deploy rolled back,
    timed out or was aborted, and says which; on success records the digest and task
    definition as ENV's last known good (SSM /jenkinsctl/<service>/<env>/). Writes
    .jenkinsctl/deploy.properties."""
    from jenkinsctl.errors import UsageError
    from jenkinsctl.steps import deploy as step
    from jenkinsctl.steps.context import make_context

    if (env is None) == (branch is None):
        raise UsageError("give one of --env ENV or --branch BRANCH", "jenkinsctl step deploy --env dev, or in a "
                         "multibranch job: jenkinsctl step deploy --branch \"$BRANCH_NAME\"")
    if config_only and (env is None or version or image or strategy):
        raise UsageError("--config-only redeploys what --env runs: it takes no --branch, --version, --image or "
                         "--strategy", "jenkinsctl step deploy --env dev --config-only")
    check_exclusive({"--image": image, "--version": version},
                    "--version looks the image up; --image names it: to record the version of an image given by "
                    "digest, name it <registry>/<repository>:<version>@sha256:<digest>")
    if image:
        image, version = split_image(image)
    ctx = make_context(app, service_name, workdir)
    if branch is not None:
        result = step.run_for_branch(ctx, branch, version, image, timeout, interval, approved_by)
    elif config_only:
        result = step.run_config_only(ctx, env, timeout, interval, approved_by)
    else:
        result = step.run(ctx, env, version, strategy, image, timeout, interval, approved_by)
    render_result(app, result, as_json)
