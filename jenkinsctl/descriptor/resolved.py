"""The resolved service: every default applied, one complete deploy setting per environment.
This is what every other part of jenkinsctl reads."""

from __future__ import annotations

from pydantic import Field

from jenkinsctl.config.model import LoadBalancerSettings, NetworkSettings
from jenkinsctl.descriptor.derived import environment_access, image_reference, service_environment
from jenkinsctl.descriptor.model import (
    Autoscaling,
    BlueGreenSpec,
    BuildSpec,
    CanarySpec,
    DnsBlueGreenSpec,
    HealthCheck,
    HookSpec,
    LinearSpec,
    PreviewSpec,
    RollingSpec,
    VersioningSpec,
)
from jenkinsctl.modelbase import Model
from jenkinsctl.values import Strategy


class ResolvedImage(Model):
    repository: str
    registry: str
    keep: int
    untagged_days: int

    @property
    def reference(self) -> str:
        return image_reference(self)


class ResolvedAgent(Model):
    label: str
    cpu: int
    memory: int
    image: str | None = None


class ResolvedEnvironment(Model):
    name: str
    cluster: str
    approval: bool
    promote_from: str | None
    account_id: str
    region: str
    role_arn: str | None = None
    external_id: str | None = None
    registry: str
    network: NetworkSettings
    load_balancer: LoadBalancerSettings | None
    log_retention_days: int
    port: int | None
    health_check: HealthCheck
    cpu: int
    memory: int
    desired_count: int
    env: dict[str, str] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)
    strategy: Strategy
    rolling: RollingSpec | None = None
    blue_green: BlueGreenSpec | None = None
    canary: CanarySpec | None = None
    dns_blue_green: DnsBlueGreenSpec | None = None
    linear: LinearSpec | None = None
    alarms: list[str] = Field(default_factory=list)
    hooks: list[HookSpec] = Field(default_factory=list)
    autoscaling: Autoscaling | None = None
    timeout_seconds: int
    host: str | None = None
    path: str | None = None
    preview_of: str | None = None   # a branch's preview: the environment it is a copy of
    branch: str | None = None

    def access(self) -> str:
        """Where and as whom jenkinsctl acts in this environment (plans and dry runs say it)."""
        return environment_access(self)


class ResolvedService(Model):
    name: str
    team: str
    repo: str
    main_branch: str
    description: str | None = None
    owners: list[str] = Field(default_factory=list)
    source: str
    build: BuildSpec
    image: ResolvedImage
    versioning: VersioningSpec
    agent: ResolvedAgent
    environments: dict[str, ResolvedEnvironment]
    previews: PreviewSpec | None = None

    @property
    def environment_order(self) -> list[str]:
        return list(self.environments)

    def environment(self, name: str) -> ResolvedEnvironment:
        return service_environment(self, name)
