"""`jenkinsctl env ...`: preview environments, one per branch, on demand."""

from __future__ import annotations

import click

from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app
from jenkinsctl.cli.steps import workdir_option


@click.group()
def env() -> None:
    """Preview environments: a branch's own short-lived copy of a base environment.

    \b
    A descriptor opts in with `previews: {from: dev, ttlHours: 72, host: "{branch}.{service}.dev.example.com"}`;
    a branch build (`step deploy --branch B`) then deploys to pv-<branch>: its own ECS service, task
    definition family, target group and host rule on the base environment's load balancer and cluster.
    \b
      jenkinsctl env list [SERVICE]
      jenkinsctl env up   orders-api --branch feature/login [--version V | --image URI]
      jenkinsctl env down orders-api --branch feature/login [--dry-run]
      jenkinsctl env gc   [SERVICE...] [--dry-run]     # branch deleted, or ttlHours since the last deploy
    """


def _aws(app, ws):
    return app.factory.aws(ws.config)


def _with_previews(ws, names):
    services = [s.resolved for s in ws.select(names)]
    return [s for s in services if s.previews] if not names else services


@env.command("list")
@click.argument("services", nargs=-1)
@pass_app
def list_(app: AppContext, services) -> None:
    """The previews of SERVICES (default: every service with previews)."""
    from jenkinsctl.previews import manager

    ws = app.workspace()
    aws = _aws(app, ws)
    n = 0
    for svc in _with_previews(ws, services):
        for p in manager.list_previews(aws, svc):
            app.out(f"{svc.name:<20} {p.render()}")
            n += 1
    app.info(f"{n} previews")


@env.command("up")
@click.argument("service_name", metavar="SERVICE")
@click.option("--branch", required=True, help="The branch whose preview to deploy.")
@click.option("--version", metavar="V", help="Deploy this version (default: what `step push` pushed).")
@click.option("--image", metavar="URI", help="Deploy this image (<registry>/<repo>@sha256:...).")
@workdir_option
@dry_run_option
@pass_app
def up(app: AppContext, service_name, branch, version, image, workdir) -> None:
    """Deploy SERVICE's image to the preview of BRANCH (created on first use); the same as a
    CI build of BRANCH does (`step deploy --branch`)."""
    from jenkinsctl.steps import deploy as step
    from jenkinsctl.steps.context import make_context

    ctx = make_context(app, service_name, workdir)
    step.run_preview(ctx, branch, version, image)


@env.command("down")
@click.argument("service_name", metavar="SERVICE")
@click.option("--branch", required=True)
@dry_run_option
@pass_app
def down(app: AppContext, service_name, branch) -> None:
    """Remove BRANCH's preview of SERVICE and everything it created (plan first)."""
    from jenkinsctl.previews import manager

    ws = app.workspace()
    manager.down(_aws(app, ws), ws.service(service_name).resolved, branch, app.info, app.dry_run)


@env.command("gc")
@click.argument("services", nargs=-1)
@dry_run_option
@pass_app
def gc(app: AppContext, services) -> None:
    """Remove previews whose branch is gone from the service's repository or whose TTL passed."""
    from jenkinsctl.previews import manager

    ws = app.workspace()
    aws = _aws(app, ws)
    removed = [p for svc in _with_previews(ws, services) for p in manager.gc(aws, svc, app.info, app.dry_run)]
    app.info(f"{'would remove' if app.dry_run else 'removed'} {len(removed)} previews")
