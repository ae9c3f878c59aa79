"""Where a service's image goes (registry endpoint and repository) and how to log in to it:
the ECR authorization token, which in the sandbox is the registry's htpasswd credentials."""

from __future__ import annotations

from dataclasses import dataclass

from jenkinsctl.steps.context import StepContext


@dataclass(frozen=True)
class ImageTarget:
    endpoint: str  # host[:port]: config.registry.endpoint when set, else the ECR host
    repository: str  # e.g. payments/orders-api

    @property
    def name(self) -> str:
        return f"{self.endpoint}/{self.repository}"

    def ref(self, tag: str) -> str:
        return f"{self.name}:{tag}"


def image_target(ctx: StepContext) -> ImageTarget:
    endpoint = ctx.config.registry.endpoint or ctx.resolved.image.registry
    return ImageTarget(endpoint.split("://", 1)[-1].rstrip("/"), ctx.resolved.image.repository)


def trusted_registries(ctx: StepContext) -> list[str]:
    """`trustedRegistries`, plus the configured registry endpoint when it stands in for a
    trusted ECR host (the sandbox's registry on another port, a pull-through mirror)."""
    trusted = list(ctx.config.trusted_registries)
    endpoint = ctx.config.registry.endpoint
    if endpoint and ctx.config.registry_host in trusted and endpoint not in trusted:
        trusted.append(endpoint.split("://", 1)[-1].rstrip("/"))
    return trusted


def aws_clients(ctx: StepContext):
    return ctx.aws()


def registry_credentials(ctx: StepContext, clients=None):
    """ECR's authorization token as `docker login` credentials."""
    from jenkinsctl.aws import ecr

    clients = clients or aws_clients(ctx)
    return ecr.authorization(clients.client("ecr"))
