"""The service descriptor `services/<name>.yaml` as written: it states only what differs from
the defaults in `jenkinsctl.yaml`. `resolve.py` turns it into the resolved form."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from jenkinsctl.modelbase import Model, Name, PinnedImage, Repository, invalid, matching
from jenkinsctl.values import Cpu, EnvKey, EnvVars, Memory, SemVer, Strategy

SECRET_REF = re.compile(
    r"^(ssm:/[A-Za-z0-9_.\-/]+|secretsmanager:[A-Za-z0-9/_+=.@\-]+(:[A-Za-z0-9_\-]+)?|"
    r"arn:aws[a-z\-]*:(ssm|secretsmanager):[a-z0-9\-]+:\d{12}:(parameter/|secret:)[A-Za-z0-9/_+=.@\-:]+)$"
)
GIT_URL = re.compile(r"^(https?://|ssh://|git@[^:]+:|file://|/).+")


def _git_url(value: str) -> str:
    if not GIT_URL.match(value):
        raise invalid(f"'{value}' is not a git repository URL",
                      "e.g. https://github.com/acme/orders-api.git or git@github.com:acme/orders-api.git")
    return value


UrlPath = matching(r"^/", "'{value}' must start with /", "an absolute path, e.g. /healthz")
TagPrefix = matching(r"^[A-Za-z0-9._-]{0,20}$", "'{value}' cannot start a git tag and Docker tag",
                     "letters, digits, '.', '_' or '-', at most 20, e.g. v")
Label = matching(r"^[A-Za-z0-9_.@-]+$", "'{value}' is not a Jenkins agent label", "e.g. docker or docker@feature-x")


def _secret_ref(value: str) -> str:
    if not SECRET_REF.match(value):
        raise invalid(f"'{value}' is not a secret reference",
                      "use ssm:/path/to/parameter, secretsmanager:name[:json-key], or the "
                      "parameter's or secret's full ARN; never the secret itself")
    return value


SecretRefs = dict[EnvKey, Annotated[str, AfterValidator(_secret_ref)]]


class BuildSpec(Model):
    dockerfile: str = "Dockerfile"
    jenkinsfile: str = Field("Jenkinsfile", description="The pipeline every branch's CI job runs (a copy of "
                             "jenkinsctl's standard Jenkinsfile), relative to the repository root")
    context: str = "."
    target: str | None = None
    args: EnvVars = Field(default_factory=dict)
    test: str | None = Field(None, description="Test command run inside the built image")
    compose: str | None = Field(None, description="Compose file for integration tests")
    test_network: bool = Field(False, description="Give the test container a network")


class ImageSpec(Model):
    repository: Repository | None = Field(None, description="Default: <team>/<name>")
    keep: int = Field(100, ge=1, le=10000, description="Lifecycle policy: keep the newest N images")
    untagged_days: int = Field(7, ge=1, le=3650)


class VersioningSpec(Model):
    scheme: Literal["semver", "sha"] = "semver"
    initial: SemVer | None = None
    tag_prefix: TagPrefix = "v"


class HealthCheck(Model):
    path: UrlPath = "/healthz"
    interval_seconds: int = Field(15, ge=5, le=300)
    healthy_threshold: int = Field(2, ge=2, le=10)
    unhealthy_threshold: int = Field(3, ge=2, le=10)
    grace_seconds: int = Field(60, ge=0, le=7200)


class RollingSpec(Model):
    min_healthy_percent: int = Field(100, ge=0, le=100)
    max_percent: int = Field(200, ge=100, le=200)


class BlueGreenSpec(Model):
    bake_seconds: int = Field(600, ge=0, le=86400, description="Old revision kept for instant rollback")
    test_listener: bool = Field(False, description="Check the new revision through the test listener first")


class CanarySpec(Model):
    steps: list[int] = Field(default_factory=lambda: [10, 50, 100])
    interval_seconds: int = Field(60, ge=0, le=86400)
    alarms: list[str] = Field(default_factory=list, description="CloudWatch alarms that abort the canary")

    @model_validator(mode="after")
    def _steps(self) -> "CanarySpec":
        s = self.steps
        if not s or s[-1] != 100 or any(not 0 < x <= 100 for x in s) or s != sorted(set(s)):
            raise invalid(f"steps {s} must rise strictly and end at 100",
                          "e.g. [10, 50, 100]: percent of traffic on the new revision at each step")
        return self


ZoneId = matching(r"^(/hostedzone/)?[A-Z0-9]{1,32}$", "'{value}' is not a Route 53 hosted zone id",
                  "e.g. Z0123456789ABCDEFGHIJ")
DnsName = matching(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$", "'{value}' is not a DNS name",
                   "e.g. orders.example.com")


class DnsBlueGreenSpec(Model):
    """dns-blue-green: two environments, each with its own load balancer, behind one Route 53
    weighted record set (CNAMEs; SetIdentifier = the environment's name)."""

    zone_id: ZoneId
    record: DnsName
    ttl: int = Field(60, ge=0, le=86400, description="Seconds resolvers may keep the old answer: waited out")
    pair: list[Name] = Field(min_length=2, max_length=2, description="The two environments, e.g. [prod-blue, prod-green]")

    @model_validator(mode="after")
    def _distinct(self) -> "DnsBlueGreenSpec":
        if self.pair[0] == self.pair[1]:
            raise invalid(f"pair names {self.pair[0]} twice", "name two environments, e.g. [prod-blue, prod-green]")
        return self


class Autoscaling(Model):
    min: int = Field(ge=0, le=1000)
    max: int = Field(ge=1, le=1000)
    cpu_target: int = Field(60, ge=10, le=95)

    @model_validator(mode="after")
    def _bounds(self) -> "Autoscaling":
        if self.min > self.max:
            raise invalid(f"min {self.min} is above max {self.max}", "min is the floor, max the ceiling")
        return self


class DeploySettings(Model):
    """Every key optional: what is unset comes from `jenkinsctl.yaml` or built-in defaults."""

    cluster: str | None = None
    port: int | None = Field(None, ge=1, le=65535, description="Container port; none for workers")
    health_check: HealthCheck | None = None
    cpu: Cpu | None = None
    memory: Memory | None = None
    desired_count: int | None = Field(None, ge=0, le=1000)
    env: EnvVars | None = None
    secrets: SecretRefs | None = None
    strategy: Strategy | None = None
    rolling: RollingSpec | None = None
    blue_green: BlueGreenSpec | None = None
    canary: CanarySpec | None = None
    dns_blue_green: DnsBlueGreenSpec | None = None
    autoscaling: Autoscaling | None = None
    timeout_seconds: int | None = Field(None, ge=30, le=14400)
    host: str | None = Field(None, description="Listener rule host header")
    path: UrlPath | None = Field(None, description="Listener rule path pattern")


class EnvironmentOverride(DeploySettings):
    enabled: bool = True
    approval: bool | None = None
    promote_from: Name | None = None


HOST_LABEL = re.compile(r"^(\{branch\}|\{service\}|[a-z0-9*?]([a-z0-9*?-]*[a-z0-9*?])?)+$")


def _host_template(value: str) -> str:
    import string

    fields = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
    if "branch" not in fields or fields - {"branch", "service"}:
        raise invalid(f"'{value}' must contain {{branch}} and no other placeholder than {{service}}",
                      'e.g. "{branch}.{service}.dev.example.com"')
    sample = value.format(branch="b" * 20, service="s" * 40)
    if len(sample) > 128 or any(not 0 < len(label) <= 63 for label in sample.split(".")) or \
            not all(HOST_LABEL.match(label) for label in value.split(".")):
        raise invalid(f"'{value}' is not a host name an ALB host-header condition accepts",
                      "lowercase DNS labels (letters, digits, '-'), at most 63 characters each and 128 in all")
    return value


class PreviewSpec(Model):
    """`previews:`: every branch but the main one deploys to its own short-lived environment."""

    from_env: Name = Field(alias="from", description="The environment previews are copied from")
    ttl_hours: int = Field(72, ge=1, le=720, description="Hours without a deploy after which env gc removes one")
    host: Annotated[str, AfterValidator(_host_template)] | None = Field(
        None, description="Listener rule host header, e.g. {branch}.{service}.dev.example.com")


class AgentSpec(Model):
    label: Label | None = None
    cpu: int | None = Field(None, ge=128, le=16384)
    memory: Memory | None = None
    image: PinnedImage | None = None


class ServiceSpec(Model):
    api_version: Literal["jenkinsctl/v1"]
    kind: Literal["Service"]
    name: Name = Field(description="The service's name: its Jenkins folder, ECR repository and ECS service")
    team: Name = Field(description="Owning team; jobs go under <jenkins folder>/<team>/<name>")
    repo: Annotated[str, AfterValidator(_git_url)] = Field(description="The service's git repository URL")
    main_branch: str | None = None
    description: str | None = None
    owners: list[str] = Field(default_factory=list)
    build: BuildSpec = Field(default_factory=BuildSpec)
    image: ImageSpec = Field(default_factory=ImageSpec)
    versioning: VersioningSpec = Field(default_factory=VersioningSpec)
    deploy: DeploySettings = Field(default_factory=DeploySettings)
    environments: dict[str, EnvironmentOverride] = Field(default_factory=dict)
    agent: AgentSpec = Field(default_factory=AgentSpec)
    previews: PreviewSpec | None = None

    @property
    def repository(self) -> str:
        return self.image.repository or f"{self.team}/{self.name}"
