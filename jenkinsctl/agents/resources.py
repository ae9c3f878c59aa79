"""The fleet's desired resources as plain data: one `Resource(kind, name, props)` each.

Pure: spec + scope (main or a branch) + facts looked up beforehand (AMI id, launch template
version) in, resources out. `props` use the same normalized shape the AWS readers produce, so
an in-sync fleet compares equal and a second `apply` has nothing to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jenkinsctl.config.fleet import FleetSpec, branch_slug

OWNER_TAG = "jenkinsctl:fleet"
BRANCH_TAG = "jenkinsctl:branch"
MANAGED_TAG = "jenkinsctl:managed-by"
FALLBACK_TAG = "jenkinsctl:on-demand-fallback"

# dependency order: create in this order, delete in reverse
# (ECS's service-linked role first: a capacity provider cannot be created without it; the cluster
# before the capacity provider, which is then associated with it)
KINDS = ("service_linked_role", "iam_role", "instance_profile", "log_group", "queue", "event_rule", "launch_template",
         "asg", "lifecycle_hook", "cluster", "capacity_provider", "task_definition")
ECS_SERVICE_LINKED_ROLE = "AWSServiceRoleForECS"  # account-wide, AWS's: created when missing, never deleted
HOOK = "drain-builds"  # the group's terminate lifecycle hook: `agents drain` completes it

ECS_INSTANCE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
SSM_CORE_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
TASK_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


@dataclass(frozen=True)
class Resource:
    kind: str
    name: str
    props: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    scope: str = ""  # "" = main, else the branch slug

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)


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
    def spot_rule(self) -> str:
        return f"{self.cluster}-spot-interruptions"

    @property
    def terminate_rule(self) -> str:
        return f"{self.cluster}-instance-terminations"

    @property
    def hook(self) -> str:
        return f"{self.asg}/{HOOK}"

    @property
    def family_prefix(self) -> str:
        return f"{self.cluster}-agent-"

    def family(self, label: str, scope: str = "") -> str:
        return f"{self.cluster}-agent-{label}" + (f"--{scope}" if scope else "")

    def task_role(self, label: str, scope: str = "") -> str:
        return f"{self.cluster}-agent-{label}" + (f"--{scope}" if scope else "")


AGENT_CONTAINER = "jnlp"  # the one container of every agent task definition; the plugin runs the agent in it


def jenkins_label(label: str, branch: str | None) -> str:
    """The label pipelines ask for: `docker` on main, `docker@feature-x` for a branch's template."""
    return f"{label}@{branch_slug(branch)}" if branch else label


def tags(cluster: str, scope: str = "") -> dict[str, str]:
    out = {OWNER_TAG: cluster, MANAGED_TAG: "jenkinsctl"}
    if scope:
        out[BRANCH_TAG] = scope
    return out


def user_data(cluster: str) -> str:
    return (
        "#!/bin/bash\n"
        "# written by jenkinsctl agents: join the cluster, drain on spot interruption, clean images\n"
        "cat >> /etc/ecs/ecs.config <<'EOF'\n"
        f"ECS_CLUSTER={cluster}\n"
        "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n"
        "ECS_ENABLE_CONTAINER_METADATA=true\n"
        "ECS_IMAGE_CLEANUP_INTERVAL=10m\n"
        "ECS_IMAGE_MINIMUM_CLEANUP_AGE=30m\n"
        "ECS_NUM_IMAGES_DELETE_PER_CYCLE=10\n"
        "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION=10m\n"
        "EOF\n"
    )


