"""Desired vs existing -> a plan: plain data (changes, each with the AWS calls it will make),
printable as a readable diff, executed by `agents.executor`. Nothing here calls AWS. The
vocabulary (`ApiCall`, `Change`, `Plan`, `Ref`) is `jenkinsctl.plan`'s, shared with deploys and ECR."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from jenkinsctl.agents.resources import AGENT_CONTAINER, FALLBACK_TAG, KINDS, Names, Resource
from jenkinsctl.aws.autoscaling import group_tag
from jenkinsctl.aws.iam import assume_policy
from jenkinsctl.aws.sqs import events_policy
from jenkinsctl.plan import ApiCall, Change, Plan, Ref, jsonable

# builds stopped and instances drained and deregistered, ECS lets go of the group (capacity
# provider detached from the cluster, then deleted), the group goes (scaled to 0, then deleted),
# then the cluster: in the order AWS accepts (a cluster with registered instances is not deleted;
# a capacity provider associated with a cluster is not deleted). The service-linked role stays.
DELETE_ORDER = ("task_definition", "container_instance", "capacity_provider", "lifecycle_hook", "asg", "cluster",
                "event_rule", "queue", "launch_template", "log_group", "instance_profile", "iam_role")


@dataclass(frozen=True)
class FleetPlan(Plan):
    """The fleet's plan (`jenkinsctl.plan.Plan`) for one scope: main ("") or a branch."""

    cluster: str = ""
    scope: str = ""

    def to_data(self) -> dict:
        return {"cluster": self.cluster, "scope": self.scope or "main", "counts": self.counts(),
                "changes": [{"action": c.action, "kind": c.kind, "name": c.name, "scope": c.scope or "main",
                             "diff": [{"field": f, "from": jsonable(a), "to": jsonable(b)} for f, a, b in c.diff],
                             "calls": [{"service": x.service, "method": x.method, "params": jsonable(dict(x.params))}
                                       for x in c.calls], **({"note": c.note} if c.note else {})}
                            for c in self.changes],
                "unchanged": [f"{k} {n}" for k, n in self.unchanged], "notes": list(self.notes)}

    def render(self, calls: bool = False) -> str:
        sign = {"create": "+", "update": "~", "delete": "-"}
        lines = []
        for c in self.changes:
            where = f"  [branch {c.scope}]" if c.scope else ""
            lines.append(f"{sign[c.action]} {c.kind} {c.name}{where}")
            for f, a, b in c.diff:
                lines.append(f"    {f}: {_short(a)} -> {_short(b)}")
            if c.note:
                lines.append(f"    note: {c.note}")
            if calls:
                lines += [f"    call {x.render()}" for x in c.calls]
        lines += [f"note: {n}" for n in self.notes]
        k = self.counts()
        lines.append(f"Plan ({self.cluster}, {self.scope and 'branch ' + self.scope or 'main'}): "
                     f"{k['create']} to add, {k['update']} to change, {k['delete']} to destroy, "
                     f"{len(self.unchanged)} unchanged." if self.changes else
                     f"No changes ({self.cluster}, {self.scope and 'branch ' + self.scope or 'main'}): "
                     f"{len(self.unchanged)} resources up to date.")
        return "\n".join(lines)


def _short(v: Any) -> str:
    text = json.dumps(v, default=str, sort_keys=True) if not isinstance(v, str) else v
    text = text.replace("\n", "\\n")
    return text if len(text) <= 120 else text[:117] + "..."


def _public(props: dict) -> dict:
    return {k: v for k, v in props.items() if not k.startswith("_")}


def diff_props(want: dict, have: dict) -> tuple[tuple[str, Any, Any], ...]:
    keys = sorted(set(_public(want)) | set(_public(have)))
    return tuple((k, have.get(k), want.get(k)) for k in keys if want.get(k) != have.get(k))


