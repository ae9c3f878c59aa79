"""`step deploy`: deploy the pushed image (by digest) to one environment with the descriptor's
strategy. Writes SERVICE, ENVIRONMENT, STRATEGY, VERSION, IMAGE_URI, IMAGE_DIGEST,
TASK_DEFINITION_ARN, PREVIOUS_TASK_DEFINITION_ARN, OUTCOME.

`--branch B` (the Jenkinsfile's): the main branch deploys to the first environment, other branches
to their preview when the descriptor has `previews:`, else nowhere. `--config-only`: the digest the
environment runs (its deploy record), again, with the descriptor's current runtime configuration."""

from __future__ import annotations

from jenkinsctl.errors import UsageError
from jenkinsctl.steps.context import StepContext, StepResult


def clients_for(ctx: StepContext, env_name: str):
    """Clients acting in the environment: its region, through its roleArn when it has one."""
    return ctx.aws().for_environment(ctx.resolved.environment(env_name), ctx.resolved.name)


def health_mode(ctx: StepContext) -> str:
    """ALB target health on AWS; ECS running counts on the sandbox, where moto never registers
    ECS tasks in target groups."""
    return "ecs" if ctx.config.aws.endpoint_url else "targets"


def find_image(ctx: StepContext, clients, version: str | None, image: str | None) -> tuple[str, str, str]:
    """(image URI by digest, version, git SHA): --image, else --version from a deploy record of
    any environment or the push results, else the push step's results."""
    if image:
        if "@sha256:" not in image:
            raise UsageError(f"--image {image} is not pinned by digest", "pass <registry>/<repo>@sha256:...")
        return image, version or "unknown", ctx.environ.get("GIT_COMMIT", "unknown")
    pushed = None
    if (ctx.results_dir / "push.json").is_file():
        pushed = ctx.read("push")
    if version is None:
        if pushed is None:
            ctx.read("push")  # raises: run `jenkinsctl step push` first
        return pushed["IMAGE_URI"], pushed["VERSION"], pushed.get("GIT_SHA", "unknown")
    if pushed and pushed.get("VERSION") == version:
        return pushed["IMAGE_URI"], version, pushed.get("GIT_SHA", "unknown")
    for env in ctx.resolved.environments.values():
        record = _record_in(ctx, env, clients, version)
        if record:
            return record.image, record.version, record.gitSha
    from_registry = _registry_lookup(ctx, ctx.aws(), version)
    if from_registry:
        return from_registry, version, "unknown"
    raise UsageError(f"version {version} of {ctx.resolved.name} was never pushed here nor deployed anywhere",
                     "run `jenkinsctl step push` for it first, or name the image with --image")


def _record_in(ctx: StepContext, env, clients, version: str):
    """The deploy record of `version` in `env` (records live in each environment's account). Another
    environment that cannot be read (its role refuses this job) is skipped, and said so."""
    from jenkinsctl.deploy.lastgood import LastKnownGood
    from jenkinsctl.deploy.resources import resources_for
    from jenkinsctl.errors import AwsError

    env_clients = ctx.aws().for_environment(env, ctx.resolved.name)
    try:
        return LastKnownGood(env_clients, resources_for(ctx.resolved, env)).find(version=version)
    except AwsError as exc:
        if env_clients is clients:
            raise
        ctx.report(f"skipped {env.name}'s deploy records: {exc.message}")
        return None


def _registry_lookup(ctx: StepContext, clients, version: str) -> str | None:
    """The digest the service's repository holds for the version's tag."""
    from jenkinsctl.registry.addressing import image_target

    target = image_target(ctx.config, ctx.resolved)
    reg = ctx.factory.registry_for(ctx.config, target.endpoint, clients)
    for tag in dict.fromkeys((version, ctx.resolved.versioning.tag_prefix + version)):
        digest = reg.manifest_head(target.repository, tag)
        if digest:
            return f"{target.name}@{digest}"
    return None


def image_check(ctx: StepContext, env_name: str, clients):
    """uri -> ("ok" | "missing" | "unknown", what): is the digest in the registry the environment
    pulls from? Asked through the registry API with the environment's ECR login, one HEAD."""
    from jenkinsctl.errors import AwsError, RegistryError
    from jenkinsctl.registry.addressing import split_repository
    from jenkinsctl.registry.login import registry_clients

    env = ctx.resolved.environment(env_name)

    def check(uri: str) -> tuple[str, str]:
        reference, _, digest = uri.partition("@")
        host, repo = split_repository(reference)
        try:
            reg = ctx.factory.registry_for(ctx.config, host, registry_clients(ctx.config, host, env, clients,
                                                                              ctx.aws()))
            found = reg.manifest_head(repo, digest)
        except (RegistryError, AwsError) as exc:
            return "unknown", f"image {digest[:19]} not checked: {exc.message}"
        if found is None:
            return "missing", f"image {reference}@{digest[:19]} is not in its registry: tasks could not pull it"
        return "ok", f"image {digest[:19]} is in {reference}"

    return check


