"""`jenkinsctl pipeline ...`: a service's pipeline, run locally."""

from __future__ import annotations

import click

from jenkinsctl.cli.context import AppContext, pass_app
from jenkinsctl.cli.steps import workdir_option
from jenkinsctl.cli.steps.deploy import gated_wait_options


@click.group()
def pipeline() -> None:
    """Run a service's pipeline locally, stage by stage, as the standard Jenkinsfile does."""


@pipeline.command("run")
@click.argument("service_name", metavar="SERVICE")
@workdir_option
@click.option("--through", metavar="STAGE", help="Stop after this stage: version, build, test, push, or an "
              "environment (deploy the first, then promote into each next one up to it). Default: the first "
              "environment.")
@gated_wait_options
@pass_app
def run(app: AppContext, service_name, workdir, through, timeout, interval, approved_by) -> None:
    """Run SERVICE's pipeline from its source checkout (--workdir, default: here): Version,
    Build, Test, Push, Deploy to the first environment, and with --through ENV a promotion by
    digest (then a deploy) into every later environment up to ENV. Stops at the first failing
    stage with its exit code; prints a summary and writes .jenkinsctl/pipeline.properties.

    \b
      jenkinsctl pipeline run orders-api                       # ... -> Deploy dev
      jenkinsctl pipeline run orders-api --through prod --approved-by alice
      jenkinsctl pipeline run orders-api --through push        # build and push only
    """
    from jenkinsctl.pipeline import run as runner
    from jenkinsctl.steps.context import StepResult, make_context

    ctx = make_context(app, service_name, workdir)
    result = runner.run(ctx, through, approved_by, interval, timeout)
    ctx.write(StepResult("pipeline", result.values()))
    for key, value in result.values().items():
        app.out(f"{key}={value}")
    if result.error is not None:
        raise result.error


@pipeline.command("status")
@click.argument("service_name", metavar="SERVICE")
@pass_app
def status(app: AppContext, service_name) -> None:
    """What SERVICE runs in each environment, in promotion order: version, digest, task
    definition, ECS service, running/desired tasks, traffic weights, last known good."""
    from jenkinsctl.deploy.status import HEADER, SANDBOX_NOTE, environment_state

    ws = app.workspace()
    resolved = ws.service(service_name).resolved
    own = app.factory.aws(ws.config)
    sandbox = bool(own.endpoint_url)
    app.out(HEADER)
    for name, env in resolved.environments.items():
        app.out(environment_state(own.for_environment(env, resolved.name), resolved, name, sandbox).render())
    if sandbox:
        app.out(f"note: {SANDBOX_NOTE}")
