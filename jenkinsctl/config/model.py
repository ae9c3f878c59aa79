"""`jenkinsctl.yaml`: the organisation's defaults, environments and endpoints."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from jenkinsctl.config.derived import environment_names, pip_spec
from jenkinsctl.config.fleet import FleetSpec
from jenkinsctl.modelbase import AccountId, Model, Name, invalid, matching
from jenkinsctl.registry.addressing import registry_host
from jenkinsctl.secrets import mask_url
from jenkinsctl.values import Cpu, GitBranch, Memory, SemVer, Strategy

Region = matching(r"^[a-z]{2}(-[a-z]+)+-\d$", "'{value}' is not an AWS region", "e.g. us-east-1 or eu-west-1")
RoleArn = matching(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$", "'{value}' is not an IAM role ARN",
                   "e.g. arn:aws:iam::222222222222:role/jenkinsctl-deploy")
Folder = matching(r"^(?!\.{1,2}(/|$))[A-Za-z0-9_.-]+(/(?!\.{1,2}(/|$))[A-Za-z0-9_.-]+)*$",
                  "'{value}' is not a Jenkins folder path",
                  "folder names separated by /, e.g. services or teams/delivery")


def _http_url(value: str | None) -> str | None:
    if value is None:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise invalid(f"must be an http(s) URL; got '{mask_url(value)}'", "e.g. https://jenkins.example.com/")
    return value  # credentials: refused where written in jenkinsctl.yaml (config.loader), masked when from $JENKINS_URL


URL_CREDENTIALS_HINT = ("put the user and API token in JENKINS_USER and JENKINS_TOKEN (AWS: its own credential chain), "
                        "never in a URL")


HttpUrl = Annotated[str | None, AfterValidator(_http_url)]
RegistryHost = matching(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$",
                        "must be a host name (and port), not '{value}'",
                        "no scheme, path or spaces, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com")
Cluster = matching(r"^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster/)?[A-Za-z0-9_-]{1,255}$",
                   "'{value}' is not an ECS cluster name", "letters, digits, '-' and '_', up to 255")


class JenkinsSettings(Model):
    url: HttpUrl = Field(None, description="Jenkins URL; JENKINS_URL overrides")
    folder: Folder = Field("services", description="Root folder for generated jobs")
    git_credentials_id: str | None = None
    prune_grace_days: int = Field(7, ge=0, le=365, description="Disabled jobs are deleted after this")
    builds_to_keep: int = Field(50, ge=1, le=10000)
    days_to_keep: int = Field(30, ge=1, le=3650)


AWS_HINT = ('the AWS account and region the services deploy to, e.g. aws: {region: us-east-1, accountId: '
            '"123456789012"}; jenkinsctl never assumes one (JENKINSCTL_AWS_ACCOUNT_ID and AWS_REGION override it)')


class AwsSettings(Model):
    region: Region = "us-east-1"
    account_id: AccountId = Field(description=AWS_HINT)
    endpoint_url: HttpUrl = Field(None, description="Sandbox: the moto server URL")


class RegistrySettings(Model):
    host: RegistryHost | None = Field(None, description="Default: <account>.dkr.ecr.<region>.amazonaws.com")
    endpoint: str | None = Field(None, description="Where to push and pull (sandbox: 127.0.0.1:5000)")


class NetworkSettings(Model):
    vpc_id: str | None = None
    subnets: list[str] = Field(default_factory=list)
    security_groups: list[str] = Field(default_factory=list)
    assign_public_ip: bool = False


class LoadBalancerSettings(Model):
    listener_arn: str
    test_listener_arn: str | None = None
    infrastructure_role_arn: RoleArn | None = Field(
        None, description="The ECS infrastructure role for load balancers that ECS shifts traffic with (default: "
        "jenkinsctl manages <service>-<env>-ecs-infra, scoped to the service's target groups and rules)")


class EnvironmentSettings(Model):
    cluster: Cluster
    approval: bool = Field(False, description="Deploys wait on a Jenkins input step")
    account_id: AccountId | None = None
    region: Region | None = None
    role_arn: RoleArn | None = Field(None, description="IAM role in the environment's account that jenkinsctl "
                                     "assumes to act there (default: its own credentials)")
    external_id: str | None = Field(None, min_length=2, max_length=1224, pattern=r"^[\w+=,.@:/-]+$",
                                    description="sts:ExternalId the role's trust policy asks for")
    registry: str | None = Field(None, description="Registry host of this environment, if not the default")
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    load_balancer: LoadBalancerSettings | None = None
    log_retention_days: int = Field(30, ge=1, le=3653)

    @field_validator("role_arn")
    @classmethod
    def _role_in_account(cls, value: str | None, info: ValidationInfo) -> str | None:
        account = info.data.get("account_id")
        if value and account and role_account(value) != account:
            raise invalid(f"role {value} is in account {role_account(value)}, not in this environment's "
                          f"account {account}",
                          "jenkinsctl acts in an environment through a role of that environment's account: fix "
                          "the account in roleArn, or accountId")
        return value

    @field_validator("external_id")
    @classmethod
    def _external_id_needs_role(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value and "role_arn" in info.data and info.data["role_arn"] is None:
            raise invalid("externalId is only used when assuming roleArn, and there is no roleArn",
                          "add roleArn: arn:aws:iam::<account>:role/<name>, or remove externalId")
        return value


def role_account(role_arn: str) -> str:
    """The account of `arn:aws:iam::<account>:role/<name>`."""
    return role_arn.split(":")[4]


class Defaults(Model):
    agent_label: str = "docker"
    agent_cpu: int = Field(1024, ge=128, le=16384)
    agent_memory: Memory = 2048
    strategy: Strategy = "rolling"
    main_branch: GitBranch = "main"
    cpu: Cpu = 256
    memory: Memory = 512
    desired_count: int = Field(1, ge=0, le=1000)
    initial_version: SemVer = "0.1.0"
    timeout_seconds: int = Field(900, ge=30, le=14400)


class ToolSettings(Model):
    """Which jenkinsctl the seed job installs (`pip install`), so every run uses the same one."""

    version: SemVer | None = Field(None, description="pip install jenkinsctl==VERSION from the agents' index")
    wheel: str | None = Field(None, pattern=r"^(https?|file)://\S+\.whl$",
                              description="Or the URL of a jenkinsctl wheel (https://.../jenkinsctl-0.1.0-py3-none-any.whl)")

    @model_validator(mode="after")
    def _one(self) -> "ToolSettings":
        if bool(self.version) == bool(self.wheel):
            raise invalid("give exactly one of version and wheel",
                          'e.g. jenkinsctl: {version: "0.1.0"} (or wheel: https://.../jenkinsctl-0.1.0-py3-none-any.whl)')
        return self

    @property
    def pip_spec(self) -> str:
        return pip_spec(self)


class Config(Model):
    api_version: Literal["jenkinsctl/v1"]
    kind: Literal["Config"]
    namespace: Name = Field(description="Owner mark of the jobs this seed generates")
    jenkinsctl: ToolSettings | None = Field(None, description="The jenkinsctl the seed job installs")
    services_dir: str = "services"
    jenkins: JenkinsSettings = Field(default_factory=JenkinsSettings)
    aws: AwsSettings = Field(description=AWS_HINT)
    registry: RegistrySettings = Field(default_factory=RegistrySettings)
    trusted_registries: list[str] = Field(default_factory=list)
    environments: dict[Name, EnvironmentSettings]
    defaults: Defaults = Field(default_factory=Defaults)
    agents: FleetSpec | None = Field(None, description="Jenkins agent fleet (jenkinsctl agents)")

    @model_validator(mode="after")
    def _some_environment(self) -> "Config":
        if not self.environments:
            raise invalid("no environments declared", "declare at least one, e.g. dev: {cluster: dev}")
        return self

    @property
    def registry_host(self) -> str:
        return registry_host(self)

    @property
    def environment_names(self) -> list[str]:
        return environment_names(self)