def result_of(outcome, step: str = "deploy") -> StepResult:
    summary = f"{outcome.version} on {outcome.env}: {outcome.outcome} ({outcome.taskdef_arn.rsplit('/', 1)[-1]})"
    return StepResult(step, outcome.values(), summary)


def run_for_branch(ctx: StepContext, branch: str, version=None, image=None, timeout=None, interval=10.0,
                   approved_by=None) -> StepResult:
    kind, where = branch_target(ctx.resolved, branch)
    if kind == "env":
        ctx.report(f"branch {branch} is {ctx.resolved.name}'s main branch: deploying to {where}")
        return run(ctx, where, version, None, image, timeout, interval, approved_by)
    if kind == "preview":
        return run_preview(ctx, branch, version, image, timeout, interval)
    ctx.report(where)
    result = StepResult("deploy", {"SERVICE": ctx.resolved.name, "BRANCH": branch, "OUTCOME": "skipped"},
                        f"{branch}: deploys nowhere")
    if not ctx.dry_run:
        ctx.write(result)
    return result


def branch_target(resolved, branch: str) -> tuple[str, str]:
    """Where a CI build of `branch` deploys: ("env", first environment) for the main branch,
    ("preview", branch) when the descriptor has previews, else ("none", why)."""
    first = resolved.environment_order[0]
    if branch == resolved.main_branch:
        return "env", first
    if resolved.previews is not None:
        return "preview", branch
    return "none", (f"branch {branch} deploys nowhere: only {resolved.main_branch} deploys (to {first}); "
                    f"previews are off for {resolved.name} (previews: in {resolved.source} turns them on)")


def run_preview(ctx, branch, version=None, image=None, timeout=None, interval=10.0) -> StepResult:
    from jenkinsctl.previews import manager

    clients = ctx.aws()
    image_uri, version, git_sha = find_image(ctx, clients, version, image)
    outcome = manager.up(clients, ctx.resolved, branch, image_uri, version, git_sha, ctx.report, ctx.dry_run,
                         interval, timeout, health_mode(ctx))
    result = result_of(outcome)
    result.values["BRANCH"] = branch
    if not ctx.dry_run:
        ctx.write(result)
    return result


def run_config_only(ctx, env, timeout, interval, approved_by) -> StepResult:
    """Redeploy the digest `env` runs (its deploy record) with the descriptor's current runtime config."""
    from jenkinsctl.deploy.deployer import DeployRequest, check_approval, deploy
    from jenkinsctl.deploy.lastgood import LastKnownGood
    from jenkinsctl.deploy.resources import resources_for
    from jenkinsctl.deploy.runtime_config import config_hash, field_diff, runtime_config

    target = ctx.resolved.environment(env)
    check_approval(target, approved_by, ctx.environ)
    clients = clients_for(ctx, env)
    record = LastKnownGood(clients, resources_for(ctx.resolved, target)).get()
    if record is None:
        raise UsageError(f"nothing of {ctx.resolved.name} is deployed in {env}: a config deploy redeploys the "
                         "running image", f"deploy a version first: jenkinsctl step deploy --env {env}")
    wanted = runtime_config(target)
    if record.config == config_hash(wanted):
        ctx.report(f"{env} runs {record.version} with the current runtime configuration: nothing to deploy")
        return StepResult("deploy", {"SERVICE": ctx.resolved.name, "ENVIRONMENT": env, "VERSION": record.version,
                                     "IMAGE_URI": record.image, "IMAGE_DIGEST": record.digest,
                                     "OUTCOME": "unchanged"}, f"{record.version} on {env}: unchanged")
    ctx.report(f"config deploy of {ctx.resolved.name} to {env}: {record.version} ({record.digest[:19]}) again, with:")
    for line in (field_diff(record.runtime, wanted) if record.runtime else ["(the deployed fields were not recorded)"]):
        ctx.report(f"  {line}")
    req = DeployRequest(env, record.image, record.version, record.gitSha, None, timeout, interval, health_mode(ctx),
                        approved_by)
    outcome = deploy(clients, ctx.resolved, req, ctx.report, ctx.environ, ctx.dry_run)
    result = result_of(outcome)
    if not ctx.dry_run:
        ctx.write(result)
    return result


def run(ctx: StepContext, env: str, version: str | None = None, strategy: str | None = None,
        image: str | None = None, timeout: float | None = None, interval: float = 10.0,
        approved_by: str | None = None) -> StepResult:
    from jenkinsctl.deploy.deployer import DeployRequest, check_approval, deploy

    check_approval(ctx.resolved.environment(env), approved_by, ctx.environ)
    clients = clients_for(ctx, env)
    image_uri, version, git_sha = find_image(ctx, clients, version, image)
    req = DeployRequest(env, image_uri, version, git_sha, strategy, timeout, interval, health_mode(ctx), approved_by,
                        image_check=image_check(ctx, env, clients))
    outcome = deploy(clients, ctx.resolved, req, ctx.report, ctx.environ, ctx.dry_run)
    result = result_of(outcome)
    if not ctx.dry_run:
        ctx.write(result)
    return result