def make_plan(cluster: str, scope: str, wanted: list[Resource], existing: dict[tuple[str, str], Resource],
              account_id: str, region: str, delete_scopes: set[str] | None = None,
              notes: tuple[str, ...] = ()) -> FleetPlan:
    """Changes that take `existing` (owned resources, all scopes) to `wanted` (one scope).
    Resources of `delete_scopes` (branches whose config is gone) are all deleted too."""
    ctx = _Ctx(cluster, account_id, region, frozenset(existing))
    changes: list[Change] = []
    unchanged: list[tuple[str, str]] = []
    plan_notes: list[str] = []
    wanted_keys = {r.key for r in wanted}
    for r in wanted:
        have = existing.get(r.key)
        if have is None:
            changes.append(Change("create", r.kind, r.name, diff=diff_props(r.props, {}),
                                  calls=tuple(CREATE[r.kind](ctx, r)), scope=r.scope))
            continue
        want_props = dict(r.props)
        if r.kind == "asg" and FALLBACK_TAG in have.props.get("tags", {}):
            # the scaler switched to on-demand because spot did not come; it switches back itself
            want_props["onDemandPercentAboveBase"] = have.props["onDemandPercentAboveBase"]
            want_props["tags"] = {**want_props["tags"], FALLBACK_TAG: have.props["tags"][FALLBACK_TAG]}
            plan_notes.append("the Auto Scaling group runs in on-demand fallback (spot was not coming); "
                              "`agents scale` returns it to spot")
        d = diff_props(want_props, have.props)
        if not d:
            unchanged.append(r.key)
            continue
        calls, note = UPDATE[r.kind](ctx, Resource(r.kind, r.name, want_props, r.scope), have, d)
        changes.append(Change("update", r.kind, r.name, note or "", d, tuple(calls), r.scope))
    doomed = [r for r in existing.values() if r.key not in wanted_keys and r.kind in DELETE_ORDER
              and (r.scope == scope or r.scope in (delete_scopes or set()))]
    for r in sorted(doomed, key=lambda r: (DELETE_ORDER.index(r.kind), r.name)):
        changes.append(Change("delete", r.kind, r.name, calls=tuple(DELETE[r.kind](ctx, r, existing)), scope=r.scope))
    changes.sort(key=lambda c: (c.action == "delete", KINDS.index(c.kind) if c.action != "delete"
                                else DELETE_ORDER.index(c.kind)))
    return FleetPlan(tuple(changes), tuple(unchanged), tuple(plan_notes) + tuple(notes), cluster, scope)


@dataclass(frozen=True)
class _Ctx:
    cluster: str
    account_id: str
    region: str
    existing: frozenset = frozenset()  # keys of the resources that exist before the plan

    def has(self, kind: str, name: str) -> bool:
        return (kind, name) in self.existing

    def role_arn(self, name: str, path: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role{path}{name}"

    def queue_arn(self, name: str) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account_id}:{name}"

    def rule_arn(self, name: str) -> str:
        return f"arn:aws:events:{self.region}:{self.account_id}:rule/{name}"


def _aws_tags(tags: dict[str, str]) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def _ecs_tags(tags: dict[str, str]) -> list[dict]:
    return [{"key": k, "value": v} for k, v in sorted(tags.items())]


# --- per kind: create / update / delete calls -------------------------------------------

def _role_create(ctx, r):
    p = r.props
    calls = [ApiCall("iam", "create_role", {"RoleName": r.name, "Path": p["path"],
                                            "AssumeRolePolicyDocument": assume_policy(p["service"]),
                                            "Tags": _aws_tags(p["tags"])})]
    calls += [ApiCall("iam", "attach_role_policy", {"RoleName": r.name, "PolicyArn": a}) for a in p["policies"]]
    return calls


def _role_update(ctx, r, have, d):
    p, h = r.props, have.props
    calls = []
    if p["service"] != h["service"]:
        calls.append(ApiCall("iam", "update_assume_role_policy",
                             {"RoleName": r.name, "PolicyDocument": assume_policy(p["service"])}))
    calls += [ApiCall("iam", "attach_role_policy", {"RoleName": r.name, "PolicyArn": a})
              for a in p["policies"] if a not in h["policies"]]
    calls += [ApiCall("iam", "detach_role_policy", {"RoleName": r.name, "PolicyArn": a})
              for a in h["policies"] if a not in p["policies"]]
    if p["tags"] != h["tags"]:
        calls.append(ApiCall("iam", "tag_role", {"RoleName": r.name, "Tags": _aws_tags(p["tags"])}))
    note = "the role's path cannot change in place; destroy and apply to move it" if p["path"] != h["path"] else None
    return calls, note


def _role_delete(ctx, r, existing):
    calls = [ApiCall("iam", "detach_role_policy", {"RoleName": r.name, "PolicyArn": a}) for a in r.props["policies"]]
    return calls + [ApiCall("iam", "delete_role", {"RoleName": r.name})]


