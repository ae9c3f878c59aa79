"""`step build`: policy first, then a docker build with OCI labels, build args and target from
the descriptor and cache from the service's previous image; then the built image's config and
history are checked for secrets. Writes IMAGE_ID, IMAGE, VERSION..."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

from jenkinsctl.errors import JenkinsctlError, UsageError
from jenkinsctl.policy import check_dockerfile, check_image, enforce
from jenkinsctl.policy.rules import base_images
from jenkinsctl.registry.addressing import image_target, trusted_registries
from jenkinsctl.steps.context import StepContext, StepResult
from jenkinsctl.versioning import Version


def run(ctx: StepContext, engine=None, policy: str = "error", cache: bool = True) -> StepResult:
    spec = ctx.resolved.build
    version = ctx.read("version")
    context = (ctx.workdir / spec.context).resolve()
    dockerfile = (ctx.workdir / spec.dockerfile).resolve()
    if not context.is_dir():
        raise UsageError(f"build context {context} does not exist", f"check build.context in {ctx.service.path.name}")
    try:
        dockerfile_in_context = os.path.relpath(dockerfile, context)
    except ValueError:
        dockerfile_in_context = str(dockerfile)
    if dockerfile_in_context.startswith(".."):
        raise UsageError(f"{dockerfile} is outside the build context {context}",
                         "move the Dockerfile into the context or change build.context")
    shown = os.path.relpath(dockerfile, ctx.workdir)
    violations = check_dockerfile(dockerfile, context, trusted_registries(ctx.config), spec.args, display=shown,
                                  args_origin=f"{ctx.service.path.name}: build.args")
    enforce(violations, policy, ctx.report, f"{ctx.resolved.name}: {shown}")
    _check_target(dockerfile, spec.target, shown, ctx.service.path.name)
    target = image_target(ctx.config, ctx.resolved)
    image = target.ref(version["IMAGE_TAG"])
    labels = oci_labels(ctx, version)
    if ctx.dry_run:
        ctx.report(f"dry run: policy passed; would build {image} from {shown} (target {spec.target or '-'}, "
                   f"args {', '.join(spec.args) or '-'})")
        return StepResult("build", {"IMAGE": image, "VERSION": version["VERSION"]}, f"would build {image}")

    engine = engine or ctx.factory.docker()
    engine.ping()
    cache_from = _prepare_engine(ctx, engine, target, version["IMAGE_TAG"], dockerfile.read_text(errors="replace"),
                                 cache)
    ctx.report(f"building {image} from {shown}" + (f" (cache from {cache_from[0]})" if cache_from else ""))
    started = time.monotonic()
    result = engine.build(context, dockerfile_in_context, image, buildargs=spec.args, target=spec.target,
                          labels=labels, cache_from=cache_from, on_line=lambda line: ctx.report(f"  | {line}"),
                          no_cache=not cache)
    seconds = time.monotonic() - started
    built = engine.inspect(result.image_id)
    if target.ref(version["GIT_SHA_TAG"]) not in (built.get("RepoTags") or []):  # a rebuild is tagged already
        engine.tag(result.image_id, target.name, version["GIT_SHA_TAG"])
    found = check_image(built.get("Config") or {}, engine.history(result.image_id),
                        dockerfile.read_text(errors="replace"), shown)
    try:
        enforce(found, policy, ctx.report, f"{ctx.resolved.name}: the built image {image}")
    except JenkinsctlError:
        engine.remove_image(image)
        engine.remove_image(target.ref(version["GIT_SHA_TAG"]))
        raise
    values = {"IMAGE_ID": result.image_id, "IMAGE": image, "IMAGE_SHA": target.ref(version["GIT_SHA_TAG"]),
              "IMAGE_REPOSITORY": target.name, "VERSION": version["VERSION"], "IMAGE_TAG": version["IMAGE_TAG"],
              "GIT_SHA": version["GIT_SHA"], "GIT_SHA_TAG": version["GIT_SHA_TAG"], "DOCKERFILE": shown,
              "TARGET": spec.target or "", "STEPS": str(result.steps), "CACHED_STEPS": str(result.cached_steps),
              "BUILD_SECONDS": f"{seconds:.2f}",
              "POLICY_WARNINGS": str(len(violations) + len(found)) if policy == "warn" else "0"}
    step = StepResult("build", values, f"{image} = {result.image_id[:19]} "
                                       f"({result.cached_steps}/{result.steps} steps from cache)")
    ctx.write(step)
    return step


def _check_target(dockerfile, target: str | None, shown: str, descriptor: str) -> None:
    from jenkinsctl.policy import parse_dockerfile

    if not target:
        return
    stages = [i.flags()[1][2] for i in parse_dockerfile(dockerfile.read_text(errors="replace"))
              if i.keyword == "FROM" and len(i.flags()[1]) >= 3 and i.flags()[1][1].lower() == "as"]
    if target not in stages:
        raise UsageError(f"build.target '{target}' is not a stage of {shown} (stages: {', '.join(stages) or 'none named'})",
                         f"name a stage `FROM ... AS {target}` or change build.target in {descriptor}")


def oci_labels(ctx: StepContext, version: dict[str, str]) -> dict[str, str]:
    resolved = ctx.resolved
    return {
        "org.opencontainers.image.revision": version["GIT_SHA"],
        "org.opencontainers.image.version": version["VERSION"],
        "org.opencontainers.image.source": resolved.repo,
        "org.opencontainers.image.created": _created(ctx),
        "org.opencontainers.image.title": resolved.name,
        "io.jenkinsctl.service": resolved.name,
        "io.jenkinsctl.team": resolved.team,
        **({"org.opencontainers.image.description": resolved.description} if resolved.description else {}),
    }


def _prepare_engine(ctx: StepContext, engine, target, tag: str, dockerfile_text: str, cache: bool) -> list[str]:
    """Log in when something must be pulled, and pick the images to use as cache.

    The engine's local cache covers every stage, while --cache-from would restrict the builder
    to the listed images' final stage; so the previous image is pulled as cache only on an
    agent that has never built this service (a fresh spot instance). A warm agent whose base
    images are present skips the ECR token round trip altogether."""
    fresh_agent = cache and not _built_here(engine, target, tag)
    bases = dict.fromkeys(base_images(dockerfile_text, ctx.resolved.build.args))  # stages share bases
    if not (fresh_agent or any(not engine.exists(image) for image in bases)):
        return []
    auth = _login(ctx, engine, target.endpoint)
    return _previous_image(engine, target, auth, ctx.factory.registry) if fresh_agent else []


def _built_here(engine, target, tag: str) -> bool:
    """Whether this engine holds an image of the service: the tag about to be built answers
    with one inspect on a rebuild; only otherwise are the repository's images listed (a
    filter over every image the engine holds: tens of milliseconds on a busy agent)."""
    return engine.exists(target.ref(tag)) or engine.has_images(target.name)


def _created(ctx: StepContext) -> str:
    """The commit's time (SOURCE_DATE_EPOCH style), so rebuilding unchanged source is fully
    cached and gives the same image; the build time outside a git checkout."""
    from jenkinsctl.vcs import head_commit_time

    stamp = head_commit_time(ctx.workdir)
    when = datetime.fromtimestamp(stamp, timezone.utc) if stamp is not None else datetime.now(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _login(ctx: StepContext, engine, endpoint: str) -> dict | None:
    """Log the engine in to the service's registry so FROM and cache pulls work; a build from
    public-free, already-present bases still works without it, so failure is a warning."""
    try:
        creds = ctx.aws().ecr.authorization()
        engine.login(endpoint, creds.username, creds.password)
        return creds.auth
    except JenkinsctlError as exc:
        ctx.report(f"warning: no registry login for {endpoint} ({exc.message}); pulls from it may fail")
        return None


def _previous_image(engine, target, auth, registry_for) -> list[str]:
    """The service's newest release in the registry, pulled, as build cache (`registry_for`: the
    factory's registry client builder)."""
    if auth is None:
        return []
    try:
        tags = registry_for(target.endpoint, auth["username"], auth["password"], timeout=10).tags(target.repository)
    except JenkinsctlError:
        return []
    releases = sorted((v, t) for t in tags if (v := Version.parse(t)) and not v.prerelease)
    if not releases:
        return []
    tag = releases[-1][1]
    return [target.ref(tag)] if engine.pull(target.name, tag, auth) else []
