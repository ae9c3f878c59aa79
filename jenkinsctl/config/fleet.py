"""The fleet config: `agents:` in jenkinsctl.yaml (or a standalone agents.yaml beside it). It lives
with the config, which embeds it; `jenkinsctl.agents` plans and operates the fleet it describes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from jenkinsctl.modelbase import Model, aws_limit, invalid, matching, pinned_image
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


LIFECYCLE_HOOK = "drain-builds"  # the group's terminate lifecycle hook: `agents drain` completes it


@dataclass(frozen=True)
class Names:
    """Every resource name of one fleet, derived from the cluster name."""

    cluster: str

    @property
    def role_path(self) -> str:
        return f"/jenkinsctl/{self.cluster}/"

    @property
    def instance_role(self) -> str:
        return f"{self.cluster}-instance"

    @property
    def execution_role(self) -> str:
        return f"{self.cluster}-task-execution"

    @property
    def launch_template(self) -> str:
        return f"{self.cluster}-agents"

    @property
    def asg(self) -> str:
        return f"{self.cluster}-agents"

    @property
    def capacity_provider(self) -> str:
        return f"{self.cluster}-spot"

    @property
    def log_group(self) -> str:
        return f"/jenkinsctl/agents/{self.cluster}"

    @property
    def queue(self) -> str:
        return f"{self.cluster}-agent-events"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.cluster}-agent-events-dlq"

    @property
    def state_table(self) -> str:
        return f"{self.cluster}-agents-state"

    @property
    def spot_rule(self) -> str:
        return f"{self.cluster}-spot-interruptions"

    @property
    def terminate_rule(self) -> str:
        return f"{self.cluster}-instance-terminations"

    @property
    def hook(self) -> str:
        return f"{self.asg}/{LIFECYCLE_HOOK}"

    @property
    def controller(self) -> str:
        """The controller's task definition family and ECS service."""
        return f"{self.cluster}-controller"

    @property
    def controller_role(self) -> str:
        return f"{self.cluster}-controller"

    @property
    def controller_execution_role(self) -> str:
        return f"{self.cluster}-controller-execution"

    @property
    def controller_log_group(self) -> str:
        return f"/jenkinsctl/agents/{self.cluster}/controller"

    @property
    def family_prefix(self) -> str:
        return f"{self.cluster}-agent-"

    def family(self, label: str, scope: str = "") -> str:
        return f"{self.cluster}-agent-{label}" + (f"--{scope}" if scope else "")

    def task_role(self, label: str, scope: str = "") -> str:
        return f"{self.cluster}-agent-{label}" + (f"--{scope}" if scope else "")

    def limited(self, labels: tuple[str, ...] = (), scope: str = "") -> list[tuple[str, str, str]]:
        """(AWS limit key, what, name) of every name derived from the cluster (and from `labels` in
        `scope`), for `jenkinsctl.aws.limits` to hold to AWS's limits."""
        out = [] if scope else [
            ("ecs.cluster", "ECS cluster", self.cluster), ("ecs.capacity_provider", "capacity provider",
                                                          self.capacity_provider),
            ("iam.role", "instance role", self.instance_role), ("iam.role", "execution role", self.execution_role),
            ("iam.instance_profile", "instance profile", self.instance_role), ("iam.path", "IAM path", self.role_path),
            ("ec2.launch_template", "launch template", self.launch_template), ("autoscaling.group", "group", self.asg),
            ("logs.group", "log group", self.log_group), ("sqs.queue", "event queue", self.queue),
            ("events.rule", "EventBridge rule", self.spot_rule), ("events.rule", "EventBridge rule",
                                                                   self.terminate_rule),
            ("sqs.queue", "dead-letter queue", self.dead_letter_queue),
            ("dynamodb.table", "state table", self.state_table),
            ("ecs.family", "controller task family", self.controller),
            ("ecs.service", "controller service", self.controller),
            ("iam.role", "controller role", self.controller_role),
            ("iam.role", "controller execution role", self.controller_execution_role),
            ("logs.group", "controller log group", self.controller_log_group),
            ("tag.value", "owner tag", self.cluster)]
        for label in labels:
            out += [("ecs.family", f"template {label}'s task family", self.family(label, scope)),
                    ("iam.role", f"template {label}'s task role", self.task_role(label, scope))]
        return out

    def problems(self, labels: tuple[str, ...] = (), scope: str = "") -> list[tuple[str, str]]:
        """(message, hint) for each derived name AWS would refuse."""
        from jenkinsctl.aws.limits import problem

        out = []
        for key, what, name in self.limited(labels, scope):
            found = problem(key, name, f"{what} '{name}' (derived from it)")
            if found:
                out.append(found)
        return out



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


