"""`step promote`: the image running and healthy in --from, by digest, into --to's repository
through the registry API; `--deploy` then deploys it. Writes the push contract's keys
(IMAGE_DIGEST, IMAGE_REPOSITORY, IMAGE_URI, VERSION, GIT_SHA) plus FROM/TO_ENVIRONMENT, METHOD,
BYTES_UPLOADED, and the deploy's keys with --deploy."""

from __future__ import annotations

from jenkinsctl.errors import UsageError
from jenkinsctl.steps.context import StepContext, StepResult


def run(ctx: StepContext, from_env: str | None, to_env: str, version: str | None = None, deploy: bool = False,
        timeout: float | None = None, interval: float = 10.0, approved_by: str | None = None) -> StepResult:
    from jenkinsctl.deploy import promotion
    from jenkinsctl.deploy.deployer import DeployRequest, check_approval
    from jenkinsctl.deploy.deployer import deploy as do_deploy
    from jenkinsctl.registry.addressing import split_repository, target_of
    from jenkinsctl.registry.login import registry_clients
    from jenkinsctl.steps.deploy import clients_for, health_mode, image_check

    resolved = ctx.resolved
    target_env = resolved.environment(to_env)
    from_env = from_env or target_env.promote_from
    if not from_env:
        raise UsageError(f"{to_env} is the first environment of {resolved.name}; there is nothing to promote from",
                         f"deploy to {to_env} with `jenkinsctl step deploy --env {to_env}`")
    resolved.environment(from_env)
    if deploy:  # refuse before copying anything
        check_approval(target_env, approved_by, ctx.environ)
    src_clients, dst_clients = clients_for(ctx, from_env), clients_for(ctx, to_env)
    dst_clients.assume()  # a refused target role stops the promotion before anything is copied
    record = promotion.source_record(src_clients, resolved, from_env, version)
    source_host = split_repository(record.repository)[0]
    ctx.report(f"promote {resolved.name} {record.version} ({record.digest[:19]}) from {from_env} to {to_env}")
    ctx.report(f"  {from_env} (read): {resolved.environment(from_env).access()}")
    ctx.report(f"  {to_env} (written): {target_env.access()}")
    if ctx.dry_run:
        endpoint, repo = target_of(ctx.config, resolved, to_env)
        ctx.report(f"dry run: would make {record.digest} available in {endpoint}/{repo}"
                   + (f" and deploy it to {to_env}" if deploy else ""))
        return StepResult("promote", {"VERSION": record.version, "IMAGE_DIGEST": record.digest}, "dry run")
    dst_endpoint, dst_repo = target_of(ctx.config, resolved, to_env)
    src_reg = ctx.factory.registry_for(ctx.config, source_host, registry_clients(
        ctx.config, source_host, resolved.environment(from_env), src_clients, ctx.aws()))
    dst_reg = ctx.factory.registry_for(ctx.config, dst_endpoint, registry_clients(
        ctx.config, dst_endpoint, target_env, dst_clients, ctx.aws()))
    p = promotion.promote(resolved, from_env, to_env, record, src_reg, dst_reg, dst_repo, ctx.report)
    values = p.values()
    summary = f"{p.version} {p.digest[:19]} {from_env} -> {to_env} ({p.method}, {p.bytes_uploaded} bytes uploaded)"
    if deploy:
        req = DeployRequest(to_env, p.image_uri, p.version, p.git_sha, None, timeout, interval, health_mode(ctx),
                            approved_by, image_check=image_check(ctx, to_env, dst_clients))
        outcome = do_deploy(dst_clients, resolved, req, ctx.report, ctx.environ)
        values.update({k: v for k, v in outcome.values().items() if k not in values})
        values["TASK_DEFINITION_ARN"] = outcome.taskdef_arn
        summary += f"; deployed: {outcome.outcome}"
    result = StepResult("promote", values, summary)
    ctx.write(result)
    return result
