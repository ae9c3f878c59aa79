"""Promote the image running and healthy in one environment to the next, by digest, through
the registry API: no pull, no rebuild. Same repository: nothing to copy. Another repository of
the same registry: cross-repository blob mount. Another registry/account: blob copy. The
digest in the target is verified byte-identical."""

from __future__ import annotations

from dataclasses import dataclass, field

from jenkinsctl.errors import PolicyError, RegistryError
from jenkinsctl.registry.addressing import split_repository


@dataclass
class Promotion:
    service: str
    from_env: str
    to_env: str
    version: str
    git_sha: str
    digest: str
    source: str            # <registry>/<repo>
    target: str            # <registry>/<repo>
    method: str            # "same repository", "mount", "copy"
    blobs_mounted: int = 0
    blobs_present: int = 0
    blobs_copied: int = 0
    bytes_uploaded: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def image_uri(self) -> str:
        return f"{self.target}@{self.digest}"

    def values(self) -> dict[str, str]:
        return {"SERVICE": self.service, "FROM_ENVIRONMENT": self.from_env, "TO_ENVIRONMENT": self.to_env,
                "VERSION": self.version, "GIT_SHA": self.git_sha, "IMAGE_DIGEST": self.digest,
                "IMAGE_REPOSITORY": self.target, "IMAGE_URI": self.image_uri, "SOURCE_IMAGE_URI":
                f"{self.source}@{self.digest}", "METHOD": self.method, "BYTES_UPLOADED": str(self.bytes_uploaded)}


def source_record(clients, resolved, from_env: str, version: str | None, verify_running: bool = True):
    """The successful deploy record to promote: `version`'s, else the last known good, which must
    also be what the source environment runs now. Refuses anything never deployed successfully."""
    from jenkinsctl.deploy.lastgood import LastKnownGood
    from jenkinsctl.deploy.resources import resources_for

    env = resolved.environment(from_env)
    lkg = LastKnownGood(clients, resources_for(resolved, env))
    record = lkg.find(version=version) if version else lkg.get()
    if record is None:
        what = f"version {version}" if version else "any version"
        raise PolicyError(f"{what} of {resolved.name} was never deployed successfully to {from_env}; "
                          "refusing to promote it",
                          f"deploy it to {from_env} first (`jenkinsctl step deploy --env {from_env}`); only "
                          "digests that passed an environment move on")
    if verify_running and version is None:
        running = running_images(clients, resolved, from_env)
        if record.image not in running:
            raise PolicyError(f"{from_env}'s last known good {record.version} ({record.digest[:19]}) is not what "
                              f"{from_env} runs now ({', '.join(sorted(running)) or 'nothing'})",
                              f"name the version to promote with --version, or redeploy {from_env}")
    return record


def running_images(clients, resolved, env_name: str) -> set[str]:
    """Images of the task definitions the environment's services run with tasks desired."""
    from jenkinsctl.deploy.resources import SLOTS, resources_for
    from jenkinsctl.deploy.taskdef import image_of

    env = resolved.environment(env_name)
    res = resources_for(resolved, env)
    ecs = clients.ecs
    names = [res.ecs_service_name] + [res.legacy_service(s) for s in SLOTS]  # before a migration: the two
    images = set()
    for svc in ecs.services(res.cluster, names).values():
        if svc.get("desiredCount", 0) > 0:
            found = ecs.task_definition(svc["taskDefinition"])
            if found:
                images.add(image_of(found[0]))
    return images


def promote(resolved, from_env: str, to_env: str, record, source_registry, target_registry, dst_repo: str,
            report=lambda _: None) -> Promotion:
    """Make `record.digest` available in `to_env`'s repository, byte-identical; returns what it did."""
    from jenkinsctl.registry.client import CopyStats

    _, src_repo = split_repository(record.repository)
    dst_host = target_registry.endpoint
    digest = record.digest
    p = Promotion(resolved.name, from_env, to_env, record.version, record.gitSha, digest,
                  record.repository, f"{dst_host}/{dst_repo}", "same repository")
    same_place = source_registry.url == target_registry.url and src_repo == dst_repo
    if same_place:
        found = target_registry.manifest_head(dst_repo, digest)
        if found != digest:
            raise RegistryError(f"{record.repository}@{digest[:19]} is not in the registry any more",
                                "was it deleted by a lifecycle policy? redeploy a version that exists")
        report(f"{to_env} pulls from the same repository {p.target}: nothing to copy")
        return p
    stats = CopyStats()
    before = target_registry.bytes_uploaded
    tags = [] if target_registry.manifest_head(dst_repo, record.version) else [record.version]
    if source_registry.url == target_registry.url:
        copied = _mount_image(target_registry, src_repo, dst_repo, digest, tags, stats)
        p.method = "mount"
    else:
        copied = target_registry.copy_image(source_registry, src_repo, digest, dst_repo, tags=tags, stats=stats)
        p.method = "copy"
    p.blobs_mounted, p.blobs_present, p.blobs_copied = stats.blobs_mounted, stats.blobs_present, stats.blobs_copied
    p.bytes_uploaded = target_registry.bytes_uploaded - before
    if copied != digest:  # manifest_put also checked the registry's Docker-Content-Digest
        raise RegistryError(f"promotion of {digest} to {p.target} produced {copied}",
                            "the target registry rewrote the manifest; promote by digest needs byte-identical manifests")
    report(f"promoted {record.version} {digest[:19]} {p.source} -> {p.target}: {p.method}, "
           f"{p.blobs_mounted} blob(s) mounted, {p.blobs_present} present, {p.blobs_copied} copied, "
           f"{p.bytes_uploaded} bytes uploaded" + (f", tagged {record.version}" if tags else ""))
    return p


def _mount_image(registry, src_repo: str, dst_repo: str, digest: str, tags: list[str], stats) -> str:
    """Same registry: mount every blob straight from the source repository (a mount of a blob
    the target already has succeeds too), then PUT the manifest's exact bytes once, under the
    version tag when it is new, else by digest. Multi-platform indexes take the general path."""
    from jenkinsctl.registry.client import INDEX_TYPES

    manifest = registry.manifest_get(src_repo, digest)
    if manifest.media_type in INDEX_TYPES:
        return registry.copy_image(registry, src_repo, digest, dst_repo, tags=tags, stats=stats)
    for blob, _size in manifest.blobs():
        if registry.blob_mount(dst_repo, blob, src_repo):
            stats.blobs_mounted += 1
        else:
            registry.copy_blob(registry, src_repo, dst_repo, blob, stats)
    return registry.manifest_put(dst_repo, tags[0] if tags else digest, manifest)
