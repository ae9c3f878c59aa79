"""Auto Scaling: the fleet's group (read, normalized like the plan's wanted state), its hooks,
and the few direct mutations the scaler and the drainer make."""

from __future__ import annotations

from dataclasses import dataclass

from jenkinsctl.aws.session import Service
from jenkinsctl.errors import AwsError


def _tags(items) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or []}


@dataclass(frozen=True)
class GroupInstance:
    instance_id: str
    instance_type: str
    lifecycle: str  # "spot" | "on-demand"
    state: str  # InService, Pending, Terminating...
    protected: bool
    launch_template_version: str | None


def normalize_group(g: dict) -> dict:
    mip = g.get("MixedInstancesPolicy") or {}
    lt = (mip.get("LaunchTemplate") or {}).get("LaunchTemplateSpecification") or {}
    dist = mip.get("InstancesDistribution") or {}
    return {
        "minSize": g["MinSize"], "maxSize": g["MaxSize"],
        "subnets": sorted(s for s in (g.get("VPCZoneIdentifier") or "").split(",") if s),
        "launchTemplate": lt.get("LaunchTemplateName"), "launchTemplateVersion": str(lt.get("Version")),
        "instanceTypes": [o["InstanceType"] for o in (mip.get("LaunchTemplate") or {}).get("Overrides", [])],
        "onDemandBase": dist.get("OnDemandBaseCapacity", 0),
        "onDemandPercentAboveBase": dist.get("OnDemandPercentageAboveBaseCapacity", 100),
        "spotAllocationStrategy": dist.get("SpotAllocationStrategy"),
        "capacityRebalance": bool(g.get("CapacityRebalance")),
        "protectFromScaleIn": bool(g.get("NewInstancesProtectedFromScaleIn")),
        "tags": _tags(g.get("Tags")),
        "_arn": g.get("AutoScalingGroupARN"), "_desired": g.get("DesiredCapacity"),
    }


def instances(group: dict) -> list[GroupInstance]:
    out = []
    for i in group.get("Instances", []):
        lt = i.get("LaunchTemplate") or {}
        out.append(GroupInstance(i["InstanceId"], i.get("InstanceType", "?"),
                                 "on-demand" if i.get("InstanceLifecycle", "").lower() != "spot" else "spot",
                                 i.get("LifecycleState", "?"), bool(i.get("ProtectedFromScaleIn")),
                                 str(lt.get("Version")) if lt.get("Version") is not None else None))
    return out


def group_tag(group: str, key: str, value: str | None = None, propagate: bool = False) -> dict:
    """One tag of an Auto Scaling group as its API takes it (no value: for delete_tags)."""
    tag = {"ResourceId": group, "ResourceType": "auto-scaling-group", "Key": key}
    return tag if value is None else {**tag, "Value": value, "PropagateAtLaunch": propagate}


class AutoScaling(Service):
    name = "autoscaling"
    PLANNED = frozenset({"create_auto_scaling_group", "update_auto_scaling_group", "delete_auto_scaling_group",
                         "create_or_update_tags", "delete_tags", "put_lifecycle_hook", "delete_lifecycle_hook",
                         "delete_policy"})

    def group(self, name: str) -> dict | None:
        found = self._call("describe_auto_scaling_groups", AutoScalingGroupNames=[name])["AutoScalingGroups"]
        return found[0] if found else None

    def group_arn(self, name: str) -> str:
        g = self.group(name)
        if g is None:
            raise AwsError(f"Auto Scaling group {name} does not exist", "run `jenkinsctl agents apply` first")
        return g["AutoScalingGroupARN"]

    def lifecycle_hooks(self, group: str) -> dict[str, dict]:
        """Terminate hooks of `group`: hook name -> {transition, heartbeatTimeout, defaultResult}."""
        found = self._call("describe_lifecycle_hooks", AutoScalingGroupName=group)["LifecycleHooks"]
        return {h["LifecycleHookName"]: {"transition": h.get("LifecycleTransition"),
                                         "heartbeatTimeout": h.get("HeartbeatTimeout"),
                                         "defaultResult": h.get("DefaultResult")} for h in found}

    def scaling_policies(self, group: str) -> dict[str, dict]:
        """Scaling policies on `group` (ECS managed scaling makes one: ECSManagedAutoScalingPolicy-...)."""
        found = self._call("describe_policies", AutoScalingGroupName=group)["ScalingPolicies"]
        return {p["PolicyName"]: {"type": p.get("PolicyType")} for p in found}

    # ---- the scaler's and the drainer's direct actions ----

    def set_desired(self, group: str, desired: int) -> None:
        self._call("set_desired_capacity", AutoScalingGroupName=group, DesiredCapacity=desired, HonorCooldown=False)

    def protect(self, group: str, instance_id: str, protected: bool = True) -> None:
        self._call("set_instance_protection", AutoScalingGroupName=group, InstanceIds=[instance_id],
                   ProtectedFromScaleIn=protected)

    def terminate(self, instance_id: str, decrement_desired: bool) -> None:
        self._call("terminate_instance_in_auto_scaling_group", InstanceId=instance_id,
                   ShouldDecrementDesiredCapacity=decrement_desired)

    def set_tag(self, group: str, key: str, value: str) -> None:
        self._call("create_or_update_tags", Tags=[group_tag(group, key, value)])

    def remove_tag(self, group: str, key: str) -> None:
        self._call("delete_tags", Tags=[group_tag(group, key)])

    def set_mixed_policy(self, group: str, policy: dict) -> None:
        self._call("update_auto_scaling_group", AutoScalingGroupName=group, MixedInstancesPolicy=policy)

    def complete_lifecycle_action(self, group: str, hook: str, token: str, instance_id: str) -> None:
        self._call("complete_lifecycle_action", AutoScalingGroupName=group, LifecycleHookName=hook,
                   LifecycleActionToken=token, LifecycleActionResult="CONTINUE", InstanceId=instance_id)