# the task sizes Fargate runs for a small process (cpu units -> memory MiB it accepts with them),
# from https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
FARGATE_SMALL = {256: (512, 1024, 2048), 512: (1024, 2048, 3072, 4096), 1024: tuple(range(2048, 8193, 1024))}
SecretName = matching(r"^[A-Za-z0-9/_+=.@-]{1,512}$", "'{value}' is not a Secrets Manager secret name",
                      "letters, digits and /_+=.@-, e.g. jenkins/agents-controller")


def _by_digest(value: str) -> str:
    if value != AGENT_IMAGE_ALIAS and "@sha256:" not in value:
        raise invalid(f"'{value}' is not pinned by digest",
                      "the controller runs one image for months: pin it, e.g. "
                      "registry/jenkinsctl/agent@sha256:..., or say jenkinsctl-agent (the pushed agent image)")
    return value


class ControllerSpec(Model):
    """`agents controller` as an ECS service on Fargate (never on the spot instances it drains)."""

    image: Annotated[AgentImage, AfterValidator(_by_digest)] = Field(
        AGENT_IMAGE_ALIAS, description="An image with jenkinsctl, by digest; default: the pushed agent image")
    jenkins_credentials: SecretName = Field(description="Secrets Manager secret holding JSON "
                                            "{\"user\": ..., \"token\": ...}: the Jenkins user and API token")
    cpu: int = Field(256, description="Fargate task cpu units")
    memory: int = Field(512, description="Fargate task memory (MiB)")
    period: int = Field(10, ge=1, le=600, description="Seconds between scale decisions")
    assign_public_ip: bool = Field(False, description="Subnets without a NAT gateway need a public IP to reach AWS")

    @model_validator(mode="after")
    def _fargate_size(self) -> "ControllerSpec":
        if self.memory not in FARGATE_SMALL.get(self.cpu, ()):
            pairs = "; ".join(f"cpu {c}: memory {', '.join(map(str, m))}" for c, m in FARGATE_SMALL.items())
            raise invalid(f"Fargate runs no task of cpu {self.cpu} with memory {self.memory}", pairs)
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
    ami_parameter: Annotated[str, aws_limit("ssm.parameter_read")] = Field(
        "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
        description="Public SSM parameter naming the ECS-optimized AMI")
    log_retention_days: Annotated[int, aws_limit("logs.retention")] = Field(
        14, description="Days CloudWatch Logs keeps the agents' logs: one of the values AWS allows")
    templates: dict[TemplateLabel, AgentTemplate] = Field(description="Agent templates per label")
    controller: ControllerSpec | None = Field(None, description="Run `agents controller` as an ECS service "
                                              "(`agents apply` creates it); unset: run it yourself")

    @field_validator("instance_types")
    @classmethod
    def _several_types(cls, value: list[str]) -> list[str]:
        if len(value) < 2:
            raise invalid(f"list at least two instance types (got {len(value)})",
                          "capacity-optimized spot needs several pools, e.g. [m6i.large, m5.large, m5a.large]")
        if len(set(value)) != len(value):
            raise invalid("an instance type is listed twice", "list each instance type once")
        return value

    @field_validator("cluster")
    @classmethod
    def _cluster_names(cls, value: str) -> str:
        found = Names(value).problems()
        if found:
            raise invalid("; ".join(m for m, _ in found), found[0][1] + "; choose another cluster name")
        return value

    @field_validator("templates")
    @classmethod
    def _template_names(cls, value: dict, info: ValidationInfo) -> dict:
        cluster = info.data.get("cluster")
        found = Names(cluster).problems(tuple(value)) if cluster else []
        found = [f for f in found if "template " in f[0]]
        if found:
            raise invalid("; ".join(m for m, _ in found), found[0][1] + "; shorten the label or agents.cluster")
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
