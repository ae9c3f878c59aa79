"""The service descriptor `services/<name>.yaml` as written: it states only what differs from
the defaults in `jenkinsctl.yaml`. `resolve.py` turns it into the resolved form."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from jenkinsctl.modelbase import Model, Name, PinnedImage, Repository, aws_limit, fargate_size, invalid, matching
from jenkinsctl.values import Cpu, EnvKey, EnvVars, GitBranch, Memory, SemVer, Strategy

SECRET_REF = re.compile(
    r"^(ssm:/[A-Za-z0-9_.\-/]+|secretsmanager:[A-Za-z0-9/_+=.@\-]+(:[A-Za-z0-9_\-]+)?|"
    r"arn:aws[a-z\-]*:(ssm:[a-z0-9\-]+:\d{12}:parameter/|secretsmanager:[a-z0-9\-]+:\d{12}:secret:)"
    r"[A-Za-z0-9/_+=.@\-:]+)$"
)
GIT_URL = re.compile(r"^(https?://|ssh://|git@[^:]+:|file://|/).+")
LIFECYCLE_STAGES = ("RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT",
                    "POST_TEST_TRAFFIC_SHIFT", "PRE_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT",
                    "POST_PRODUCTION_TRAFFIC_SHIFT")  # ECS's DeploymentLifecycleHookStage (botocore 1.44)
LAMBDA_ARN = re.compile(r"^arn:aws[a-z\-]*:lambda:[a-z0-9\-]+:\d{12}:function:[A-Za-z0-9_\-]{1,64}(:[A-Za-z0-9_\-$]+)?$")


GIT_URL_CREDENTIALS_HINT = ("Jenkins clones with the credentials named by jenkins.gitCredentialsId (a Jenkins "
                            "credential), never from the URL: write the URL without user:password@ or token")


def _git_url(value: str) -> str:
    from jenkinsctl.secrets import mask_url, url_credentials

    if url_credentials(value):  # they would be copied into job descriptions and parameters
        raise invalid("must not contain credentials", GIT_URL_CREDENTIALS_HINT)
    if not GIT_URL.match(value):
        raise invalid(f"'{mask_url(value)}' is not a git repository URL",
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
    from jenkinsctl.aws.limits import problem

    if value.startswith("ssm:"):
        found = problem("ssm.parameter_read", value[4:])
    elif value.startswith("secretsmanager:"):
        found = problem("secretsmanager.name", value[len("secretsmanager:"):].split(":", 1)[0])
    else:
        found = None
    if found:
        raise invalid(*found)
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
    path: Annotated[UrlPath, aws_limit("elbv2.health_path")] = "/healthz"
    interval_seconds: Annotated[int, aws_limit("elbv2.health_interval")] = Field(
        15, description="Seconds between the load balancer's health checks (more than its 6-second timeout)")
    healthy_threshold: Annotated[int, aws_limit("elbv2.healthy_threshold")] = 2
    unhealthy_threshold: Annotated[int, aws_limit("elbv2.unhealthy_threshold")] = 3
    grace_seconds: int = Field(60, ge=0, le=7200)

    @field_validator("interval_seconds")
    @classmethod
    def _longer_than_timeout(cls, value: int) -> int:
        from jenkinsctl.aws.limits import ALB_HTTP_TIMEOUT

        if value <= ALB_HTTP_TIMEOUT:
            raise invalid(f"{value} seconds is not longer than the health check's timeout ({ALB_HTTP_TIMEOUT} s, "
                          "ALB's default for HTTP target groups): AWS refuses the target group",
                          f"at least {ALB_HTTP_TIMEOUT + 1}, e.g. 15")
        return value


class RollingSpec(Model):
    min_healthy_percent: int = Field(100, ge=0, le=100)
    max_percent: int = Field(200, ge=100, le=200)


def _tenths(low: float, high: float):
    """A percentage ECS accepts: a multiple of 0.1 between `low` and `high`."""
    def check(value: float) -> float:
        if not low <= value <= high or abs(value * 10 - round(value * 10)) > 1e-6:
            raise invalid(f"{value:g}% is not a percentage ECS accepts here",
                          f"a multiple of 0.1 from {low:g} to {high:g}")
        return round(value, 1)
    return Annotated[float, AfterValidator(check)]


Minutes = Annotated[int, Field(ge=0, le=1440, description="Minutes (ECS: 0 to 1440)")]


def _earlier_keys(data: object, renamed: dict[str, str]) -> object:
    """Keys an earlier jenkinsctl accepted, when jenkinsctl moved traffic itself: a targeted error."""
    if isinstance(data, dict):
        for old, hint in renamed.items():
            if old in data:
                raise invalid(f"'{old}' is gone: ECS runs this strategy itself now", hint)
    return data


class BlueGreenSpec(Model):
    bake_minutes: Minutes = Field(10, description="Both revisions run this long after production traffic "
                                  "moved (ECS's bakeTimeInMinutes); then the old one stops")
    test_listener: bool = Field(False, description="ECS sends the test listener's traffic to the new revision "
                                "before production")

    @model_validator(mode="before")
    @classmethod
    def _earlier(cls, data: object) -> object:
        minutes = lambda v: max(round(int(v) / 60), 0) if str(v).isdigit() else 10  # noqa: E731
        old = data.get("bakeSeconds") if isinstance(data, dict) else None
        return _earlier_keys(data, {"bakeSeconds": f"ECS bakes in whole minutes: write bakeMinutes: {minutes(old)}"})


class CanarySpec(Model):
    percent: _tenths(0.1, 100.0) = Field(10.0, description="Production traffic on the new revision first")
    canary_minutes: Minutes = Field(10, description="How long it stays there before the rest moves")
    bake_minutes: Minutes = Field(0, description="Both revisions run this long after all traffic moved")
    alarms: list[Annotated[str, aws_limit("cloudwatch.alarm")]] = Field(
        default_factory=list, description="CloudWatch alarms that make ECS roll back")

    @model_validator(mode="before")
    @classmethod
    def _earlier(cls, data: object) -> object:
        return _earlier_keys(data, {
            "steps": "ECS's canary moves one percentage, waits, then moves the rest: write percent: 10 and "
                     "canaryMinutes: 2; for several equal steps use strategy: linear (linear.stepPercent)",
            "intervalSeconds": "write canaryMinutes: N (whole minutes, 0 to 1440)"})


class LinearSpec(Model):
    step_percent: _tenths(3.0, 100.0) = Field(10.0, description="Production traffic moved at each step")
    step_minutes: Minutes = Field(6, description="Wait between steps")
    bake_minutes: Minutes = Field(0, description="Both revisions run this long after all traffic moved")
    alarms: list[Annotated[str, aws_limit("cloudwatch.alarm")]] = Field(
        default_factory=list, description="CloudWatch alarms that make ECS roll back")


def _lambda_arn(value: str) -> str:
    if not LAMBDA_ARN.match(value):
        raise invalid(f"'{value}' is not a Lambda function ARN",
                      "e.g. arn:aws:lambda:us-east-1:123456789012:function:orders-api-smoke-test")
    return value


class HookSpec(Model):
    """A Lambda function ECS calls at lifecycle stages of a blue-green, canary or linear deployment;
    it answers SUCCEEDED, FAILED (ECS rolls back) or IN_PROGRESS."""
    function: Annotated[str, AfterValidator(_lambda_arn)]
    stages: list[Literal[LIFECYCLE_STAGES]] = Field(min_length=1)
    timeout_minutes: int | None = Field(None, ge=1, le=20160)
    on_timeout: Literal["rollback", "continue"] = "rollback"


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
    linear: LinearSpec | None = None
    alarms: list[Annotated[str, aws_limit("cloudwatch.alarm")]] | None = Field(
        None, description="CloudWatch alarms: ECS rolls the deployment back when one "
                                     "goes to ALARM (every strategy)")
    hooks: list[HookSpec] | None = Field(None, description="Lambda lifecycle hooks (blue-green, canary, linear)")
    autoscaling: Autoscaling | None = None
    timeout_seconds: int | None = Field(None, ge=30, le=14400)
    host: Annotated[str, aws_limit("elbv2.host_header")] | None = Field(None, description="Listener rule host header")
    path: Annotated[UrlPath, aws_limit("elbv2.path_pattern")] | None = Field(
        None, description="Listener rule path pattern")

    @field_validator("memory")
    @classmethod
    def _fargate_size(cls, value: int | None, info: ValidationInfo) -> int | None:
        return fargate_size(info.data.get("cpu"), value)  # both here; across layers: descriptor.checks


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
    main_branch: GitBranch | None = None
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


# strategy name -> (its settings' key in a descriptor, their model): resolution, checks, the deployer
# and the CLI read this one table (a new strategy is one entry here and one `deploy.strategy.register`)
STRATEGY_PARAMS = {"rolling": ("rolling", RollingSpec), "blue-green": ("blueGreen", BlueGreenSpec),
                   "canary": ("canary", CanarySpec), "linear": ("linear", LinearSpec),
                   "dns-blue-green": ("dnsBlueGreen", DnsBlueGreenSpec)}  # no default: the record is the user's