def _profile_create(ctx, r):
    return [ApiCall("iam", "create_instance_profile", {"InstanceProfileName": r.name, "Path": r.props["path"],
                                                       "Tags": _aws_tags(r.props["tags"])})] + \
           [ApiCall("iam", "add_role_to_instance_profile", {"InstanceProfileName": r.name, "RoleName": role})
            for role in r.props["roles"]]


def _profile_update(ctx, r, have, d):
    calls = [ApiCall("iam", "remove_role_from_instance_profile", {"InstanceProfileName": r.name, "RoleName": x})
             for x in have.props["roles"] if x not in r.props["roles"]]
    calls += [ApiCall("iam", "add_role_to_instance_profile", {"InstanceProfileName": r.name, "RoleName": x})
              for x in r.props["roles"] if x not in have.props["roles"]]
    if r.props["tags"] != have.props["tags"]:
        calls.append(ApiCall("iam", "tag_instance_profile", {"InstanceProfileName": r.name,
                                                             "Tags": _aws_tags(r.props["tags"])}))
    return calls, None


def _profile_delete(ctx, r, existing):
    return [ApiCall("iam", "remove_role_from_instance_profile", {"InstanceProfileName": r.name, "RoleName": x})
            for x in r.props["roles"]] + [ApiCall("iam", "delete_instance_profile", {"InstanceProfileName": r.name})]


def _logs_create(ctx, r):
    return [ApiCall("logs", "create_log_group", {"logGroupName": r.name, "tags": r.props["tags"]}),
            ApiCall("logs", "put_retention_policy", {"logGroupName": r.name,
                                                     "retentionInDays": r.props["retentionDays"]})]


def _logs_update(ctx, r, have, d):
    calls = []
    if r.props["retentionDays"] != have.props["retentionDays"]:
        calls.append(ApiCall("logs", "put_retention_policy", {"logGroupName": r.name,
                                                              "retentionInDays": r.props["retentionDays"]}))
    if r.props["tags"] != have.props["tags"]:
        calls.append(ApiCall("logs", "tag_log_group", {"logGroupName": r.name, "tags": r.props["tags"]}))
    return calls, None


def _logs_delete(ctx, r, existing):
    return [ApiCall("logs", "delete_log_group", {"logGroupName": r.name})]


def _queue_attrs(ctx, r) -> dict:
    p = r.props
    return {"VisibilityTimeout": p["visibilityTimeout"], "MessageRetentionPeriod": p["retentionSeconds"],
            "Policy": events_policy(ctx.queue_arn(r.name), [ctx.rule_arn(x) for x in p["sendersFromRules"]])}


def _queue_create(ctx, r):
    return [ApiCall("sqs", "create_queue", {"QueueName": r.name, "Attributes": _queue_attrs(ctx, r),
                                            "tags": r.props["tags"]})]


def _queue_update(ctx, r, have, d):
    calls = []
    if {f for f, _, _ in d} - {"tags"}:
        calls.append(ApiCall("sqs", "set_queue_attributes", {"QueueUrl": have.props["_url"],
                                                             "Attributes": _queue_attrs(ctx, r)}))
    if r.props["tags"] != have.props["tags"]:
        calls.append(ApiCall("sqs", "tag_queue", {"QueueUrl": have.props["_url"], "Tags": r.props["tags"]}))
    return calls, None


def _queue_delete(ctx, r, existing):
    return [ApiCall("sqs", "delete_queue", {"QueueUrl": r.props["_url"]})]


TARGET_ID = "agent-events"


def _rule_create(ctx, r):
    return [ApiCall("events", "put_rule", {"Name": r.name, "EventPattern": json.dumps(r.props["pattern"]),
                                           "State": "ENABLED", "Tags": _aws_tags(r.props["tags"])}),
            ApiCall("events", "put_targets", {"Rule": r.name, "Targets": [
                {"Id": TARGET_ID, "Arn": ctx.queue_arn(r.props["queue"])}]})]


def _rule_update(ctx, r, have, d):
    fields = {f for f, _, _ in d}
    calls = []
    if "pattern" in fields:
        calls.append(ApiCall("events", "put_rule", {"Name": r.name, "EventPattern": json.dumps(r.props["pattern"]),
                                                    "State": "ENABLED"}))
    if "queue" in fields:
        calls.append(ApiCall("events", "put_targets", {"Rule": r.name, "Targets": [
            {"Id": TARGET_ID, "Arn": ctx.queue_arn(r.props["queue"])}]}))
    if "tags" in fields:
        calls.append(ApiCall("events", "tag_resource", {"ResourceARN": ctx.rule_arn(r.name),
                                                        "Tags": _aws_tags(r.props["tags"])}))
    return calls, None


