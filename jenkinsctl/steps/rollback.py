"""`step rollback`: back to the last known good (or a named version) with the same strategy
machinery, reporting what it rolled back from and to."""

from __future__ import annotations

from jenkinsctl.errors import UsageError
from jenkinsctl.steps.context import StepContext, StepResult


def choose(records, current_arn: str | None, current_digest: str | None, to_version: str | None):
    """The record to return to: the named version, else the newest good deploy that is not what
    runs now."""
    if to_version:
        return next((r for r in records if r.version == to_version), None)
    return next((r for r in records if r.taskDefinition != current_arn and r.digest != current_digest), None)


def run(ctx: StepContext, env: str, to_version: str | None = None, timeout: float | None = None,
        interval: float = 10.0) -> StepResult:
    from jenkinsctl.deploy.deployer import DeployRequest, deploy, make_deploy_plan
    from jenkinsctl.deploy.lastgood import LastKnownGood
    from jenkinsctl.deploy.resources import resources_for
    from jenkinsctl.deploy.taskdef import image_of
    from jenkinsctl.steps.deploy import clients_for, health_mode, image_check, result_of

    environment = ctx.resolved.environment(env)
    clients = clients_for(ctx, env)
    records = LastKnownGood(clients, resources_for(ctx.resolved, environment)).history()
    if not records:
        raise UsageError(f"no successful deploy of {ctx.resolved.name} to {env} is recorded; nothing to roll back to",
                         "rollback needs at least one earlier deploy made by jenkinsctl")
    # what runs now: read through the same planner the deploy uses
    probe = DeployRequest(env, records[0].image, records[0].version, records[0].gitSha)
    _, _, plan = make_deploy_plan(clients, ctx.resolved, probe)
    current = plan.observed.current_taskdef or {}
    current_arn = plan.observed.current_taskdef_arn
    current_image = image_of(current) or "-"
    current_version = (current.get("tags") or {}).get("version", "unknown")
    target = choose(records, current_arn, current_image.rsplit("@", 1)[-1], to_version)
    if target is None:
        known = ", ".join(dict.fromkeys(r.version for r in records))
        raise UsageError(f"no earlier good deploy of {ctx.resolved.name} to {env}"
                         + (f" with version {to_version}" if to_version else " other than the one running"),
                         f"versions deployed successfully to {env}: {known}")
    ctx.report(f"rollback {ctx.resolved.name} in {env}: from {current_version} ({current_image.rsplit('@', 1)[-1][:19]}, "
               f"{(current_arn or '-').rsplit('/', 1)[-1]}) to {target.version} ({target.digest[:19]}, "
               f"{target.taskDefinition.rsplit('/', 1)[-1]})")
    req = DeployRequest(env, target.image, target.version, target.gitSha, None, timeout, interval, health_mode(ctx),
                        taskdef_arn=target.taskDefinition, image_check=image_check(ctx, env, clients))
    # no approval gate: a rollback only returns to a deploy this environment already accepted
    outcome = deploy(clients, ctx.resolved, req, ctx.report, ctx.environ, ctx.dry_run, require_approval=False)
    result = result_of(outcome, "rollback")
    result.values.update({"FROM_VERSION": current_version, "FROM_TASK_DEFINITION_ARN": current_arn or "",
                          "FROM_IMAGE_URI": current_image})
    result.summary = f"{env}: {current_version} -> {target.version} ({outcome.outcome})"
    if not ctx.dry_run:
        ctx.write(result)
    return result
