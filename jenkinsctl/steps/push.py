"""`step push`: ensure the ECR repository (tag immutability, scan on push, lifecycle policy),
log in with the ECR token, push the version and SHA tags reading every error of the stream,
verify through the registry API that the pushed manifest is the image built, and never move an
existing tag to another image. Writes IMAGE_DIGEST, IMAGE_URI..."""

from __future__ import annotations

from jenkinsctl.errors import PolicyError, RegistryError, UsageError
from jenkinsctl.registry.addressing import image_target
from jenkinsctl.steps.context import StepContext, StepResult

TAKEN_HINT = "commit a change so `jenkinsctl step version` computes a new version, then build and push again"


def run(ctx: StepContext, engine=None, clients=None) -> StepResult:
    build = ctx.read("build")
    image = ctx.resolved.image
    clients = clients or ctx.aws()
    pushed = push_image(image_target(ctx.config, ctx.resolved), build["IMAGE_ID"], [build["IMAGE_TAG"], build["GIT_SHA_TAG"]],
                        clients.ecr, image.keep, image.untagged_days, ctx.report, ctx.dry_run,
                        engine or ctx.factory.docker(), ctx.factory.registry)
    if ctx.dry_run:
        return StepResult("push", {"IMAGE_REPOSITORY": pushed["IMAGE_REPOSITORY"], "IMAGE_TAG": build["IMAGE_TAG"]},
                          "dry run")
    values = {**pushed, "IMAGE_TAG": build["IMAGE_TAG"], "GIT_SHA_TAG": build["GIT_SHA_TAG"],
              "VERSION": build["VERSION"], "GIT_SHA": build["GIT_SHA"]}
    step = StepResult("push", values, f"{values['IMAGE_URI']} tagged {build['IMAGE_TAG']}, {build['GIT_SHA_TAG']} "
                                      f"({values['BYTES_UPLOADED']} layer bytes uploaded)")
    ctx.write(step)
    return step


def push_image(target, image_id: str, tags: list[str], ecr, keep: int, untagged_days: int,
               report, dry_run: bool, engine, registry_for, taken_hint: str = TAKEN_HINT) -> dict[str, str]:
    """Push the built image `image_id` as `tags` to `target` (an ImageTarget): the ECR
    repository ensured first, every stream error read, an existing tag never moved, and the
    pushed digest verified through the registry API. `ecr` is the typed ECR class, `registry_for`
    the factory's `registry(endpoint, user, password)`. Returns IMAGE_DIGEST, IMAGE_URI..."""
    plan = ecr.plan_repository(target.repository, keep, untagged_days)
    for call in plan:
        report(("would call " if dry_run else "") + call.render())
    if dry_run:
        report(f"dry run: would push {', '.join(target.ref(t) for t in tags)}")
        return {"IMAGE_REPOSITORY": target.name}
    if not engine.exists(image_id):
        raise UsageError(f"the built image {image_id[:19]} is not in the Docker engine",
                         "build it on this agent first (`jenkinsctl step build`, `jenkinsctl agents image build`)")
    ecr.apply_all(plan)
    creds = ecr.authorization()
    engine.login(target.endpoint, creds.username, creds.password)
    registry = registry_for(target.endpoint, creds.username, creds.password)

    existing = {tag: _config_digest(registry, target.repository, tag) for tag in tags}
    for tag, config in existing.items():
        if config and config != image_id:
            raise PolicyError(f"{target.ref(tag)} already exists and is a different image (config {config[:19]}, "
                              f"built {image_id[:19]}); pushed tags are immutable", taken_hint)
    digest, uploaded, pushed, present = "", 0, 0, 0
    for tag in tags:
        engine.tag(image_id, target.name, tag)
        report(f"pushing {target.ref(tag)}" + (" (already there: verifying)" if existing[tag] else ""))
        result = engine.push(target.name, tag, creds.auth, on_line=lambda line: report(f"  | {line}"))
        if digest and result.digest != digest:
            raise RegistryError(f"{target.ref(tag)} was pushed as {result.digest}, but {tags[0]} as {digest}")
        digest = result.digest
        uploaded, pushed, present = uploaded + result.bytes_uploaded, pushed + result.layers_pushed, \
            present + result.layers_existing
    for tag in tags:
        _verify(registry, target, tag, digest, image_id)
    return {"IMAGE_DIGEST": digest, "IMAGE_REPOSITORY": target.name, "IMAGE_URI": f"{target.name}@{digest}",
            "IMAGE_ID": image_id, "REGISTRY": target.endpoint, "BYTES_UPLOADED": str(uploaded),
            "LAYERS_PUSHED": str(pushed), "LAYERS_EXISTING": str(present)}


def _config_digest(registry, repository: str, tag: str) -> str | None:
    """The image ID (config digest) a tag names in the registry, or None if the tag is free."""
    from jenkinsctl.registry.client import RegistryNotFound

    try:
        manifest = registry.manifest_get(repository, tag)
    except RegistryNotFound:
        return None
    return manifest.json.get("config", {}).get("digest", manifest.digest)


def _verify(registry, target, tag: str, digest: str, image_id: str) -> None:
    remote = registry.manifest_head(target.repository, tag)
    if remote != digest:
        raise RegistryError(f"after the push, {target.ref(tag)} is {remote or 'missing'} in the registry, "
                            f"not {digest} as the engine reported", "push again; if it persists the registry "
                            "or a proxy is rewriting manifests")
    config = _config_digest(registry, target.repository, tag)
    if config != image_id:
        raise RegistryError(f"{target.ref(tag)} in the registry is image {config}, not the one built ({image_id})")