def _rule_delete(ctx, r, existing):
    calls = [ApiCall("events", "remove_targets", {"Rule": r.name, "Ids": [TARGET_ID]})] if r.props["queue"] else []
    return calls + [ApiCall("events", "delete_rule", {"Name": r.name})]


def _hook_params(r) -> dict:
    group, name = r.name.split("/", 1)
    return {"LifecycleHookName": name, "AutoScalingGroupName": group,
            "LifecycleTransition": r.props["transition"], "HeartbeatTimeout": r.props["heartbeatTimeout"],
            "DefaultResult": r.props["defaultResult"]}


def _hook_create(ctx, r):
    return [ApiCall("autoscaling", "put_lifecycle_hook", _hook_params(r))]


def _hook_update(ctx, r, have, d):
    return [ApiCall("autoscaling", "put_lifecycle_hook", _hook_params(r))], None


def _hook_delete(ctx, r, existing):
    group, name = r.name.split("/", 1)
    return [ApiCall("autoscaling", "delete_lifecycle_hook", {"LifecycleHookName": name,
                                                              "AutoScalingGroupName": group})]


def _lt_data(ctx, r) -> dict:
    p = r.props
    data = {"ImageId": p["imageId"], "IamInstanceProfile": {"Name": p["instanceProfile"]},
            "UserData": base64.b64encode(p["userData"].encode()).decode(),
            # IMDSv2 only, one hop: a build container (bridge network: a second hop) gets no
            # instance-role credentials from the metadata service
            "MetadataOptions": {"HttpTokens": p["httpTokens"], "HttpPutResponseHopLimit": p["hopLimit"],
                                "HttpEndpoint": "enabled"},
            "TagSpecifications": [{"ResourceType": "instance", "Tags": _aws_tags(p["tags"])}]}
    if p["securityGroups"]:
        data["SecurityGroupIds"] = p["securityGroups"]
    return data


def _lt_create(ctx, r):
    return [ApiCall("ec2", "create_launch_template", {
        "LaunchTemplateName": r.name, "LaunchTemplateData": _lt_data(ctx, r),
        "TagSpecifications": [{"ResourceType": "launch-template", "Tags": _aws_tags(r.props["tags"])}]})]


def _lt_update(ctx, r, have, d):
    calls = []
    if [f for f, _, _ in d if f != "tags"]:
        calls.append(ApiCall("ec2", "create_launch_template_version",
                             {"LaunchTemplateName": r.name, "LaunchTemplateData": _lt_data(ctx, r)}))
        calls.append(ApiCall("ec2", "modify_launch_template", {"LaunchTemplateName": r.name,
                                                               "DefaultVersion": str(have.props["_latestVersion"] + 1)}))
    note = ("new launch template version: instances roll through `agents refresh` (idle ones first; "
            "an instance running builds is replaced only once its builds are done)") if calls else None
    return calls, note


def _lt_delete(ctx, r, existing):
    return [ApiCall("ec2", "delete_launch_template", {"LaunchTemplateName": r.name})]


def mixed_policy(p: dict) -> dict:
    """The group's MixedInstancesPolicy from its props (wanted, or normalized from AWS)."""
    dist = {"OnDemandBaseCapacity": p["onDemandBase"],
            "OnDemandPercentageAboveBaseCapacity": p["onDemandPercentAboveBase"],
            "SpotAllocationStrategy": p["spotAllocationStrategy"]}
    return {"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": p["launchTemplate"],
                                                               "Version": p["launchTemplateVersion"]},
                               "Overrides": [{"InstanceType": t} for t in p["instanceTypes"]]},
            "InstancesDistribution": {k: v for k, v in dist.items() if v is not None}}


def _asg_tags(name: str, tags: dict[str, str]) -> list[dict]:
    return [group_tag(name, k, v, propagate=True) for k, v in sorted(tags.items())]


def _asg_create(ctx, r):
    p = r.props
    return [ApiCall("autoscaling", "create_auto_scaling_group", {
        "AutoScalingGroupName": r.name, "MinSize": p["minSize"], "MaxSize": p["maxSize"],
        "DesiredCapacity": p["minSize"], "VPCZoneIdentifier": ",".join(p["subnets"]),
        "MixedInstancesPolicy": mixed_policy(r.props), "CapacityRebalance": p["capacityRebalance"],
        "NewInstancesProtectedFromScaleIn": p["protectFromScaleIn"], "Tags": _asg_tags(r.name, p["tags"])})]