def desired(spec: FleetSpec, image_id: str, launch_template_version: int, branch: str | None = None,
            ) -> list[Resource]:
    """All resources of one scope. `launch_template_version` is the version the group should run
    (the launch template's latest, plus one when the plan changes the template)."""
    n = Names(spec.cluster)
    scope = branch_slug(branch) if branch else ""
    out: list[Resource] = []
    if not scope:
        out += _shared(spec, n, image_id, launch_template_version)
    for label, t in spec.templates.items():
        out.append(Resource("iam_role", n.task_role(label, scope), {
            "path": n.role_path, "service": "ecs-tasks.amazonaws.com",
            "policies": sorted(t.task_role_policies), "tags": tags(spec.cluster, scope)}, scope))
    for label, t in spec.templates.items():
        out.append(Resource("task_definition", n.family(label, scope), {
            "label": jenkins_label(label, branch), "image": t.image, "cpu": t.cpu, "memory": t.memory,
            "docker": t.docker, "environment": dict(sorted(t.environment.items())),
            "taskRole": n.task_role(label, scope), "executionRole": n.execution_role,
            "logGroup": n.log_group, "tags": tags(spec.cluster, scope)}, scope))
    return out


def _shared(spec: FleetSpec, n: Names, image_id: str, lt_version: int) -> list[Resource]:
    t = tags(spec.cluster)
    return [
        Resource("service_linked_role", ECS_SERVICE_LINKED_ROLE, {"service": "ecs.amazonaws.com"}),
        Resource("iam_role", n.instance_role, {"path": n.role_path, "service": "ec2.amazonaws.com",
                                               "policies": sorted([ECS_INSTANCE_POLICY, SSM_CORE_POLICY]), "tags": t}),
        Resource("iam_role", n.execution_role, {"path": n.role_path, "service": "ecs-tasks.amazonaws.com",
                                                "policies": [TASK_EXECUTION_POLICY], "tags": t}),
        Resource("instance_profile", n.instance_role, {"path": n.role_path, "roles": [n.instance_role], "tags": t}),
        Resource("log_group", n.log_group, {"retentionDays": spec.log_retention_days, "tags": t}),
        Resource("queue", n.queue, {"visibilityTimeout": "120", "retentionSeconds": "86400",
                                    "sendersFromRules": sorted([n.spot_rule, n.terminate_rule]), "tags": t}),
        Resource("event_rule", n.spot_rule, {"pattern": {
            "source": ["aws.ec2"],
            "detail-type": ["EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation"]},
            "queue": n.queue, "tags": t}),
        Resource("event_rule", n.terminate_rule, {"pattern": {
            "source": ["aws.autoscaling"], "detail-type": ["EC2 Instance-terminate Lifecycle Action"],
            "detail": {"AutoScalingGroupName": [n.asg]}}, "queue": n.queue, "tags": t}),
        Resource("launch_template", n.launch_template, {
            "imageId": image_id, "instanceProfile": n.instance_role,
            "securityGroups": sorted(spec.security_groups), "userData": user_data(spec.cluster),
            "httpTokens": "required", "hopLimit": 1, "tags": t}),
        Resource("asg", n.asg, {
            "minSize": spec.min_size, "maxSize": spec.max_size, "subnets": sorted(spec.subnets),
            "launchTemplate": n.launch_template, "launchTemplateVersion": str(lt_version),
            "instanceTypes": list(spec.instance_types), "onDemandBase": spec.on_demand_base,
            "onDemandPercentAboveBase": spec.on_demand_percent_above_base,
            "spotAllocationStrategy": "capacity-optimized", "capacityRebalance": True,
            "protectFromScaleIn": True, "tags": t}),
        Resource("lifecycle_hook", n.hook, {"transition": "autoscaling:EC2_INSTANCE_TERMINATING",
                                            "heartbeatTimeout": 900, "defaultResult": "CONTINUE", "tags": t}),
        Resource("capacity_provider", n.capacity_provider, {
            "asg": n.asg, "targetCapacity": spec.target_capacity, "terminationProtection": "ENABLED",
            "managedDraining": "ENABLED", "tags": t}),
        Resource("cluster", spec.cluster, {
            "capacityProviders": [n.capacity_provider],
            "defaultStrategy": [{"capacityProvider": n.capacity_provider, "weight": 1, "base": 0}], "tags": t}),
    ]
