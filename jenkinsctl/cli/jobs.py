"""`jenkinsctl jobs ...`: render jobs from descriptors; diff and sync them with Jenkins."""

from __future__ import annotations

from pathlib import Path

import click

from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app


@click.group()
def jobs() -> None:
    """Jenkins jobs from service descriptors: render them, diff them against Jenkins, sync them.

    \b
    Every service gets, in <jenkins.folder>/<team>/<service>/: ci, deploy-<env> per environment,
    promote (with more than one environment) and rollback. Jobs carry an ownership mark
    (namespace, service, config hash) inside Jenkins; sync decides from those marks, never from a
    local cache, and never touches jobs it does not own.
    \b
      jenkinsctl jobs render                       # summary; -o DIR writes config.xml files
      jenkinsctl jobs render --format job-dsl orders-api
      jenkinsctl jobs diff                         # what sync would change, with XML diffs
      jenkinsctl jobs sync --prune                 # apply; disable (later delete) stale jobs and
                                                   # their folders, once empty
    \b
    Jenkins: $JENKINS_URL (else jenkins.url), $JENKINS_USER, $JENKINS_API_TOKEN.
    """


@jobs.command("render")
@click.argument("services", nargs=-1)
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write files here (xml: <job>/config.xml; jjb: projects.yaml; job-dsl: one .groovy per service).")
@click.option("--format", "fmt", type=click.Choice(["xml", "jjb", "job-dsl"]), default=None,
              help="Output format; without -o and --format, prints a summary of the jobs.")
