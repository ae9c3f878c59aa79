"""Where images live: registry hosts, the endpoints that reach them, and the repositories a
service pushes to and each environment pulls from. Pure: strings in, strings out; `config` is a
`jenkinsctl.yaml` model and `resolved` a resolved service, read only for their fields."""

from __future__ import annotations

from dataclasses import dataclass


def ecr_host(account_id: str, region: str) -> str:
    """The ECR registry host of an account in a region."""
    return f"{account_id}.dkr.ecr.{region}.amazonaws.com"


def registry_host(config) -> str:
    """The organisation's registry host: `registry.host`, else the ECR of `aws.accountId`/`aws.region`."""
    return config.registry.host or ecr_host(config.aws.account_id, config.aws.region)


def endpoint_host(endpoint: str) -> str:
    """`host[:port]` of an endpoint written as `host[:port]` or as a URL."""
    return endpoint.split("://", 1)[-1].rstrip("/")


def split_repository(reference: str) -> tuple[str, str]:
    """`host[:port]/path/repo` -> (host, path/repo)."""
    host, _, repo = reference.partition("/")
    return host, repo


def endpoint_for(config, host: str) -> str:
    """Where to reach registry `host`: the configured endpoint stands in for the organisation's
    registry host (the sandbox's registry for ECR's data plane)."""
    endpoint = config.registry.endpoint
    if endpoint and host in (registry_host(config), endpoint_host(endpoint)):
        return endpoint_host(endpoint)
    return host


def is_organisation_registry(config, host: str) -> bool:
    """`host` is the organisation's registry (`registry.host`, or the endpoint standing in for it)."""
    endpoint = endpoint_host(config.registry.endpoint or "")
    return host in (registry_host(config), endpoint)


def ecr_account(host: str) -> str | None:
    """The account of an ECR host (`<account>.dkr.ecr.<region>.amazonaws.com`), else None."""
    import re

    owner = re.match(r"(\d{12})\.dkr\.ecr\.", host)
    return owner.group(1) if owner else None


def ecr_region(host: str) -> str | None:
    """The region of an ECR host (`<account>.dkr.ecr.<region>.amazonaws.com`), else None."""
    import re

    found = re.match(r"\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com", host)
    return found.group(1) if found else None


def pull_repository(resolved, env) -> str:
    """The repository `env` pulls from. An environment's `registry` is a host, optionally with a
    namespace (`<host>/release`: promoted images live under it)."""
    _, _, prefix = env.registry.partition("/")
    repo = resolved.image.repository
    return f"{prefix.strip('/')}/{repo}" if prefix.strip("/") else repo


def target_of(config, resolved, env_name: str) -> tuple[str, str]:
    """(registry endpoint, repository) the environment pulls from."""
    env = resolved.environment(env_name)
    return endpoint_for(config, env.registry.partition("/")[0]), pull_repository(resolved, env)


@dataclass(frozen=True)
class ImageTarget:
    endpoint: str  # host[:port]: config.registry.endpoint when set, else the ECR host
    repository: str  # e.g. payments/orders-api

    @property
    def name(self) -> str:
        return f"{self.endpoint}/{self.repository}"

    def ref(self, tag: str) -> str:
        return f"{self.name}:{tag}"


def image_target(config, resolved) -> ImageTarget:
    """Where the service's build is pushed."""
    endpoint = config.registry.endpoint or resolved.image.registry
    return ImageTarget(endpoint_host(endpoint), resolved.image.repository)


def own_image_target(config, repository: str) -> ImageTarget:
    """Where an image of jenkinsctl's own (the agent image) is pushed: the organisation's registry."""
    return ImageTarget(endpoint_host(config.registry.endpoint or registry_host(config)), repository)


def trusted_registries(config) -> list[str]:
    """`trustedRegistries`, plus the configured registry endpoint when it stands in for a
    trusted ECR host (the sandbox's registry on another port, a pull-through mirror)."""
    trusted = list(config.trusted_registries)
    endpoint = config.registry.endpoint
    if endpoint and registry_host(config) in trusted and endpoint not in trusted:
        trusted.append(endpoint_host(endpoint))
    return trusted
