"""The fleet config: `agents:` in jenkinsctl.yaml (or a standalone agents.yaml beside it). It lives
with the config, which embeds it; `jenkinsctl.agents` plans and operates the fleet it describes."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from jenkinsctl.modelbase import Model, invalid, matching, pinned_image
from jenkinsctl.values import Cpu, EnvVars, Memory

_BRANCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")

TemplateLabel = matching(r"^[a-z0-9][a-z0-9_-]{0,39}$", "'{value}' cannot name an agent template",
                         "lowercase letters, digits, '-' or '_', at most 40, e.g. docker or java17; "
                         "branch labels (docker@feature-x) are derived, never written")
InstanceType = matching(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$", "'{value}' is not an EC2 instance type",
                        "e.g. m6i.large, c6a.xlarge")
SubnetId = matching(r"^subnet-[0-9a-f]{8,17}$", "'{value}' is not a subnet id", "e.g. subnet-0abc1234")
SecurityGroupId = matching(r"^sg-[0-9a-f]{8,17}$", "'{value}' is not a security group id", "e.g. sg-0abc1234")


AGENT_IMAGE_ALIAS = "jenkinsctl-agent"  # the agent image `jenkinsctl agents image push` pushed, by digest
AgentImage = Annotated[str, AfterValidator(lambda v: v if v == AGENT_IMAGE_ALIAS else pinned_image(v))]


def branch_problem(value: str) -> str | None:
    if not _BRANCH.match(value):
        return f"'{value}' is not a git branch name jenkinsctl can suffix labels with"
    return None


def branch_slug(branch: str) -> str:
    """`feature/x` -> `feature-x`: what goes into labels, families and role names."""
    return re.sub(r"[^a-z0-9-]+", "-", branch.lower()).strip("-")[:40] or "branch"


class AgentTemplate(Model):
    image: AgentImage = Field(description="Agent image pinned by tag or digest, or `jenkinsctl-agent`: the "
                              "image `jenkinsctl agents image push` pushed (by digest)")
    cpu: Cpu = Field(1024, description="CPU units reserved per build (1024 = one vCPU)")
    memory: Memory = Field(2048, description="Memory (MiB) reserved per build")
    docker: bool = Field(False, description="Builds get the host's Docker engine (/var/run/docker.sock)")
    environment: EnvVars = Field(default_factory=dict)
    task_role_policies: list[str] = Field(
        default_factory=list, description="Managed policy ARNs attached to this label's task role")

    @model_validator(mode="after")
    def _arns(self) -> "AgentTemplate":
        for arn in self.task_role_policies:
            if not arn.startswith("arn:aws:iam::"):
                raise invalid(f"'{arn}' is not an IAM policy ARN", "e.g. arn:aws:iam::aws:policy/ReadOnlyAccess")
        return self


class FleetSpec(Model):
    cluster: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
                         description="ECS cluster name; also prefixes every resource of the fleet")
    subnets: list[SubnetId] = Field(description="Subnets of the Auto Scaling group")
    security_groups: list[SecurityGroupId] = Field(default_factory=list)
    instance_types: list[InstanceType] = Field(
        description="Several types, so capacity-optimized spot has pools to choose from")
    on_demand_base: int = Field(0, ge=0, le=1000, description="Instances always on-demand")
    on_demand_percent_above_base: int = Field(0, ge=0, le=100, description="On-demand share above the base")
    min_size: int = Field(0, ge=0, le=1000)
    max_size: int = Field(10, ge=1, le=1000)
    scale_in_idle_minutes: int = Field(10, ge=1, le=1440, description="An instance idle this long may go")
    spot_wait_seconds: int = Field(300, ge=30, le=3600,
                                   description="Fall back to on-demand when spot has not come after this")
    headroom: int = Field(1, ge=0, le=100, description="Spare instances kept while builds are queued or running")
    headroom_percent: int = Field(20, ge=0, le=200,
                                  description="Plus this share of the instances builds need, for bursts")
    target_capacity: int = Field(100, ge=1, le=100, description="Capacity provider managed scaling target (%)")
    ami_parameter: str = Field("/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
                               description="Public SSM parameter naming the ECS-optimized AMI")
    log_retention_days: int = Field(14, ge=1, le=3653)
    templates: dict[TemplateLabel, AgentTemplate] = Field(description="Agent templates per label")

    @field_validator("instance_types")
    @classmethod
    def _several_types(cls, value: list[str]) -> list[str]:
        if len(value) < 2:
            raise invalid(f"list at least two instance types (got {len(value)})",
                          "capacity-optimized spot needs several pools, e.g. [m6i.large, m5.large, m5a.large]")
        if len(set(value)) != len(value):
            raise invalid("an instance type is listed twice", "list each instance type once")
        return value

    @field_validator("subnets", "templates")
    @classmethod
    def _not_empty(cls, value):
        if not value:
            raise invalid("must not be empty", "list at least one")
        return value

    @model_validator(mode="after")
    def _sizes(self) -> "FleetSpec":
        if self.min_size > self.max_size:
            raise invalid(f"minSize {self.min_size} is above maxSize {self.max_size}", "lower minSize or raise maxSize")
        if self.on_demand_base > self.max_size:
            raise invalid(f"onDemandBase {self.on_demand_base} is above maxSize {self.max_size}",
                          "the on-demand base must fit in the group")
        return self


class AgentsFile(Model):
    """A standalone agents.yaml beside jenkinsctl.yaml."""

    api_version: Literal["jenkinsctl/v1"]
    kind: Literal["Agents"]
    agents: FleetSpec