@click.option("--templates", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Job templates folder (default: jobs/ beside jenkinsctl.yaml; $JENKINSCTL_JOB_TEMPLATES).")
@pass_app
def render(app: AppContext, services: tuple[str, ...], out_dir: Path | None, fmt: str | None,
           templates: Path | None) -> None:
    """Render the jobs of SERVICES (default: all). Pure: no Jenkins needed."""
    from jenkinsctl.jobgen import render_workspace, rendered_files, summarize

    ws = app.workspace()
    jobset = render_workspace(ws, services, app.environ, templates)
    n_jobs = sum(1 for j in jobset.jobs if not j.is_folder)
    if fmt is None and out_dir is None:
        for line in summarize(jobset):
            app.out(line)
        app.info(f"{n_jobs} jobs for {len(jobset.services)} services, namespace '{jobset.namespace}'")
        return
    files = rendered_files(ws, jobset, fmt or "xml", services)
    if out_dir is None:
        for path, text in files.items():
            comment = "#" if path.endswith(".yaml") else ("//" if path.endswith(".groovy") else None)
            if len(files) > 1:
                app.out(f"{comment} {path}" if comment else f"<!-- {path} -->")
            app.out(text.rstrip())
        return
    for path, text in files.items():
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    app.out(f"wrote {len(files)} files to {out_dir}/ ({n_jobs} jobs, {len(jobset.services)} services)")


@jobs.command("diff")
@click.argument("services", nargs=-1)
@click.option("--prune", type=click.Choice(["disable", "delete"]), is_flag=False, flag_value="disable",
              default=None, help="Also show what pruning would disable or delete.")
@click.option("--no-xml", is_flag=True, help="Only the list of changes, no config.xml diffs.")
@click.option("--config-deploys", is_flag=True, help="Also compare each environment's deploy record (AWS) with "
              "the descriptors' runtime configuration: environments whose configuration changed are redeployed "
              "(same image) through their deploy job.")
@pass_app
def diff(app: AppContext, services: tuple[str, ...], prune: str | None, no_xml: bool, config_deploys: bool) -> None:
    """Show what `jobs sync` would create, update, disable or delete (SERVICES: only their jobs and folders),
    with a unified diff of config.xml for every update. Changes nothing."""
    from jenkinsctl.jobgen import render_workspace
    from jenkinsctl.jobsync.normalize import diff_action
    from jenkinsctl.jobsync.plan import mass_prune_refusal, plan_sync
    from jenkinsctl.jobsync.remote import read_remote

    ws = app.workspace()
    ws.require_services()
    jobset = render_workspace(ws, (), app.environ)
    client = app.factory.jenkins(ws.config, on_retry=app.debug)
    plan = plan_sync(jobset, read_remote(client, jobset.root), prune=prune,
                     grace_days=ws.config.jenkins.prune_grace_days)
    wanted = set(services)
    for action in plan.actions:
        if wanted and action.service not in wanted:
            continue
        app.out(f"{action.op:<8} {action.name}  ({action.reason})")
        if action.op == "update" and not no_xml:
            app.out(diff_action(client, action).rstrip() or "  (only the ownership mark differs)")
    app.info(f"{client.url}: {plan.summary()}")
    refusal = mass_prune_refusal(plan) if prune else None
    if refusal:
        app.info(f"note: `jobs sync --prune` {refusal}; it refuses that without --allow-mass-prune")
    if config_deploys:
        drifts = _config_drift(app, ws, services)
        for d in drifts:
            for line in d.render():
                app.out(line)
        app.info(f"config deploys: {sum(d.state == 'drift' for d in drifts)} environments would redeploy")


def _config_drift(app, ws, services=()):
    from jenkinsctl.deploy.drift import config_drift
    from jenkinsctl.jobgen.params import job_root

    resolved = [s.resolved for s in ws.select(services)]
    return config_drift(app.factory.aws(ws.config), resolved, lambda r: job_root(ws.config, r.team, r.name))


@jobs.command("sync")
@click.option("--prune", type=click.Choice(["disable", "delete"]), is_flag=False, flag_value="disable",
              default=None, help="Disable jobs this namespace owns that are no longer generated, and delete "
              "them after jenkins.pruneGraceDays (--prune=delete: delete at once); then delete this "
              "namespace's folders that are no longer generated and are left empty.")
@click.option("--allow-mass-prune", is_flag=True, help="Let --prune retire more than half of this namespace's "
              "services (or all of them, with no descriptor left); refused without it (exit 3).")
@click.option("--config-deploys", is_flag=True, help="Also compare each environment's deploy record (AWS) with "
              "the descriptors' runtime configuration: environments whose configuration changed are redeployed "
              "(same image) through their deploy job.")
@dry_run_option
@pass_app
def sync(app: AppContext, prune: str | None, allow_mass_prune: bool, config_deploys: bool) -> None:
    """Create and update this namespace's jobs in Jenkins; with --prune, retire stale ones.

    Unchanged jobs are not written (decided from the marks in Jenkins, no cache). Jobs without a
    mark, or marked by another namespace, are never modified. Transient failures are retried;
    when some changes still fail, the report lists what was and was not applied (exit 4) and the
    next sync finishes the work.
    """
    from jenkinsctl.errors import JenkinsError, PolicyError
    from jenkinsctl.jobgen import render_workspace
    from jenkinsctl.jobsync.apply import sync as run_sync
    from jenkinsctl.jobsync.plan import conflict_lines

    ws = app.workspace()
    if not (prune and ws.loaded.services_dir.is_dir()):
        ws.require_services()  # with --prune, the mass-prune guard decides (retiring all takes --allow-mass-prune)
    jobset = render_workspace(ws, (), app.environ)
    client = app.factory.jenkins(ws.config, on_retry=app.debug)
    result = run_sync(client, jobset, prune=prune, grace_days=ws.config.jenkins.prune_grace_days,
                      dry_run=app.dry_run, progress=app.debug, allow_mass_prune=allow_mass_prune)
    for line in result.plan.render():
        app.out(line)
    calls = f"{client.calls.reads} reads, {client.calls.writes} writes"
    drifts = _config_drift(app, ws) if config_deploys else []
    if result.report is None:
        app.info(f"dry run against {client.url}: {result.plan.summary()}; nothing was changed ({calls})")
    else:
        app.info(f"{client.url}: {result.plan.summary()} ({calls})")
        if result.report.ok and result.report.applied:
            app.out(result.report.done())
        if not result.report.ok:
            for line in result.report.render():
                app.out(line)
    for d in drifts:
        for line in d.render():
            app.out(line)
    if drifts and result.report is not None and result.report.ok:
        from jenkinsctl.deploy.drift import start_redeploys

        start_redeploys(client, drifts, app.info)
    conflicts, hints = conflict_lines(result.plan)
    if conflicts:
        n = len(conflicts)
        done = ("nothing was changed (dry run)" if result.report is None else
                "everything else was synced" if result.report.ok else "the rest is reported above")
        raise PolicyError(f"{n} generated item{'s' if n != 1 else ''} collide{'s' if n == 1 else ''} with "
                          f"items not this namespace's; they were left alone, {done}", "; ".join(hints), conflicts)
    if result.report is not None and not result.report.ok:
        raise JenkinsError(f"sync incomplete: {len(result.report.failed)} changes failed, "
                           f"{len(result.report.skipped)} not attempted; {len(result.report.applied)} applied",
                           "fix the cause above and run `jenkinsctl jobs sync` again: it picks up where this one stopped")