def _asg_update(ctx, r, have, d):
    p = r.props
    fields = {f for f, _, _ in d}
    calls = []
    if fields - {"tags"}:
        calls.append(ApiCall("autoscaling", "update_auto_scaling_group", {
            "AutoScalingGroupName": r.name, "MinSize": p["minSize"], "MaxSize": p["maxSize"],
            "VPCZoneIdentifier": ",".join(p["subnets"]), "MixedInstancesPolicy": mixed_policy(r.props),
            "CapacityRebalance": p["capacityRebalance"],
            "NewInstancesProtectedFromScaleIn": p["protectFromScaleIn"]}))
    if "tags" in fields:
        stale = {k: v for k, v in have.props["tags"].items() if k not in p["tags"]}
        if stale:
            calls.append(ApiCall("autoscaling", "delete_tags", {"Tags": _asg_tags(r.name, stale)}))
        calls.append(ApiCall("autoscaling", "create_or_update_tags", {"Tags": _asg_tags(r.name, p["tags"])}))
    return calls, None


def _asg_delete(ctx, r, existing):
    # scaled to 0 first (protection off: instances protected from scale-in would stay), then deleted
    return [ApiCall("autoscaling", "update_auto_scaling_group", {
        "AutoScalingGroupName": r.name, "MinSize": 0, "MaxSize": 0, "DesiredCapacity": 0,
        "NewInstancesProtectedFromScaleIn": False}),
        ApiCall("autoscaling", "delete_auto_scaling_group", {"AutoScalingGroupName": r.name, "ForceDelete": True})]


def _cp_params(r) -> dict:
    return {"managedScaling": {"status": "ENABLED", "targetCapacity": r.props["targetCapacity"],
                               "minimumScalingStepSize": 1, "maximumScalingStepSize": 10},
            "managedTerminationProtection": r.props["terminationProtection"],
            "managedDraining": r.props["managedDraining"]}


def _cp_create(ctx, r):
    return [ApiCall("ecs", "create_capacity_provider", {
        "name": r.name, "autoScalingGroupProvider": {"autoScalingGroupArn": Ref("asg_arn", r.props["asg"]),
                                                     **_cp_params(r)},
        "tags": _ecs_tags(r.props["tags"])}), _associate(ctx)]


def _associate(ctx) -> ApiCall:
    """The fleet's capacity provider as its cluster's only one and default strategy."""
    name = Names(ctx.cluster).capacity_provider
    return ApiCall("ecs", "put_cluster_capacity_providers", {
        "cluster": ctx.cluster, "capacityProviders": [name],
        "defaultCapacityProviderStrategy": [{"capacityProvider": name, "weight": 1, "base": 0}]})


def _cp_update(ctx, r, have, d):
    calls = []
    if {f for f, _, _ in d} - {"tags", "asg"}:
        calls.append(ApiCall("ecs", "update_capacity_provider", {"name": r.name, "autoScalingGroupProvider":
                                                                 _cp_params(r)}))
    if r.props["tags"] != have.props["tags"]:
        calls.append(ApiCall("ecs", "tag_resource", {"resourceArn": Ref("capacity_provider_arn", r.name),
                                                     "tags": _ecs_tags(r.props["tags"])}))
    note = "a capacity provider cannot move to another group; destroy and apply" if r.props["asg"] != have.props["asg"] \
        else None
    return calls, note


def _cp_delete(ctx, r, existing):
    calls = []
    if ("cluster", ctx.cluster) in existing:
        calls.append(ApiCall("ecs", "put_cluster_capacity_providers", {
            "cluster": ctx.cluster, "capacityProviders": [], "defaultCapacityProviderStrategy": []}))
    return calls + [ApiCall("ecs", "delete_capacity_provider", {"capacityProvider": r.name})]


def _cluster_create(ctx, r):
    # without its capacity provider: that is created after the cluster and associates itself
    return [ApiCall("ecs", "create_cluster", {"clusterName": r.name, "tags": _ecs_tags(r.props["tags"])})]


def _cluster_update(ctx, r, have, d):
    calls = []
    if {f for f, _, _ in d} - {"tags"} and ctx.has("capacity_provider", Names(ctx.cluster).capacity_provider):
        calls.append(ApiCall("ecs", "put_cluster_capacity_providers", {
            "cluster": r.name, "capacityProviders": r.props["capacityProviders"],
            "defaultCapacityProviderStrategy": r.props["defaultStrategy"]}))
    if r.props["tags"] != have.props["tags"]:
        calls.append(ApiCall("ecs", "tag_resource", {"resourceArn": have.props["_arn"],
                                                     "tags": _ecs_tags(r.props["tags"])}))
    return calls, None


def _cluster_delete(ctx, r, existing):
    return [ApiCall("ecs", "delete_cluster", {"cluster": r.name})]


def _slr_create(ctx, r):
    return [ApiCall("iam", "create_service_linked_role", {"AWSServiceName": r.props["service"]})]


def _instance_delete(ctx, r, existing):
    """A container instance of the fleet's cluster, on destroy: drained, its builds stopped, deregistered."""
    arn = r.props["arn"]
    calls = [ApiCall("ecs", "update_container_instances_state", {
        "cluster": ctx.cluster, "containerInstances": [arn], "status": "DRAINING"})] \
        if r.props["status"] != "DRAINING" else []
    calls += [ApiCall("ecs", "stop_task", {"cluster": ctx.cluster, "task": t,
                                           "reason": "jenkinsctl agents destroy"}) for t in r.props["tasks"]]
    return calls + [ApiCall("ecs", "deregister_container_instance", {
        "cluster": ctx.cluster, "containerInstance": arn, "force": True})]


def task_definition_params(ctx: _Ctx, r: Resource) -> dict:
    p = r.props
    env = [{"name": "JENKINS_AGENT_LABEL", "value": p["label"]}] + \
          [{"name": k, "value": v} for k, v in sorted(p["environment"].items())]
    container = {"name": AGENT_CONTAINER, "image": p["image"], "cpu": p["cpu"], "memory": p["memory"],
                 "essential": True, "environment": env,
                 "logConfiguration": {"logDriver": "awslogs", "options": {
                     "awslogs-group": p["logGroup"], "awslogs-region": ctx.region,
                     "awslogs-stream-prefix": p["label"].replace("@", "-")}}}
    params = {"family": r.name, "networkMode": "bridge", "requiresCompatibilities": ["EC2"],
              "taskRoleArn": ctx.role_arn(p["taskRole"], f"/jenkinsctl/{ctx.cluster}/"),
              "executionRoleArn": ctx.role_arn(p["executionRole"], f"/jenkinsctl/{ctx.cluster}/"),
              "containerDefinitions": [container], "tags": _ecs_tags(p["tags"])}
    if p["docker"]:
        container["mountPoints"] = [{"sourceVolume": "docker-socket", "containerPath": "/var/run/docker.sock"}]
        params["volumes"] = [{"name": "docker-socket", "host": {"sourcePath": "/var/run/docker.sock"}}]
    return params


def _td_create(ctx, r):
    return [ApiCall("ecs", "register_task_definition", task_definition_params(ctx, r))]


def _td_update(ctx, r, have, d):
    # a new revision; the old one is deregistered (builds running on it keep running)
    return [ApiCall("ecs", "register_task_definition", task_definition_params(ctx, r)),
            ApiCall("ecs", "deregister_task_definition", {"taskDefinition": have.props["_arn"]})], None


def _td_delete(ctx, r, existing):
    return [ApiCall("ecs", "deregister_task_definition", {"taskDefinition": r.props["_arn"]})]


CREATE = {"queue": _queue_create, "event_rule": _rule_create, "lifecycle_hook": _hook_create,
          "iam_role": _role_create, "instance_profile": _profile_create, "log_group": _logs_create,
          "launch_template": _lt_create, "asg": _asg_create, "capacity_provider": _cp_create,
          "cluster": _cluster_create, "task_definition": _td_create, "service_linked_role": _slr_create}
UPDATE = {"queue": _queue_update, "event_rule": _rule_update, "lifecycle_hook": _hook_update,
          "iam_role": _role_update, "instance_profile": _profile_update, "log_group": _logs_update,
          "launch_template": _lt_update, "asg": _asg_update, "capacity_provider": _cp_update,
          "cluster": _cluster_update, "task_definition": _td_update}
DELETE = {"queue": _queue_delete, "event_rule": _rule_delete, "lifecycle_hook": _hook_delete,
          "iam_role": _role_delete, "instance_profile": _profile_delete, "log_group": _logs_delete,
          "launch_template": _lt_delete, "asg": _asg_delete, "capacity_provider": _cp_delete,
          "cluster": _cluster_delete, "task_definition": _td_delete, "container_instance": _instance_delete}
